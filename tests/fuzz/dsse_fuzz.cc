// Fuzz target for vouch::attest::ParseEnvelope (DSSE envelopes from registries and files).
// Invariants: an envelope that parses serializes to JSON that parses to an equal envelope, and
// serializing that again gives the same text (SerializeEnvelope is canonical). PAE of the
// parsed payload is well formed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/attest/dsse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<vouch::attest::DsseEnvelope> env = vouch::attest::ParseEnvelope(text);
  if (!env.ok()) {
    return 0;
  }
  FUZZ_CHECK(!env->signatures.empty());
  FUZZ_CHECK(env->signatures.size() <= vouch::attest::kMaxEnvelopeSignatures);
  const std::string json = vouch::attest::SerializeEnvelope(*env);
  vouch::Result<vouch::attest::DsseEnvelope> again = vouch::attest::ParseEnvelope(json);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *env);
  FUZZ_CHECK(vouch::attest::SerializeEnvelope(*again) == json);
  const vouch::Bytes pae = vouch::attest::Pae(env->payload_type, env->payload);
  FUZZ_CHECK(pae.size() > env->payload_type.size() + env->payload.size());
  return 0;
}
