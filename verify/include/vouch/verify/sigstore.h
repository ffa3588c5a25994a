// Sigstore bundle verification, offline (formats.md sections 4 and 5; sigstore-go semantics): the
// signature, the transparency-log entries (Rekor v1 and v2), RFC 3161 timestamps, the Fulcio
// certificate chain at the signing time, the embedded SCT and the signer identity, all checked
// against a pinned trusted root. No network call is ever made.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {

// CertificateIdentity constrains the Fulcio leaf of a keyless signature. Exactly one of san /
// san_regexp, and one of issuer / issuer_regexp, must be set. Regexps are RE2 (Go's syntax) and,
// as in cosign, match anywhere in the value (vouch/core/regexp.h Regexp::Matches): write ^...$ to
// constrain the whole value.
struct CertificateIdentity {
  std::string san;          // URI, email or otherName (1.3.6.1.4.1.57264.1.7) SAN, exact
  std::string san_regexp;
  std::string issuer;       // OIDC issuer: extension .1.8, falling back to .1.1
  std::string issuer_regexp;
  // github: optional exact claims, keyed by policy::GithubWorkflowClaim::name.
  std::map<std::string, std::string> github;
};

// ArtifactDigest names an artifact by one digest, "<algorithm>:<lowercase hex>": sha256, sha384
// or sha512, and, only to be compared with an in-toto statement's subjects, sha1 (GitHub release
// attestations name the tag's commit that way; vouch never computes SHA-1).
struct ArtifactDigest {
  std::string algorithm;
  std::string hex;

  // Parse reads "sha256:<64 hex>", "sha384:<96 hex>", "sha512:<128 hex>" or "sha1:<40 hex>"
  // (hex in either case); anything else is kInvalidArgument.
  static Result<ArtifactDigest> Parse(std::string_view text);
  static ArtifactDigest Of(const Digest& digest);
  // AsDigest returns the digest for the computable algorithms; nullopt for sha1.
  std::optional<Digest> AsDigest() const;
  std::string ToString() const { return algorithm + ":" + hex; }
};

// Artifact is what the bundle signs: the bytes (read once, streamed), or one digest of them
// (the conformance "sha256:<hex>" form; for DSSE it names a statement subject, in any algorithm
// ArtifactDigest reads).
struct Artifact {
  ByteSource* source = nullptr;  // borrowed; one of source / digest
  std::optional<ArtifactDigest> digest;
  // content, with |digest| only: the artifact's bytes on demand (an image manifest), fetched
  // only when a statement names the artifact in no subject of |digest|'s algorithm but in
  // another one vouch computes. The bytes must have |digest|.
  std::function<Result<Bytes>()> content;
};

// StatementNamesArtifact checks that some subject of |statement| names |artifact|: the file
// hashed once with every algorithm the subjects use (SHA-256, SHA-384, SHA-512), or the digest
// compared as given, then, when the subjects use another algorithm and |artifact.content| is set,
// the content hashed in those. kVerificationFailed says which digest no subject has; an error of
// |content| or of the source is returned as is (could not check).
Status StatementNamesArtifact(const attest::Statement& statement, Artifact& artifact);

// ManagedKey is a trusted public key with a validity window (sigstore-go's "managed keys"; an
// npm registry key): a signature counts only when a verified signing time (a transparency-log
// integrated time or an RFC 3161 time) falls in the window.
struct ManagedKey {
  std::string key_id;  // as bundles hint it ("SHA256:jl3bws…" for npm)
  std::string usage;   // "npm:attestations", "npm:signatures"; "" when the file says none
  std::shared_ptr<const keys::Verifier> key;
  ValidityWindow valid_for;
};

// ParseManagedKeys reads an npm-style keys document, {"keys": [{"keyId", "keyUsage",
// "publicKey": {"rawBytes": <b64 DER SPKI>, "keyDetails", "validFor": {"start", "end"}}}]}
// (the TUF target registry.npmjs.org/keys.json), keeping the keys whose usage is |usage| (all
// when empty). A malformed document, or no key left, is kInvalidArgument.
Result<std::vector<ManagedKey>> ParseManagedKeys(std::string_view json, std::string_view usage);

// BundleVerifyOptions says what to trust. Keyless: trusted_root + identities (any one matches).
// Key: |key|, or |managed_keys| (the one the bundle's key hint names), with trusted_root
// optional for a plain key (when given, the log entry and its checks are required as for
// keyless; when absent, only the signature is checked, as vouch's own key-signed bundles carry
// no log entry) and required for managed keys (their window needs a verified time).
struct BundleVerifyOptions {
  std::shared_ptr<const TrustedRoot> trusted_root;
  std::vector<CertificateIdentity> identities;
  const keys::Verifier* key = nullptr;  // borrowed
  std::vector<ManagedKey> managed_keys;
  // tlog_threshold: distinct transparency logs with a verified entry. Default: 1 when the
  // trusted root lists transparency logs, 0 when it lists none (an instance without a log, such
  // as GitHub's, whose time comes from its TSA).
  std::optional<size_t> tlog_threshold;
  // timestamp_threshold: distinct timestamp authorities with a verified RFC 3161 timestamp.
  size_t timestamp_threshold = 0;
  // require_sct: a keyless leaf must carry a verified SCT. Default: when the trusted root lists
  // CT logs.
  std::optional<bool> require_sct;
  // expected_predicate_type, for DSSE content: when not empty, the statement's predicateType must
  // equal it.
  std::string expected_predicate_type;
};

