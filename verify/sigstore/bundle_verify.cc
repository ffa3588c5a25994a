// VerifyBundle: the procedure of formats.md 5.2, in order. Each step is a small function; the
// steps share only the SignedContent (what the log entries must record) and the verified times.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "sigstore/certificate.h"
#include "sigstore/timestamp.h"
#include "sigstore/tlog.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/verify/sigstore.h"

namespace vouch::verify {
namespace {

using sigstore::LeafCertificate;
using sigstore::SignedContent;


Status Fail(const std::string& why) { return VerificationFailedError(why); }

// Hashes is one pass over the artifact computing every digest a step needs.
struct Hashes {
  std::optional<Digest> sha256;
  std::optional<Digest> prehash;  // the signer's prehash, when it has one
  std::optional<Digest> message_digest;
};

// HashOnce reads |source| to its end once with a fixed buffer, feeding one hasher per distinct
// algorithm.
Result<std::vector<Digest>> HashOnce(ByteSource& source, const std::vector<HashAlgorithm>& algs) {
  std::vector<std::unique_ptr<Hasher>> hashers;
  for (HashAlgorithm a : algs) {
    hashers.push_back(std::make_unique<Hasher>(a));
  }
  std::vector<uint8_t> buf(kStreamBufferSize);
  for (;;) {
    VOUCH_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) {
      break;
    }
    for (auto& h : hashers) {
      h->Update(ByteView(buf.data(), n));
    }
  }
  std::vector<Digest> out;
  for (auto& h : hashers) {
    out.push_back(h->Finish());
  }
  return out;
}

// VerifyMessageSignature is step 2 for a message signature. It fills content.artifact_sha256.
Status VerifyMessageSignature(const attest::MessageSignature& ms, Artifact& artifact,
                              const keys::Verifier& signer, SignedContent& content) {
  std::optional<HashAlgorithm> md_alg;
  if (ms.message_digest.has_value()) {
    md_alg = ms.message_digest->Hash();
  }
  // An ECDSA signature is over the messageDigest's hash when the bundle names one, as
  // sigstore-go loads its verifier (a P-384 Fulcio key may sign SHA-256); otherwise the key's
  // default scheme.
  keys::SignatureScheme scheme = keys::SignatureScheme::kDefault;
  const keys::KeyAlgorithm ka = signer.algorithm();
  if (md_alg.has_value() && (ka == keys::KeyAlgorithm::kEcdsaP256 ||
                             ka == keys::KeyAlgorithm::kEcdsaP384 ||
                             ka == keys::KeyAlgorithm::kEcdsaP521)) {
    scheme = *md_alg == HashAlgorithm::kSha256   ? keys::SignatureScheme::kEcdsaSha256
             : *md_alg == HashAlgorithm::kSha384 ? keys::SignatureScheme::kEcdsaSha384
                                                 : keys::SignatureScheme::kEcdsaSha512;
  }
  std::optional<HashAlgorithm> prehash = keys::PrehashAlgorithm(ka, scheme);
  Status sig_status;
  if (artifact.digest.has_value()) {
    std::optional<Digest> given = artifact.digest->AsDigest();
    if (!given || given->algorithm() != HashAlgorithm::kSha256) {
      return InvalidArgumentError("a message signature is checked over the file or its sha256 "
                                  "digest, not " + artifact.digest->algorithm);
    }
    content.artifact_sha256 = *given;
    if (md_alg == HashAlgorithm::kSha256 &&
        !ConstantTimeEquals(given->bytes(), ms.message_digest->digest)) {
      return Fail("the bundle's messageDigest differs from the given digest: the bundle is for "
                  "other content");
    }
    if (prehash != HashAlgorithm::kSha256) {
      return Fail("the signature cannot be checked against a sha256 digest with this key (" +
                  std::string(keys::KeyAlgorithmName(signer.algorithm())) +
                  "): pass the file instead");
    }
    sig_status = signer.VerifyDigest(ms.signature, *given, scheme);
  } else if (prehash.has_value()) {
    std::vector<HashAlgorithm> algs = {HashAlgorithm::kSha256};
    if (*prehash != HashAlgorithm::kSha256) {
      algs.push_back(*prehash);
    }
    if (md_alg.has_value() && std::find(algs.begin(), algs.end(), *md_alg) == algs.end()) {
      algs.push_back(*md_alg);
    }
    VOUCH_ASSIGN_OR_RETURN(std::vector<Digest> ds, HashOnce(*artifact.source, algs));
    auto pick = [&](HashAlgorithm a) {
      return ds[static_cast<size_t>(std::find(algs.begin(), algs.end(), a) - algs.begin())];
    };
    content.artifact_sha256 = ds[0];
    if (md_alg.has_value() &&
        !ConstantTimeEquals(pick(*md_alg).bytes(), ms.message_digest->digest)) {
      return Fail("file does not match the bundle: its digest differs from the bundle's "
                  "messageDigest");
    }
    sig_status = signer.VerifyDigest(ms.signature, pick(*prehash), scheme);
  } else {
    // Pure Ed25519 signs the message itself: the source is mapped, and hashed on the way.
    attest::DigestingSource tee(*artifact.source, HashAlgorithm::kSha256);
    sig_status = signer.VerifySource(ms.signature, tee);
    if (!sig_status.ok() && !IsVerificationFailed(sig_status)) {
      return sig_status;
    }
    content.artifact_sha256 = tee.Finish();
    if (md_alg == HashAlgorithm::kSha256 &&
        !ConstantTimeEquals(content.artifact_sha256->bytes(), ms.message_digest->digest)) {
      return Fail("file does not match the bundle: its digest differs from the bundle's "
                  "messageDigest");
    }
  }
  if (!sig_status.ok()) {
    if (IsVerificationFailed(sig_status) || IsInvalidArgument(sig_status)) {
      return Fail("signature does not verify over the artifact with the signer's key");
    }
    return sig_status;
  }
  content.signature = ms.signature;
  return OkStatus();
}

// ComputedAlgorithms returns the algorithms vouch computes among those |statement|'s subjects
// name, and every name in |named|.
std::vector<HashAlgorithm> ComputedAlgorithms(const attest::Statement& statement,
                                              std::set<std::string>& named) {
  std::vector<HashAlgorithm> algs;
  for (const attest::ResourceDescriptor& rd : statement.subjects()) {
    for (const auto& [alg, hex] : rd.digest) {
      named.insert(alg);
      for (HashAlgorithm a : {HashAlgorithm::kSha256, HashAlgorithm::kSha384,
                              HashAlgorithm::kSha512}) {
        if (alg == HashAlgorithmName(a) && std::find(algs.begin(), algs.end(), a) == algs.end()) {
          algs.push_back(a);
        }
      }
    }
  }
  return algs;
}

// SourceNamed hashes |source| once in |algs| and looks for a subject with one of the digests.
Status SourceNamed(const attest::Statement& statement, ByteSource& source,
                   const std::vector<HashAlgorithm>& algs) {
  VOUCH_ASSIGN_OR_RETURN(std::vector<Digest> ds, HashOnce(source, algs));
  for (const Digest& d : ds) {
    if (attest::SubjectMatches(statement, d)) {
      return OkStatus();
    }
  }
  return Fail("no subject of the statement has the artifact's digest " + ds.front().ToString());
}

// ContentNamed is the digest mode's second chance: the artifact's content, checked against its
// digest, hashed in the subjects' other algorithms.
Status ContentNamed(const attest::Statement& statement, const Artifact& artifact,
                    std::vector<HashAlgorithm> algs) {
  const std::string no_subject =
      "no subject of the statement has the artifact's digest " + artifact.digest->ToString();
  std::optional<Digest> known = artifact.digest->AsDigest();
  if (known) {
    std::erase(algs, known->algorithm());
  }
  if (!artifact.content || !known || algs.empty()) {
    return Fail(no_subject);
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes bytes, artifact.content());
  if (Digest::Of(bytes, known->algorithm()) != *known) {
    return Fail("the artifact's content does not have its digest " + known->ToString());
  }
  std::unique_ptr<ByteSource> source = MemorySource(bytes);
  Status st = SourceNamed(statement, *source, algs);
  if (!IsVerificationFailed(st)) {
    return st;
  }
  std::string others;
  for (HashAlgorithm a : algs) {
    others += (others.empty() ? "" : ", ") + std::string(HashAlgorithmName(a));
  }
  return Fail(no_subject + ", nor its " + others + " digest");
}

// VerifyDsse is step 2 for a DSSE envelope. It fills the payload fields of |content|.
Status VerifyDsse(const attest::DsseEnvelope& env, Artifact& artifact,
                  const keys::Verifier& signer, const BundleVerifyOptions& options,
                  SignedContent& content, BundleVerification& out) {
  if (env.signatures.size() != 1) {
    return Fail("the DSSE envelope must hold exactly one signature");
  }
  // The signature first: a forged envelope is reported as forged, whatever it claims to hold.
  const Bytes& sig = env.signatures[0].sig;
  if (!signer.Verify(sig, attest::Pae(env.payload_type, env.payload)).ok()) {
    return Fail("the DSSE signature does not verify with the signer's key");
  }
  if (env.payload_type != attest::kInTotoPayloadType) {
    return Fail("the DSSE payloadType is \"" + env.payload_type + "\", not " +
                std::string(attest::kInTotoPayloadType));
  }
  Result<attest::Statement> statement = attest::Statement::Parse(AsChars(env.payload));
  if (!statement.ok()) {
    return Fail("the DSSE payload is not a valid in-toto statement: " +
                statement.status().message());
  }
  VOUCH_RETURN_IF_ERROR(StatementNamesArtifact(*statement, artifact));
  if (!options.expected_predicate_type.empty() &&
      statement->predicate_type() != options.expected_predicate_type) {
    return Fail("predicate type \"" + statement->predicate_type() + "\" is not the expected \"" +
                options.expected_predicate_type + "\"");
  }
  content.dsse = true;
  content.signature = sig;
  content.payload_type = env.payload_type;
  content.payload = env.payload;
  out.dsse_payload = env.payload;
  out.predicate_type = statement->predicate_type();
  return OkStatus();
}

// LogValidAt reports whether some trusted-root instance of |log|'s key is valid at |t|.
bool LogValidAt(const TrustedRoot& root, const TransparencyLogInstance& log, TimePoint t) {
  for (const TransparencyLogInstance* l : root.FindTlogs(log.log_id)) {
    if (l->valid_for.Contains(t)) {
      return true;
    }
  }
  return false;
}

bool Keyless(const BundleVerifyOptions& options) {
  return options.key == nullptr && options.managed_keys.empty();
}

Status CheckRequest(const Artifact& artifact, const BundleVerifyOptions& options) {
  const bool keyless = Keyless(options);
  if (keyless && options.identities.empty()) {
    return InvalidArgumentError(
        "a keyless bundle needs an identity (--certificate-identity and "
        "--certificate-oidc-issuer) or a key (--key)");
  }
  if ((keyless || !options.managed_keys.empty()) && options.trusted_root == nullptr) {
    return InvalidArgumentError(
        "no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
  }
  if ((artifact.source == nullptr) == !artifact.digest.has_value()) {
    return InvalidArgumentError("VerifyBundle needs exactly one of an artifact or its digest");
  }
  return OkStatus();
}

// BundleSigner is step 1: who signed, by the verification material.
struct BundleSigner {
  std::optional<LeafCertificate> leaf;   // keyless
  std::vector<Bytes> intermediates;      // keyless: the bundle's certificates after the leaf
  const keys::Verifier* key = nullptr;   // the key that must have signed
  const ManagedKey* managed = nullptr;   // when |key| is a managed key: its window applies
};

// ManagedKeyFor picks the managed key the bundle's hint names. The hint chooses; the signature
// still decides.
Result<const ManagedKey*> ManagedKeyFor(const attest::VerificationMaterial& vm,
                                        const std::vector<ManagedKey>& keys) {
  for (const ManagedKey& k : keys) {
    if (!vm.public_key_hint.empty() && k.key_id == vm.public_key_hint) {
      return &k;
    }
  }
  return Fail("the bundle's key hint \"" + vm.public_key_hint + "\" names none of the " +
              std::to_string(keys.size()) + " trusted keys");
}

Result<BundleSigner> ReadSigner(const attest::VerificationMaterial& vm,
                                const BundleVerifyOptions& options, SignedContent& content,
                                BundleVerification& out) {
  BundleSigner s;
  if (Keyless(options)) {
    if (vm.kind == attest::VerificationMaterial::Kind::kPublicKey) {
      return Fail("the bundle is signed with a key, not a certificate: verify it with --key");
    }
    if (vm.certificates.empty()) {
      return Fail("the bundle's certificate chain is empty");
    }
    Result<LeafCertificate> parsed = sigstore::ParseLeafCertificate(vm.certificates[0]);
    if (!parsed.ok()) {
      return parsed.status().WithContext("signing certificate");
    }
    s.leaf = std::move(parsed).value();
    s.intermediates.assign(vm.certificates.begin() + 1, vm.certificates.end());
    s.key = s.leaf->key.get();
    content.certificate_der = s.leaf->der;
    return s;
  }
  if (vm.kind != attest::VerificationMaterial::Kind::kPublicKey) {
    return Fail("the bundle carries a certificate: verify it with --certificate-identity and "
                "--certificate-oidc-issuer, not --key");
  }
  // The hint is a hint, never a binding: in another format (an OpenSSH fingerprint, a KMS key
  // name) or naming another key, the signature below decides.
  if (options.key != nullptr) {
    s.key = options.key;
    out.signer = "key " + options.key->KeyId();
  } else {
    VOUCH_ASSIGN_OR_RETURN(s.managed, ManagedKeyFor(vm, options.managed_keys));
    s.key = s.managed->key.get();
    out.signer = "key " + s.managed->key_id;
  }
  content.public_key_spki = s.key->SpkiDer();
  return s;
}

// VerifyTlogEntries is step 3: every entry verifies, and entries from at least the threshold of
// distinct logs do (two entries of one log count once).
Result<std::vector<sigstore::VerifiedTlogEntry>> VerifyTlogEntries(
    const attest::Bundle& bundle, const SignedContent& content, const TrustedRoot& root,
    size_t threshold) {
  const auto& list = bundle.verification_material.tlog_entries;
  if (list.size() > sigstore::kMaxTlogEntries) {
    return Fail("the bundle holds " + std::to_string(list.size()) +
                " log entries, more than the limit of " +
                std::to_string(sigstore::kMaxTlogEntries));
  }
  std::vector<sigstore::VerifiedTlogEntry> entries;
  std::set<Bytes> logs;
  for (size_t i = 0; i < list.size(); ++i) {
    Result<sigstore::VerifiedTlogEntry> e =
        sigstore::VerifyTlogEntry(list[i], bundle.version, content, root);
    if (!e.ok()) {
      return e.status().WithContext("tlog entry " + std::to_string(i));
    }
    logs.insert(e->log->log_id);
    entries.push_back(std::move(e).value());
  }
  if (logs.size() < threshold) {
    return Fail("the bundle has verified entries from " + std::to_string(logs.size()) +
                " distinct transparency log(s), " + std::to_string(threshold) + " required");
  }
  return entries;
}

// VerifyTimestamps is step 4: every RFC 3161 token verifies, and tokens from at least the
// threshold of distinct TSAs do.
Result<std::vector<TimePoint>> VerifyTimestamps(const attest::VerificationMaterial& vm,
                                                const SignedContent& content,
                                                const TrustedRoot& root, size_t threshold) {
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> tokens,
                         sigstore::ParseTimestamps(vm.timestamp_verification_data));
  std::vector<TimePoint> times;
  std::set<size_t> authorities;
  for (size_t i = 0; i < tokens.size(); ++i) {
    Result<sigstore::VerifiedTimestamp> t =
        sigstore::VerifyTimestampBy(tokens[i], content.signature, root);
    if (!t.ok()) {
      return t.status().WithContext("timestamp " + std::to_string(i));
    }
    times.push_back(t->time);
    authorities.insert(t->authority);
  }
  if (authorities.size() < threshold) {
    return Fail("the bundle has verified timestamps from " + std::to_string(authorities.size()) +
                " distinct timestamp authorities, " + std::to_string(threshold) + " required");
  }
  return times;
}

// VerifiedTimes is step 5: the timestamps and the SET-backed integrated times. An entry without
// a verified integrated time (Rekor v2, or v1 without SET or time) has its log's window checked
// at the timestamps, never at time zero: without a timestamp it proves no time.
Result<std::vector<TimePoint>> VerifiedTimes(
    const std::vector<sigstore::VerifiedTlogEntry>& entries,
    const std::vector<TimePoint>& tsa_times, const TrustedRoot& root) {
  std::vector<TimePoint> times = tsa_times;
  for (const auto& e : entries) {
    if (e.integrated_time.has_value()) {
      times.push_back(*e.integrated_time);
      continue;
    }
    if (tsa_times.empty()) {
      return Fail("a log entry has no verified integrated time (" +
                  std::string(e.rekor_v2 ? "Rekor v2" : "no signed entry timestamp over one") +
                  "): the bundle needs an RFC 3161 timestamp to check its log, and has none");
    }
    for (TimePoint t : tsa_times) {
      if (!LogValidAt(root, *e.log, t)) {
        return Fail("the log of an entry is not valid at the timestamp " + FormatRfc3339(t));
      }
    }
  }
  return times;
}

// CheckKeyWindow checks a managed key's validity window at every verified time.
Status CheckKeyWindow(const ManagedKey& key, const std::vector<TimePoint>& times) {
  if (times.empty()) {
    return Fail("no verified signing time to check key " + key.key_id +
                "'s validity window against: the bundle has neither a signed log entry "
                "timestamp nor an RFC 3161 timestamp");
  }
  for (TimePoint t : times) {
    if (!key.valid_for.Contains(t)) {
      return Fail("key " + key.key_id + " is not valid at the signing time " + FormatRfc3339(t));
    }
  }
  return OkStatus();
}

Status VerifyCertificate(const BundleSigner& s, const std::vector<TimePoint>& times,
                         const TrustedRoot& root, const BundleVerifyOptions& options) {
  const bool require_sct = options.require_sct.value_or(!root.ctlogs.empty());
  const LeafCertificate& leaf = *s.leaf;
  if (times.empty()) {
    return Fail("no verified signing time: the bundle has neither a signed log entry timestamp "
                "nor an RFC 3161 timestamp");
  }
  for (TimePoint t : times) {
    if (t < leaf.not_before || t > leaf.not_after) {
      return Fail("signing time " + FormatRfc3339(t) + " is outside the certificate's validity [" +
                  FormatRfc3339(leaf.not_before) + ", " + FormatRfc3339(leaf.not_after) + "]");
    }
  }
  Result<size_t> ca = sigstore::VerifyCertificateChain(leaf, s.intermediates, root, times);
  if (!ca.ok()) {
    return ca.status().WithContext("certificate chain");
  }
  if (require_sct) {
    const Bytes& issuer = !s.intermediates.empty()
                              ? s.intermediates.front()
                              : root.certificate_authorities[*ca].chain_der.front();
    VOUCH_RETURN_IF_ERROR(sigstore::VerifyEmbeddedSct(leaf, issuer, root).WithContext("SCT"));
  }
  Status first;
  for (const CertificateIdentity& id : options.identities) {
    Status st = sigstore::MatchIdentity(leaf, id);
    if (st.ok()) {
      return OkStatus();
    }
    if (first.ok()) {
      first = st;
    }
  }
  return first.WithContext("identity");
}

}  // namespace

