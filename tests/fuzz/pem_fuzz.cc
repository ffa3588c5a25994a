// Fuzz target for PEM key import: vouch::keys::Verifier::FromPem ("PUBLIC KEY") and
// vouch::keys::LoadSignerPem (PKCS#8, SEC 1, PKCS#1) with a fixed password.
//
// Cost bound: the encrypted forms ("ENCRYPTED PRIVATE KEY", "ENCRYPTED SIGSTORE/COSIGN PRIVATE
// KEY") run scrypt with N up to 2^17 (128 MiB, ~0.5 s) or PBKDF2 up to 10^7 iterations, which
// would make the fuzzer crawl and hit its RSS limit. Inputs containing "ENCRYPTED" therefore
// skip LoadSignerPem; they still go through Verifier::FromPem (cheap PEM framing and base64).
// The encrypted formats are covered by tests/keys instead.
//
// Invariants:
//  * a public key that parses re-serializes (ToPem) to PEM that parses to the same key
//    (same SubjectPublicKeyInfo DER, algorithm and key id), and its DER does too;
//  * a private key that loads has a public half that round-trips the same way, and a signature
//    it makes verifies under that public half (a loaded key is internally consistent);
//  * no input is both a public key and a private key.
// The private key itself has no cheap re-serialization in the public API (export encrypts with
// scrypt), so the private half is checked through sign/verify rather than a byte round trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/keys/keys.h"

namespace {

using vouch::keys::Verifier;

void CheckPublicRoundTrip(const Verifier& key) {
  FUZZ_CHECK(key.KeyId() == vouch::Digest::Of(key.SpkiDer()).Hex());
  const std::string pem = key.ToPem();
  vouch::Result<Verifier> again = Verifier::FromPem(pem);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->SpkiDer() == key.SpkiDer());
  FUZZ_CHECK(again->algorithm() == key.algorithm());
  FUZZ_CHECK(again->KeyId() == key.KeyId());
  FUZZ_CHECK(again->ToPem() == pem);
  vouch::Result<Verifier> from_der = Verifier::FromSpkiDer(key.SpkiDer());
  FUZZ_CHECK(from_der.ok());
  FUZZ_CHECK(from_der->SpkiDer() == key.SpkiDer());
  FUZZ_CHECK(from_der->algorithm() == key.algorithm());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<Verifier> pub = Verifier::FromPem(text);
  if (pub.ok()) {
    CheckPublicRoundTrip(*pub);
  }
  if (text.find("ENCRYPTED") != std::string_view::npos || vouch::keys::IsEncryptedPem(text)) {
    return 0;
  }
  static const vouch::SecretString kPassword(std::string("fuzz-password"));
  auto signer = vouch::keys::LoadSignerPem(text, kPassword);
  if (!signer.ok()) {
    return 0;
  }
  FUZZ_CHECK(!pub.ok());
  FUZZ_CHECK(vouch::keys::IsPrivateKeyPem(text));
  const Verifier& key = (*signer)->PublicKey();
  FUZZ_CHECK(key.algorithm() == (*signer)->algorithm());
  CheckPublicRoundTrip(key);
  const vouch::Bytes message = vouch::ToBytes("vouch pem fuzz message");
  vouch::Result<vouch::Bytes> sig = (*signer)->Sign(message);
  if (!sig.ok()) {
    std::fprintf(stderr, "Sign: %s\n", sig.status().ToString().c_str());
  }
  FUZZ_CHECK(sig.ok());
  vouch::Status verified = key.Verify(*sig, message);
  if (!verified.ok()) {
    std::fprintf(stderr, "Verify: %s\n", verified.ToString().c_str());
  }
  FUZZ_CHECK(verified.ok());
  return 0;
}
