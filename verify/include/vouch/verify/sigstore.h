// Sigstore bundle verification, offline (formats.md sections 4 and 5; sigstore-go semantics): the
// signature, the transparency-log entries (Rekor v1 and v2), RFC 3161 timestamps, the Fulcio
// certificate chain at the signing time, the embedded SCT and the signer identity, all checked
// against a pinned trusted root. No network call is ever made.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vouch/attest/bundle.h"
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
  // github: optional exact claims, keys "trigger" (.1.2), "sha" (.1.3), "name" (.1.4),
  // "repository" (.1.5), "ref" (.1.6), as cosign's --certificate-github-workflow-* flags.
  std::map<std::string, std::string> github;
};

// Artifact is what the bundle signs: the bytes (read once, streamed), or only their SHA-256
// digest (the conformance "sha256:<hex>" form; for DSSE it names the statement subject).
struct Artifact {
  ByteSource* source = nullptr;    // borrowed; one of source / digest
  std::optional<Digest> digest;
};

// BundleVerifyOptions says what to trust. Keyless: trusted_root + identities (any one matches).
// Key ("managed key"): key, with trusted_root optional (when given, the log entry and its checks
// are required as for keyless; when absent, only the signature is checked, as vouch's own
// key-signed bundles carry no log entry).
struct BundleVerifyOptions {
  std::shared_ptr<const TrustedRoot> trusted_root;
  std::vector<CertificateIdentity> identities;
  const keys::Verifier* key = nullptr;  // borrowed
  size_t tlog_threshold = 1;
  size_t timestamp_threshold = 0;       // RFC 3161 tokens required (besides log times)
  bool require_sct = true;
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
// kInvalidArgument for missing trust input (no key and no identity, keyless without a trusted
// root, neither or both of artifact.source / artifact.digest, a digest that is not SHA-256), or an
// I/O code when the artifact cannot be read.
//
// The order: (1) the signer: keyless needs a certificate in the bundle, --key needs a public key
// bundle (a certificate bundle is rejected: verify it by identity); (2) the signature: a message
// signature over the artifact bytes (read once) or over the supplied digest (a prehashed
// SHA-256; not for Ed25519), ECDSA with the messageDigest's hash when the bundle names one (as
// sigstore-go), and the messageDigest must not contradict the artifact; DSSE: payloadType
// in-toto, the one signature over PAE, some statement subject digest equal to the artifact's
// SHA-256, and expected_predicate_type when set; (3) with a trusted root, every tlog entry (at
// most 32) verifies (sigstore/tlog.h) and at least tlog_threshold do; (4) every RFC 3161 token
// (at most 32, no duplicates) verifies; (5) the verified times (SET-backed integrated times and
// TSA genTimes): keyless needs at least one, a Rekor v2 entry needs a TSA time inside its log's
// window, and each time lies in the leaf's validity; (6) the chain at those times; (7) the SCT
// when require_sct; (8) the identity (any of |identities|).
Result<BundleVerification> VerifyBundle(const attest::Bundle& bundle, Artifact artifact,
                                        const BundleVerifyOptions& options);

}  // namespace vouch::verify