Result<BundleVerification> VerifyBundle(const attest::Bundle& bundle, Artifact artifact,
                                        const BundleVerifyOptions& options) {
  VOUCH_RETURN_IF_ERROR(CheckRequest(artifact, options));
  const attest::VerificationMaterial& vm = bundle.verification_material;
  BundleVerification out;
  SignedContent content;
  // 1. The signer.
  VOUCH_ASSIGN_OR_RETURN(BundleSigner signer, ReadSigner(vm, options, content, out));
  // 2. The signature.
  if (const auto* ms = std::get_if<attest::MessageSignature>(&bundle.content)) {
    if (!options.expected_predicate_type.empty()) {
      return Fail("the bundle holds a message signature, not an attestation");
    }
    VOUCH_RETURN_IF_ERROR(VerifyMessageSignature(*ms, artifact, *signer.key, content));
  } else {
    VOUCH_RETURN_IF_ERROR(VerifyDsse(std::get<attest::DsseEnvelope>(bundle.content), artifact,
                                     *signer.key, options, content, out));
  }
  const TrustedRoot* root = options.trusted_root.get();
  if (root == nullptr) {
    return out;  // --key without a trusted root: vouch's own key-signed bundles carry no log entry
  }
  // 3. Transparency-log entries; 4. RFC 3161 timestamps; 5. the verified times.
  const size_t tlog_threshold = options.tlog_threshold.value_or(root->tlogs.empty() ? 0 : 1);
  VOUCH_ASSIGN_OR_RETURN(auto entries, VerifyTlogEntries(bundle, content, *root, tlog_threshold));
  VOUCH_ASSIGN_OR_RETURN(auto tsa_times,
                         VerifyTimestamps(vm, content, *root, options.timestamp_threshold));
  VOUCH_ASSIGN_OR_RETURN(out.verified_times, VerifiedTimes(entries, tsa_times, *root));
  if (signer.managed != nullptr) {
    VOUCH_RETURN_IF_ERROR(CheckKeyWindow(*signer.managed, out.verified_times));
  }
  if (!Keyless(options)) {
    return out;
  }
  // 6-8. The certificate at those times: chain, SCT, identity.
  VOUCH_RETURN_IF_ERROR(VerifyCertificate(signer, out.verified_times, *root, options));
  out.signer = signer.leaf->sans.empty() ? std::string() : signer.leaf->sans.front();
  out.issuer = signer.leaf->issuer;
  out.leaf_der = signer.leaf->der;
  return out;
}

Status StatementNamesArtifact(const attest::Statement& statement, Artifact& artifact) {
  std::set<std::string> named;
  std::vector<HashAlgorithm> algs = ComputedAlgorithms(statement, named);
  if (artifact.digest.has_value()) {
    if (attest::SubjectMatches(statement, artifact.digest->algorithm, artifact.digest->hex)) {
      return OkStatus();
    }
    return ContentNamed(statement, artifact, std::move(algs));
  }
  if (algs.empty()) {
    std::string names;
    for (const std::string& n : named) {
      names += (names.empty() ? "" : ", ") + n;
    }
    return Fail("the statement's subjects name no digest algorithm vouch computes (sha256, "
                "sha384, sha512): " + (names.empty() ? std::string("none") : names));
  }
  return SourceNamed(statement, *artifact.source, algs);
}

}  // namespace vouch::verify
