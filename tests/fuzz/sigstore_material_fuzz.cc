// Fuzz target for the verification-material readers of verify/sigstore, past what the bundle
// target (attest::ParseBundle) covers: the signing certificate (ParseLeafCertificate, its SANs
// and Fulcio extensions), the chain's other certificates (ParseCertificateDer), the RFC 3161
// tokens (ParseTimestamps, then VerifyTimestamp's parse), and each transparency-log entry
// (VerifyTlogEntry: log id, canonicalized body and its binding, SET, inclusion proof and
// checkpoint) against a fixed trusted root with one Ed25519 log ("log.example", the throwaway key
// of checkpoint_fuzz.cc). The input is a bundle; VerifyBundle runs last with that key.
// Invariants: a parsed leaf keeps its DER, has a key, and its issuer is the .1.8 extension, else
// .1.1; tokens are at most kMaxTimestamps, non-empty and distinct; every failure of an entry,
// a token or the bundle is kVerificationFailed (never another code: bad evidence is a
// rejection).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.h"
#include "sigstore/certificate.h"
#include "sigstore/timestamp.h"
#include "sigstore/tlog.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/sigstore.h"

namespace {

namespace sigstore = vouch::verify::sigstore;

constexpr std::string_view kLogSpkiHex =
    "302a300506032b6570032100097fc1d17f5977c36bf78770b99ffc1f8fdd96a0a33193ceedee958180d70aaa";

struct Fixture {
  std::shared_ptr<const vouch::keys::Verifier> key;
  std::shared_ptr<const vouch::verify::TrustedRoot> root;
};

const Fixture& Fixed() {
  static const Fixture* f = [] {
    auto* out = new Fixture;
    vouch::Bytes spki = *vouch::HexDecode(kLogSpkiHex);
    out->key =
        std::make_shared<const vouch::keys::Verifier>(*vouch::keys::Verifier::FromSpkiDer(spki));
    auto root = std::make_shared<vouch::verify::TrustedRoot>();
    vouch::verify::TransparencyLogInstance log;
    log.base_url = "https://log.example";
    log.key_details = "PKIX_ED25519";
    log.key = out->key;
    log.scheme = vouch::keys::SignatureScheme::kEd25519;
    log.log_id = vouch::Digest::Of(spki).bytes();
    log.checkpoint_key_name = "log.example";
    log.checkpoint_key_id.assign(log.log_id.begin(), log.log_id.begin() + 4);
    root->tlogs.push_back(std::move(log));
    root->media_type = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
    out->root = std::move(root);
    return out;
  }();
  return *f;
}

sigstore::SignedContent ContentOf(const vouch::attest::Bundle& b) {
  sigstore::SignedContent c;
  if (const auto* ms = std::get_if<vouch::attest::MessageSignature>(&b.content)) {
    c.signature = ms->signature;
    // VerifyBundle hashes the artifact: the empty one it is given below.
    c.artifact_sha256 = vouch::Digest::Of({});
  } else {
    const auto& env = std::get<vouch::attest::DsseEnvelope>(b.content);
    c.dsse = true;
    c.payload_type = env.payload_type;
    c.payload = env.payload;
    if (!env.signatures.empty()) {
      c.signature = env.signatures.front().sig;
    }
  }
  const auto& certs = b.verification_material.certificates;
  if (!certs.empty()) {
    c.certificate_der = certs.front();
  } else {
    c.public_key_spki = Fixed().key->SpkiDer();
  }
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<vouch::attest::Bundle> bundle = vouch::attest::ParseBundle(text);
  if (!bundle.ok()) {
    return 0;
  }
  const vouch::attest::VerificationMaterial& vm = bundle->verification_material;
  for (size_t i = 0; i < vm.certificates.size(); ++i) {
    auto x509 = sigstore::ParseCertificateDer(vm.certificates[i], "certificate");
    auto leaf = sigstore::ParseLeafCertificate(vm.certificates[i]);
    if (!leaf.ok()) {
      FUZZ_CHECK(vouch::IsVerificationFailed(leaf.status()) ||
                 leaf.status().code() == vouch::ErrorCode::kInternal);
      continue;
    }
    FUZZ_CHECK(x509.ok());
    FUZZ_CHECK(leaf->der == vm.certificates[i]);
    FUZZ_CHECK(leaf->key != nullptr);
    auto ext = [&](const char* arc) {
      auto it = leaf->extensions.find(arc);
      return it == leaf->extensions.end() ? std::string() : it->second;
    };
    FUZZ_CHECK(leaf->issuer == (leaf->extensions.contains("1.8") ? ext("1.8") : ext("1.1")));
  }

  const sigstore::SignedContent content = ContentOf(*bundle);
  auto tokens = sigstore::ParseTimestamps(vm.timestamp_verification_data);
  if (tokens.ok()) {
    FUZZ_CHECK(tokens->size() <= sigstore::kMaxTimestamps);
    std::set<vouch::Bytes> distinct(tokens->begin(), tokens->end());
    FUZZ_CHECK(distinct.size() == tokens->size());
    for (const vouch::Bytes& token : *tokens) {
      FUZZ_CHECK(!token.empty());
      auto t = sigstore::VerifyTimestamp(token, content.signature, *Fixed().root);
      FUZZ_CHECK(!t.ok() && vouch::IsVerificationFailed(t.status()));
    }
  } else {
    FUZZ_CHECK(vouch::IsVerificationFailed(tokens.status()));
  }

  for (const vouch::attest::TlogEntry& entry : vm.tlog_entries) {
    auto v = sigstore::VerifyTlogEntry(entry, bundle->version, content, *Fixed().root);
    if (!v.ok()) {
      FUZZ_CHECK(vouch::IsVerificationFailed(v.status()));
    } else {
      FUZZ_CHECK(v->log == &Fixed().root->tlogs.front());
    }
  }

  std::unique_ptr<vouch::ByteSource> artifact_source = vouch::MemorySource({}, "artifact");
  vouch::verify::Artifact artifact;
  artifact.source = artifact_source.get();
  vouch::verify::BundleVerifyOptions options;
  options.key = Fixed().key.get();
  options.trusted_root = Fixed().root;
  auto verified = vouch::verify::VerifyBundle(*bundle, artifact, options);
  if (!verified.ok()) {
    FUZZ_CHECK(vouch::IsVerificationFailed(verified.status()));
  }
  return 0;
}
