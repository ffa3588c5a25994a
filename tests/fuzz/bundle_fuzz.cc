// Fuzz target for vouch::attest::ParseBundle (Sigstore bundles v0.1-v0.3 in protobuf JSON).
// Invariants: a bundle that parses serializes (SerializeBundle documents that it accepts every
// parsed bundle), the output parses to a bundle with equal fields, and serializing that again
// gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "vouch/attest/bundle.h"

namespace {

using vouch::attest::Bundle;

bool TlogEqual(const vouch::attest::TlogEntry& a, const vouch::attest::TlogEntry& b) {
  return a.log_index == b.log_index && a.integrated_time == b.integrated_time &&
         a.kind == b.kind && a.kind_version == b.kind_version && a.json == b.json;
}

bool MaterialEqual(const vouch::attest::VerificationMaterial& a,
                   const vouch::attest::VerificationMaterial& b) {
  if (a.kind != b.kind || a.public_key_hint != b.public_key_hint ||
      a.certificates != b.certificates ||
      a.timestamp_verification_data != b.timestamp_verification_data ||
      a.tlog_entries.size() != b.tlog_entries.size()) {
    return false;
  }
  for (size_t i = 0; i < a.tlog_entries.size(); ++i) {
    if (!TlogEqual(a.tlog_entries[i], b.tlog_entries[i])) {
      return false;
    }
  }
  return true;
}

bool ContentEqual(const Bundle& a, const Bundle& b) {
  if (a.IsMessageSignature() != b.IsMessageSignature()) {
    return false;
  }
  if (!a.IsMessageSignature()) {
    return std::get<vouch::attest::DsseEnvelope>(a.content) ==
           std::get<vouch::attest::DsseEnvelope>(b.content);
  }
  const auto& ma = std::get<vouch::attest::MessageSignature>(a.content);
  const auto& mb = std::get<vouch::attest::MessageSignature>(b.content);
  if (ma.signature != mb.signature ||
      ma.message_digest.has_value() != mb.message_digest.has_value()) {
    return false;
  }
  return !ma.message_digest.has_value() ||
         (ma.message_digest->algorithm == mb.message_digest->algorithm &&
          ma.message_digest->digest == mb.message_digest->digest);
}

bool BundleEqual(const Bundle& a, const Bundle& b) {
  return a.media_type == b.media_type && a.version == b.version &&
         MaterialEqual(a.verification_material, b.verification_material) && ContentEqual(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<Bundle> bundle = vouch::attest::ParseBundle(text);
  if (!bundle.ok()) {
    return 0;
  }
  vouch::Result<std::string> json = vouch::attest::SerializeBundle(*bundle);
  if (!json.ok()) {
    std::fprintf(stderr, "SerializeBundle: %s\n", json.status().ToString().c_str());
  }
  FUZZ_CHECK(json.ok());
  vouch::Result<Bundle> again = vouch::attest::ParseBundle(*json);
  if (!again.ok()) {
    std::fprintf(stderr, "ParseBundle(serialized): %s\n", again.status().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(BundleEqual(*again, *bundle));
  vouch::Result<std::string> json2 = vouch::attest::SerializeBundle(*again);
  FUZZ_CHECK(json2.ok());
  FUZZ_CHECK(*json2 == *json);
  // Derived accessors must not misbehave on any parsed digest.
  if (const auto* ms = std::get_if<vouch::attest::MessageSignature>(&bundle->content)) {
    if (ms->message_digest.has_value()) {
      std::optional<vouch::HashAlgorithm> alg = ms->message_digest->Hash();
      FUZZ_CHECK(!alg.has_value() || ms->message_digest->digest.size() == vouch::HashSize(*alg));
    }
  }
  return 0;
}
