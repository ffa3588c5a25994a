// Notation (Notary Project) verification: trust policy documents, trust stores, and the
// verification of one signature envelope with the semantics of `notation verify`.
//
// Specs: notaryproject/specifications specs/trust-store-trust-policy.md and
// signature-verification (docs/notation.md restates what vouch implements). The envelope
// format itself is vouch/attest/notation.h. The engine's `notation` authority and `vouch
// verify-notation` both call Verify below; nothing else decides a Notation verdict.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/notation.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::verify::notation {

// Check is one validation of the signature verification procedure, in the order they run.
enum class Check { kIntegrity, kAuthenticity, kAuthenticTimestamp, kExpiry, kRevocation };
inline constexpr size_t kCheckCount = 5;

// CheckName is the trust policy spelling: "integrity", "authenticity", "authenticTimestamp",
// "expiry", "revocation".
std::string_view CheckName(Check check);

enum class Action { kEnforce, kLog, kSkip };
std::string_view ActionName(Action action);

// VerificationLevel is a statement's signatureVerification: a named level (strict, permissive,
// audit, skip) with its per-check overrides applied, and when to verify a timestamp.
struct VerificationLevel {
  std::string name = "strict";
  std::array<Action, kCheckCount> actions{};  // indexed by Check
  // verify_timestamp_always: "always" (default); false = "afterCertExpiry".
  bool verify_timestamp_always = true;

  Action action(Check c) const { return actions[static_cast<size_t>(c)]; }
  bool skip() const { return name == "skip"; }
};

// ParseVerificationLevel reads a signatureVerification object: level strict|permissive|audit|
// skip, override {authenticity|authenticTimestamp|expiry: enforce|log, revocation:
// enforce|log|skip} (integrity is never overridable, nothing is overridable under skip),
// verifyTimestamp always|afterCertExpiry. kInvalidArgument naming the problem otherwise.
Result<VerificationLevel> ParseVerificationLevel(std::string_view json);

// DocumentKind is what a trust policy document governs: OCI artifacts (registryScopes) or blobs
// (statements chosen by name, one may be globalPolicy).
enum class DocumentKind { kOci, kBlob };

// Statement is one trustPolicies entry.
struct Statement {
  std::string name;
  std::vector<std::string> registry_scopes;  // kOci: fully qualified repositories, or "*"
  bool global = false;                       // kBlob: globalPolicy
  VerificationLevel level;
  std::vector<std::string> trust_stores;        // "ca:NAME", "signingAuthority:NAME", "tsa:NAME"
  std::vector<std::string> trusted_identities;  // "*" or "x509.subject:<DN>" (others ignored)
};

struct TrustPolicyDocument {
  DocumentKind kind = DocumentKind::kOci;
  std::vector<Statement> statements;
};

// kMaxTrustPolicySize caps a trust policy file.
inline constexpr size_t kMaxTrustPolicySize = 1 << 20;

// ParseTrustPolicy parses and validates a document (version "1.0"): at least one statement,
// unique names; kOci: registry scopes present, valid and in one statement each, "*" alone;
// kBlob: no registryScopes, at most one globalPolicy; every statement: a valid level, trust
// stores TYPE:NAME with a known type and a name of [a-zA-Z0-9_.-]+, trust stores and trusted
// identities present unless the level is skip (then absent), identities "*" alone or
// x509.subject DNs with C, ST (or S) and O, no repeated or multi-valued attribute, none a
// subset of another. Violations are kInvalidArgument naming the statement.
Result<TrustPolicyDocument> ParseTrustPolicy(std::string_view json, DocumentKind kind);

// SelectOci returns the statement whose scopes name |repository| ("registry/path", no tag or
// digest), else the "*" statement; kNotFound when none applies.
Result<const Statement*> SelectOci(const TrustPolicyDocument& doc, std::string_view repository);

// SelectBlob returns the statement named |name|, or the globalPolicy statement when |name| is
// empty; kNotFound when none applies.
Result<const Statement*> SelectBlob(const TrustPolicyDocument& doc, std::string_view name);

// kX509SubjectPrefix starts a trusted identity that is an X.509 subject DN.
inline constexpr std::string_view kX509SubjectPrefix = "x509.subject:";

