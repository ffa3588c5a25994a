// Attestations about files (attest-blob) and SLSA provenance generation (provenance).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vouch/attest/provenance.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"
#include "vouch/sign/bundle_signer.h"
#include "vouch/sign/image.h"

namespace vouch::sign {

// kMaxPredicateSize caps a predicate (or statement) file given to attest-blob (16 MiB).
inline constexpr size_t kMaxPredicateSize = size_t{16} << 20;

// AttestBlobRequest describes one attest-blob operation: the artifact, a key, and either a
// predicate with its type, or a complete statement.
struct AttestBlobRequest {
  // artifact_path names the file the attestation is about; "-" reads stdin.
  std::string artifact_path;
  // signer is the private key; borrowed, must outlive the call. Required unless bundle_signer
  // is set.
  const keys::Signer* signer = nullptr;
  // bundle_signer, when set, signs instead of |signer| (bundle_signer.h); borrowed.
  const BundleSigner* bundle_signer = nullptr;
  // predicate_path names a file holding the predicate, a JSON object.
  std::string predicate_path;
  // predicate_type is the predicateType URI (already mapped from a short name).
  std::string predicate_type;
  // statement_path, instead of predicate_path and predicate_type, names a complete in-toto
  // statement to sign as is (its exact bytes are the DSSE payload).
  std::string statement_path;
  // bundle_path receives the Sigstore bundle. Required.
  std::string bundle_path;
};

// AttestBlobResult reports what AttestBlob produced.
struct AttestBlobResult {
  // digest is the SHA-256 of the artifact: the statement's subject digest.
  Digest digest;
  // statement_json is the signed DSSE payload.
  std::string statement_json;
  // bundle_json is the bundle written to bundle_path.
  std::string bundle_json;
};

// AttestBlob reads the predicate or statement (at most kMaxPredicateSize; larger is
// kInvalidArgument), streams the artifact once (SHA-256), builds the in-toto v1 statement
// {subject: [{name: basename(artifact), digest: {sha256}}], predicateType, predicate} (or checks
// that some subject of the given statement has the artifact's digest), signs it as a DSSE
// envelope (payloadType application/vnd.in-toto+json, keyid = the key's publicKey hint) and
// writes a v0.3 bundle {publicKey.hint, dsseEnvelope} atomically to bundle_path (mode 0644).
//
// Errors: a missing signer, bundle path or predicate/type (or both a statement and a predicate),
// a predicate that is not a JSON object, an invalid statement, or a statement whose subjects do
// not include the artifact's digest is kInvalidArgument; unreadable inputs are kNotFound /
// kPermissionDenied / kUnavailable (core/file.h); key failures come from the signer. Nothing is
// written unless signing succeeded.
Result<AttestBlobResult> AttestBlob(const AttestBlobRequest& request);


// SignStatementFile signs the in-toto statement in |statement_path| as it is (its exact bytes
// are the DSSE payload, payloadType application/vnd.in-toto+json) with |signer| and writes the
// sealed v0.3 bundle atomically to |bundle_path| (mode 0644): `sign-bundle --in-toto`, the
// sigstore-conformance signing protocol, where the statement itself is the input. Returns the
// bundle JSON. A file over kMaxPredicateSize or that is not a valid statement is
// kInvalidArgument; service and write errors keep their codes; nothing is written on error.
Result<std::string> SignStatementFile(const std::string& statement_path,
                                      const BundleSigner& signer, const std::string& bundle_path);

// AttestImageRequest describes one `vouch attest IMAGE` operation: a key and either a predicate
// with its type, or a complete statement.
struct AttestImageRequest {
  // signer is the private key; borrowed, must outlive the call. Required unless bundle_signer
  // is set.
  const keys::Signer* signer = nullptr;
  // bundle_signer, when set, signs bundle referrers instead of |signer| (bundle_signer.h); the
  // legacy `.att` form takes only its key. Borrowed.
  const BundleSigner* bundle_signer = nullptr;
  // predicate_path names a file holding the predicate (a JSON object, at most kMaxPredicateSize).
  std::string predicate_path;
  // predicate_type is the predicateType URI (already mapped from a short name).
  std::string predicate_type;
  // statement_path, instead of predicate_path and predicate_type, names a complete in-toto
  // statement signed as is; some subject must have the image's digest.
  std::string statement_path;
  // format selects the storage: kBundle (Sigstore bundle referrer) or kLegacy (`.att` layer).
  ImageSignatureFormat format = ImageSignatureFormat::kBundle;
  // clock supplies org.opencontainers.image.created of bundle referrers; null = system clock.
  const Clock* clock = nullptr;
  // tag_update bounds the legacy `.att` tag update.
  registry::TagUpdateOptions tag_update;
};

// AttestImageResult reports what AttestImage stored.
struct AttestImageResult {
  // digest is the attested manifest: the image reference resolved.
  Digest digest = Digest::Of({});
  // location is "referrer sha256:<manifest>" or "tag sha256-<hex>.att".
  std::string location;
  // statement_json is the signed DSSE payload.
  std::string statement_json;
  // bundle_json is the Sigstore bundle stored (format bundle), else "".
  std::string bundle_json;
};

// AttestImage resolves the repository's reference (one HEAD), builds the in-toto v1 statement
// {subject: [{name: <registry/repository>, digest: {sha256}}], predicateType, predicate} (or
// checks a given statement has a subject with the image digest), signs it as a DSSE envelope
// (payloadType application/vnd.in-toto+json) and stores it: kBundle as a bundle referrer exactly
// like `vouch sign` (PushBundleReferrer, DSSE keyid = publicKey hint, predicateType annotation =
// the statement's); kLegacy as a layer attest::kDsseEnvelopeMediaType of `sha256-<hex>.att` (DSSE keyid "",
// annotations predicateType and dev.cosignproject.cosign/signature "", as cosign writes),
// appended with AppendTaggedLayer. |repo| needs registry::Access::kPullPush.
//
// Errors: missing signer or inconsistent predicate/statement inputs, a predicate that is not a
// JSON object, an invalid statement or one not about the image is kInvalidArgument; registry
// failures keep their codes.
Result<AttestImageResult> AttestImage(registry::Repository& repo, const AttestImageRequest& request);

// LegacyAttestationTag returns cosign's attestation tag for |image|: "sha256-<hex>.att".
std::string LegacyAttestationTag(const Digest& image);

// ProvenanceRequest describes one `vouch provenance` run.
struct ProvenanceRequest {
  // subjects are files or images. An entry prefixed "oci:", or one that is not an existing file
  // and parses as an image reference, is an image: resolved through the registry, recorded as
  // {name: Reference::RepositoryName(), digest: {sha256}}. Otherwise a file, recorded as
  // {name: basename, digest: {sha256}} (streamed).
  std::vector<std::string> subjects;
  // base_images are image references, each resolved to its digest and recorded in
  // resolvedDependencies as {uri: <reference as given, normalized>, digest: {sha256}}.
  std::vector<std::string> base_images;
  // Explicit values; each overrides what the CI environment would give. Outside CI builder_id,
  // build_type, source_uri and source_digest are required.
  std::string builder_id;
  std::string build_type;
  std::string source_uri;
  // source_digest is "sha1:<40 hex>" or "gitCommit:<hex>".
  std::string source_digest;
  std::string source_ref;
  // statement selects the output: the full in-toto statement (true) or the predicate (false).
  bool statement = false;
  // env is the process environment, read for GitHub Actions and GitLab CI variables.
  std::map<std::string, std::string> env;
  // now is the generation time, recorded as runDetails.metadata.finishedOn.
  TimePoint now{};
};

// GenerateProvenance builds a SLSA provenance v1 predicate (or statement) as compact JSON with a
// fixed key order. In GitHub Actions (GITHUB_ACTIONS=true) and GitLab CI (GITLAB_CI=true) the
// fields come from attest::ProvenanceFromCi, overridden by explicit request fields; elsewhere a
// missing builder_id, build_type, source_uri or source_digest is kInvalidArgument naming the
// flag (--builder-id, ...). A --statement without subjects is kInvalidArgument. Images are
// resolved with |client| (subjects and base images); resolution errors are returned with the
// reference as context. |client| is borrowed for the call.
Result<std::string> GenerateProvenance(const ProvenanceRequest& request, registry::Client& client);

}  // namespace vouch::sign
