// Fuzz target for vouch::attest::ParseNotationEnvelope (Notation signatures from registries and
// files), each input read as a JWS and as a COSE envelope. Invariants for an envelope that
// parses: 1..kMaxNotationChainLength certificates; a known signing scheme with exactly its time
// header; the payload content type; the signed bytes end with the payload (COSE Sig_structure)
// or its base64url text (JWS signing input). The signature check and the payload reader run on
// every parsed envelope and must return, not crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vouch/attest/notation.h"
#include "vouch/core/bytes.h"

namespace {

using vouch::attest::NotationEnvelope;
using vouch::attest::NotationEnvelopeType;

bool EndsWith(const vouch::Bytes& data, vouch::ByteView tail) {
  return data.size() >= tail.size() &&
         std::equal(tail.begin(), tail.end(),
                    data.end() - static_cast<std::ptrdiff_t>(tail.size()));
}

void Check(NotationEnvelopeType type, vouch::ByteView input) {
  vouch::Result<NotationEnvelope> env = vouch::attest::ParseNotationEnvelope(type, input);
  if (!env.ok()) {
    FUZZ_CHECK(vouch::IsVerificationFailed(env.status()));
    return;
  }
  FUZZ_CHECK(!env->certificate_chain.empty());
  FUZZ_CHECK(env->certificate_chain.size() <= vouch::attest::kMaxNotationChainLength);
  FUZZ_CHECK(env->content_type == vouch::attest::kNotationPayloadType);
  if (env->signing_scheme == vouch::attest::kNotationSchemeX509) {
    FUZZ_CHECK(env->signing_time.has_value() && !env->authentic_signing_time.has_value());
  } else {
    FUZZ_CHECK(env->signing_scheme == vouch::attest::kNotationSchemeSigningAuthority);
    FUZZ_CHECK(env->authentic_signing_time.has_value());
  }
  if (type == NotationEnvelopeType::kJws) {
    FUZZ_CHECK(
        EndsWith(env->signed_bytes, vouch::AsBytes("." + vouch::Base64UrlEncode(env->payload))));
  } else {
    FUZZ_CHECK(EndsWith(env->signed_bytes, env->payload));
  }
  vouch::attest::VerifyNotationSignature(*env).IgnoreError();
  (void)vouch::attest::ParseNotationPayload(env->payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vouch::ByteView input(data, size);
  Check(NotationEnvelopeType::kJws, input);
  Check(NotationEnvelopeType::kCose, input);
  return 0;
}