// DistinguishedName is a parsed RFC 4514 DN: attribute type -> value, single-valued RDNs only.
using DistinguishedName = std::map<std::string, std::string>;

// ParseDistinguishedName parses "C=US,ST=WA,O=Org" (RFC 4514 escapes, spaces around separators
// ignored); a repeated attribute, a multi-valued RDN (+), an empty type or an unescaped '=' in a
// value is kInvalidArgument.
Result<DistinguishedName> ParseDistinguishedName(std::string_view text);

// MatchTrustedIdentity reports whether the leaf certificate |leaf_der| matches one of
// |identities|: "*", or an x509.subject DN whose every attribute the leaf's subject has with the
// same value. kVerificationFailed names the subject when none matches.
Status MatchTrustedIdentity(ByteView leaf_der, const std::vector<std::string>& identities);

// StoreType is a named trust store's type.
enum class StoreType { kCa, kSigningAuthority, kTsa };

// TrustStore reads named stores from a directory holding x509/{ca,signingAuthority,tsa}/NAME/.
class TrustStore {
 public:
  explicit TrustStore(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  // Preload reads |specs| now; Load answers them from memory afterwards (a compiled trust
  // policy reads its stores once, and its digest covers what was read).
  void Preload(const std::vector<std::string>& specs);

  // Load returns the DER certificates of the store "TYPE:NAME" (|spec|): every regular file of
  // the folder (sub-folders ignored), PEM (several blocks allowed) or DER. A symlink, a file that
  // holds no certificate, a ca/signingAuthority certificate that is neither a CA nor
  // self-signed, or a tsa certificate that is not a self-issued root CA is kInvalidArgument; a
  // missing store is kNotFound.
  Result<std::vector<Bytes>> Load(std::string_view spec) const;

 private:
  Result<std::vector<Bytes>> Read(std::string_view spec) const;

  std::string root_;
  std::map<std::string, Result<std::vector<Bytes>>, std::less<>> preloaded_;
};

// DefaultNotationDir is notation's configuration folder on Linux (Go's os.UserConfigDir):
// $XDG_CONFIG_HOME/notation, else ~/.config/notation ("" when HOME is unset too).
std::string DefaultNotationDir();

// RevocationOptions says where revocation information comes from.
struct RevocationOptions {
  // crl_files are CRLs given offline (PEM or DER): one whose issuer is a certificate's issuer is
  // used before anything is fetched.
  std::vector<std::string> crl_files;
  // crl_cache_dir keeps fetched CRLs (one file per distribution point URL) until their
  // nextUpdate; "" = DefaultCrlCacheDir().
  std::string crl_cache_dir;
  // offline: never fetch (OCSP is then unavailable; CRLs come from files and the cache).
  bool offline = false;
  std::chrono::seconds timeout{10};
};

// DefaultCrlCacheDir is $XDG_CACHE_HOME/vouch/crl, else ~/.cache/vouch/crl ("" without HOME).
std::string DefaultCrlCacheDir();

// RevocationChecker checks a certificate chain's revocation status: for each certificate below
// the root, OCSP at the responders its AIA names (the request signed-for by the issuer or its
// delegated responder, nonce checked, thisUpdate/nextUpdate current), else (or when OCSP cannot
// answer) the CRLs of its distribution points (signed by the issuer, not stale). Thread-safe.
class RevocationChecker {
 public:
  explicit RevocationChecker(RevocationOptions options = {});
  ~RevocationChecker();
  RevocationChecker(const RevocationChecker&) = delete;
  RevocationChecker& operator=(const RevocationChecker&) = delete;

