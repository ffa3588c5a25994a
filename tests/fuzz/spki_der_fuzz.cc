// Fuzz target for vouch::keys::Verifier::FromSpkiDer (DER SubjectPublicKeyInfo: keys in
// bundles, certificates and --key files). Invariants: a key that parses re-encodes to DER that
// parses to the same key, the re-encoding is stable (DER of DER is the same DER), the PEM form
// round-trips too, and the key id is SHA-256 of the DER. Verify() must survive arbitrary
// signature bytes (taken from the input itself) without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/keys/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using vouch::keys::Verifier;
  vouch::ByteView der(data, size);
  vouch::Result<Verifier> key = Verifier::FromSpkiDer(der);
  if (!key.ok()) {
    return 0;
  }
  FUZZ_CHECK(key->KeyId() == vouch::Digest::Of(key->SpkiDer()).Hex());
  vouch::Result<Verifier> again = Verifier::FromSpkiDer(key->SpkiDer());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->SpkiDer() == key->SpkiDer());
  FUZZ_CHECK(again->algorithm() == key->algorithm());
  FUZZ_CHECK(again->KeyId() == key->KeyId());
  vouch::Result<Verifier> from_pem = Verifier::FromPem(key->ToPem());
  FUZZ_CHECK(from_pem.ok());
  FUZZ_CHECK(from_pem->SpkiDer() == key->SpkiDer());
  // A random signature must be rejected or (astronomically unlikely) accepted, never crash.
  (void)key->Verify(der, vouch::ToBytes("vouch spki fuzz message"));
  return 0;
}
