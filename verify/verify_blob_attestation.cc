#include "vouch/core/file.h"
#include "vouch/verify/attestation.h"

namespace vouch::verify {

Result<VerifiedAttestation> VerifyBlobAttestation(const VerifyBlobAttestationRequest& request) {
  if (request.key == nullptr) {
    return InvalidArgumentError("verify-blob-attestation needs a public key");
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
  std::optional<Digest> subject;
  if (!request.digest.empty()) {
    Result<Digest> d = Digest::Parse(request.digest);
    if (!d.ok()) {
      return InvalidArgumentError("--digest: " + d.status().message());
    }
    subject = *d;
  } else if (request.artifact_path == "-" && request.bundle_path == "-") {
    return InvalidArgumentError("the file and the bundle cannot both be stdin");
  }
  // The bundle is small and is checked before a possibly large artifact is read.
  Result<Bytes> text = ReadFile(request.bundle_path, attest::kMaxBundleSize);
  if (IsResourceExhausted(text.status())) {
    return VerificationFailedError("bundle is malformed: " + request.bundle_path +
                                   " is larger than 16 MiB");
  }
  if (!text.ok()) {
    return text.status();
  }
  Result<attest::Bundle> bundle = attest::ParseBundle(AsChars(*text));
  if (!bundle.ok()) {
    return VerificationFailedError("bundle is malformed: " + bundle.status().message());
  }
  if (!subject.has_value()) {
    VOUCH_ASSIGN_OR_RETURN(auto source, OpenFileSource(request.artifact_path));
    VOUCH_ASSIGN_OR_RETURN(subject, HashSource(*source, HashAlgorithm::kSha256));
  }
  VOUCH_ASSIGN_OR_RETURN(
      VerifiedAttestation verified,
      VerifyAttestationBundle(*bundle, *subject, std::span<const keys::Verifier>(request.key, 1),
                              request.predicate_type));
  VOUCH_RETURN_IF_ERROR(CheckSlsa(verified, request.slsa));
  return verified;
}

}  // namespace vouch::verify