  // Check: OK when no certificate is revoked (one that names no OCSP responder and no CRL is not
  // revocable); kVerificationFailed naming the certificate and the source when one is revoked;
  // kUnavailable when a status could not be established (responder down, stale or unsigned
  // answers, no CRL): "could not check".
  Status Check(const std::vector<Bytes>& chain_der, TimePoint now) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Target is what the signature must be about: the descriptor the caller resolved (OCI), or the
// blob's size and a way to hash it with the algorithm the signing key implies.
struct Target {
  std::string media_type;  // "" for a blob: not compared unless given
  std::optional<Digest> digest;
  int64_t size = -1;
  // blob_digest, for a blob, hashes it with |alg| (sha256/384/512 from the key).
  std::function<Result<Digest>(HashAlgorithm alg)> blob_digest;
};

// VerifyInput is one verification.
struct VerifyInput {
  attest::NotationEnvelopeType type = attest::NotationEnvelopeType::kJws;
  ByteView envelope;
  const Statement* statement = nullptr;
  const TrustStore* store = nullptr;
  Target target;
  std::map<std::string, std::string> user_metadata;  // -m key=value: all must be in annotations
  TimePoint now{};
  // check_target false leaves the target and user metadata to the caller (the engine checks
  // every payload's content in one place).
  bool check_target = true;
  // revocation checks the chain when the level asks for it; null = a checker with the default
  // options.
  const RevocationChecker* revocation = nullptr;
};

// Outcome is the verdict and what was established.
struct Outcome {
  // status: OK verified; kVerificationFailed rejected (|failing_check| names the check:
  // integrity, authenticity, authenticTimestamp, expiry, plugin, artifact, userMetadata); any
  // other code: could not check (a trust store that does not load).
  Status status = OkStatus();
  std::string failing_check;
  std::vector<std::string> logged;  // "check: reason" for failures the level only logs
  bool skipped = false;             // level skip: nothing was verified
  std::optional<attest::NotationEnvelope> envelope;
  std::optional<attest::NotationTarget> target;  // the signed payload's targetArtifact
  std::string signer;                            // leaf subject (RFC 2253)
  std::vector<std::string> chain;                // subjects, leaf first
  std::string key_id;                            // SHA-256 of the leaf's SPKI, hex
  std::optional<TimePoint> timestamp;            // verified RFC 3161 time, when one was verified
};

// Verify runs notation's verification procedure: integrity (envelope rules and signature;
// critical plugin attributes cannot be honoured: "plugin"), authenticity (chain valid and
// anchored in one of the statement's ca (notary.x509) or signingAuthority stores, leaf subject
// matching a trusted identity), expiry, authentic timestamp (notary.x509: with a tsa store,
// the RFC 3161 countersignature must verify against it and fall in every chain certificate's
// validity, else the chain must be valid now; signingAuthority: valid at authenticSigningTime),
// revocation (OCSP, else CRLs; a status that cannot be established fails the check as "could
// not check" when enforced), each enforced, logged or skipped as the level
// says; then the payload's target must equal |target| and carry |user_metadata|.
Outcome Verify(const VerifyInput& input);

// NotationDir names the files of a notation configuration folder: trustpolicy.oci.json (else
// the legacy trustpolicy.json), trustpolicy.blob.json and truststore/.
struct NotationDir {
  std::string oci_policy;
  std::string blob_policy;
  std::string trust_store;  // holds x509/
  static NotationDir At(const std::string& dir);
};

// FileRequest is an offline verification of one envelope file (`vouch verify-notation`).
struct FileRequest {
  std::string envelope_path;
  // trust_policy_path and trust_store_dir override the notation folder's files.
  std::string notation_dir;
  std::string trust_policy_path;
  std::string trust_store_dir;
  // OCI: the descriptor the signature must be about ({"mediaType","digest","size"}) and the
  // reference whose repository selects the statement.
  std::string descriptor_json;
  std::string reference;
  // Blob: the file, and the statement's name ("" = the globalPolicy statement).
  std::string blob_path;
  std::string policy_name;
  std::string media_type;  // compared when given
  std::map<std::string, std::string> user_metadata;
  TimePoint now{};
  RevocationOptions revocation;
};

// VerifyFile reads the envelope (JWS or COSE, told apart by its first byte), the trust policy
// and the descriptor or blob, selects the statement, and runs Verify. Unreadable or malformed
// inputs (policy, descriptor, missing files, no statement for the reference) are errors of the
// Result (usage kInvalidArgument, or the file's code); the verdict is in the Outcome.
Result<Outcome> VerifyFile(const FileRequest& request);

}  // namespace vouch::verify::notation
