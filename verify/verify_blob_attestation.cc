// verify-blob-attestation: a DSSE bundle (or a JSONL file of them) about a file or a digest,
// through the one Sigstore bundle procedure (VerifyAnyBundle), then the typed SLSA checks.
#include <utility>

#include "vouch/core/file.h"
#include "vouch/verify/attestation.h"

namespace vouch::verify {
namespace {

Status CheckRequest(const VerifyBlobAttestationRequest& request) {
  const BundleVerifyOptions& t = request.trust;
  if (t.key == nullptr && t.managed_keys.empty() && t.identities.empty()) {
    return InvalidArgumentError(
        "verify-blob-attestation needs a public key or a certificate identity");
  }
  if (request.predicate_type.empty()) {
    return InvalidArgumentError("verify-blob-attestation needs a predicate type");
  }
  if (request.bundle_path.empty()) {
    return InvalidArgumentError("verify-blob-attestation needs a bundle");
  }
  if (request.digest.empty() && request.artifact_path.empty()) {
    return InvalidArgumentError("verify-blob-attestation needs a file or a digest");
  }
  if (request.digest.empty() && request.artifact_path == "-" && request.bundle_path == "-") {
    return InvalidArgumentError("the file and the bundle cannot both be stdin");
  }
  return OkStatus();
}

}  // namespace

Result<VerifiedAttestation> VerifyBlobAttestation(const VerifyBlobAttestationRequest& request) {
  VOUCH_RETURN_IF_ERROR(CheckRequest(request));
  std::optional<ArtifactDigest> digest;
  if (!request.digest.empty()) {
    Result<ArtifactDigest> d = ArtifactDigest::Parse(request.digest);
    if (!d.ok()) {
      return InvalidArgumentError("--digest: " + d.status().message());
    }
    digest = *d;
  }
  // The bundles are small and are checked before a possibly large artifact is read.
  VOUCH_ASSIGN_OR_RETURN(auto bundles, ReadBundles(request.bundle_path));
  size_t opened = 0;
  ArtifactOpener open = [&](std::unique_ptr<ByteSource>& holder) -> Result<Artifact> {
    Artifact a;
    if (digest) {
      a.digest = digest;
      return a;
    }
    if (request.artifact_path == "-" && opened++ > 0) {
      return InvalidArgumentError(
          "the file on standard input can be read once: give its path (or --digest) to try "
          "several bundles or trusted roots");
    }
    VOUCH_ASSIGN_OR_RETURN(holder, OpenFileSource(request.artifact_path));
    a.source = holder.get();
    return a;
  };
  BundleVerifyOptions options = request.trust;
  options.expected_predicate_type = request.predicate_type;
  VOUCH_ASSIGN_OR_RETURN(VerifiedBundle v, VerifyAnyBundle(bundles, request.roots, open, options));
  if (!v.verification.dsse_payload) {
    return VerificationFailedError(
        "bundle holds a message signature, not an attestation: use verify-blob");
  }
  Result<attest::Statement> statement =
      attest::Statement::Parse(AsChars(*v.verification.dsse_payload));
  if (!statement.ok()) {
    return VerificationFailedError("statement is malformed: " + statement.status().message());
  }
  VerifiedAttestation verified{std::move(*statement), *v.verification.dsse_payload,
                               v.verification.signer};
  VOUCH_RETURN_IF_ERROR(CheckSlsa(verified, request.slsa));
  return verified;
}

}  // namespace vouch::verify