// BundleVerification is what a verified bundle establishes.
struct BundleVerification {
  std::string signer;        // "key <id>" or the certificate SAN
  std::string issuer;        // OIDC issuer (keyless)
  std::vector<TimePoint> verified_times;  // SET-backed integrated times and TSA genTimes
  std::optional<Bytes> leaf_der;          // keyless: the leaf certificate
  std::optional<Bytes> dsse_payload;      // DSSE content: the verified payload
  std::string predicate_type;             // DSSE content: the statement's predicateType
};

// VerifyBundle runs the whole procedure of formats.md 5.2 in order and stops at the first
// failure: kVerificationFailed naming the check ("tlog entry 0: inclusion proof: ..."), or
// kInvalidArgument for missing trust input (no key and no identity, keyless or managed keys
// without a trusted root, neither or both of artifact.source / artifact.digest), or an I/O code
// when the artifact cannot be read.
//
// The order: (1) the signer: keyless needs a certificate in the bundle, a key needs a public
// key bundle (a certificate bundle is rejected: verify it by identity); the bundle's key hint is
// a hint, never a binding (it only chooses among managed keys); (2) the signature: a message
// signature over the artifact bytes (read once) or over the supplied SHA-256 digest (a prehash;
// not for Ed25519), ECDSA with the messageDigest's hash when the bundle names one (as
// sigstore-go), and the messageDigest must not contradict the artifact; DSSE: payloadType
// in-toto, the one signature over PAE, some statement subject naming the artifact (the file
// hashed in one pass with every algorithm the subjects use: SHA-256, SHA-384, SHA-512; or the
// given digest compared as is; subjects in no algorithm vouch supports are a rejection that says
// so), and expected_predicate_type when set; (3) with a trusted root, every tlog entry (at most
// 32) verifies (sigstore/tlog.h: an inclusion proof always needs a signed checkpoint), and at
// least tlog_threshold distinct logs do; (4) every RFC 3161 token (at most 32, no duplicates)
// verifies, and at least timestamp_threshold distinct TSAs do; (5) the verified times
// (SET-backed non-zero integrated times and TSA genTimes): keyless and managed keys need at
// least one; an entry without a verified integrated time (Rekor v2, or v1 without SET or time)
// needs a TSA time inside its log's window; each time lies in the leaf's validity or the managed
// key's window; (6) the chain at those times; (7) the SCT when require_sct; (8) the identity
// (any of |identities|).
Result<BundleVerification> VerifyBundle(const attest::Bundle& bundle, Artifact artifact,
                                        const BundleVerifyOptions& options);

// LoadTrustedRoots reads |path| as LoadTrustedRoot does, and also a JSONL file of trusted roots
// (one per line, as `gh attestation trusted-root` writes both GitHub's and the public-good
// instance). Every line must parse.
Result<std::vector<std::shared_ptr<const TrustedRoot>>> LoadTrustedRoots(const std::string& path);

// ReadBundles reads a bundle file, or a JSONL file of bundles (one per line, as
// `gh attestation download` writes them). The file is at most 64 MiB; each bundle is parsed on
// its own, so a malformed line is a rejection of that line only. An unreadable file keeps its
// I/O code.
Result<std::vector<Result<attest::Bundle>>> ReadBundles(const std::string& path);

// ArtifactOpener gives a fresh Artifact for each attempt (a file reopened, or the same digest);
// |holder| keeps an opened source alive for the attempt.
using ArtifactOpener = std::function<Result<Artifact>(std::unique_ptr<ByteSource>& holder)>;

// VerifiedBundle is the bundle (line) and trusted root (line) that verified, and what it
// established.
struct VerifiedBundle {
  size_t bundle = 0;
  size_t root = 0;
  BundleVerification verification;
};

// VerifyAnyBundle tries each bundle against each trusted root (|roots| empty: with
// options.trusted_root) and returns the first that verifies. When none does: an operational
// failure (the artifact unreadable) keeps its code; otherwise kVerificationFailed listing each
// attempt's reason ("bundle 1, trusted root 0: ...").
Result<VerifiedBundle> VerifyAnyBundle(const std::vector<Result<attest::Bundle>>& bundles,
                                       const std::vector<std::shared_ptr<const TrustedRoot>>& roots,
                                       const ArtifactOpener& open,
                                       const BundleVerifyOptions& options);

}  // namespace vouch::verify
