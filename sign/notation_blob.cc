// `vouch sign-blob --format notation-*`: a Notation blob signature (notation-go's blob signer:
// the payload's targetArtifact is the blob's descriptor, stored as a detached envelope file).
#include <array>
#include <utility>

#include "vouch/core/file.h"
#include "vouch/sign/sign.h"

namespace vouch::sign {
namespace {

struct Hashed {
  Digest digest;
  int64_t size = 0;
};

// HashAndCount reads |source| once: notation's blob descriptor needs the digest and the size of
// the same bytes, and stdin cannot be read twice.
Result<Hashed> HashAndCount(ByteSource& source, HashAlgorithm alg) {
  Hasher hasher(alg);
  std::array<uint8_t, 64 * 1024> buf{};
  int64_t size = 0;
  for (;;) {
    VOUCH_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) {
      break;
    }
    hasher.Update(ByteView(buf.data(), n));
    size += static_cast<int64_t>(n);
  }
  return Hashed{hasher.Finish(), size};
}

Status CheckRequest(const NotationBlobRequest& request) {
  if (request.signer == nullptr) {
    return InvalidArgumentError("sign-blob needs a signing key");
  }
  if (request.certificate_chain.empty()) {
    return InvalidArgumentError(
        "sign-blob: a Notation signature needs --cert-chain (its leaf "
        "certificate holds the signing key's public key)");
  }
  if (request.artifact_path == "-" && request.signature_path.empty()) {
    return InvalidArgumentError("sign-blob: signing stdin in Notation's form needs --signature");
  }
  if (request.media_type.empty()) {
    return InvalidArgumentError("sign-blob: --media-type is empty");
  }
  return OkStatus();
}

}  // namespace

std::string NotationBlobSignaturePath(const std::string& artifact,
                                      attest::NotationEnvelopeType type) {
  return artifact + (type == attest::NotationEnvelopeType::kCose ? ".cose.sig" : ".jws.sig");
}

Result<NotationBlobResult> SignNotationBlob(const NotationBlobRequest& request) {
  VOUCH_RETURN_IF_ERROR(CheckRequest(request));
  // The algorithm first: an Ed25519 key fails before the artifact is read.
  VOUCH_ASSIGN_OR_RETURN(attest::NotationAlgorithm alg,
                         attest::NotationAlgorithmFor(request.signer->algorithm()));
  VOUCH_ASSIGN_OR_RETURN(auto source, OpenFileSource(request.artifact_path));
  VOUCH_ASSIGN_OR_RETURN(Hashed blob, HashAndCount(*source, attest::HashForNotation(alg)));

  NotationBlobResult result;
  result.target = {request.media_type, blob.digest.ToString(), blob.size, request.user_metadata};
  attest::NotationSignRequest n;
  n.type = request.type;
  n.signer = request.signer;
  n.certificate_chain = request.certificate_chain;
  n.payload = attest::NotationPayload(result.target);
  n.signing_time = (request.clock != nullptr ? *request.clock : SystemClock()).Now();
  n.expiry = request.expiry;
  n.signing_agent = "vouch";
  n.timestamper = request.timestamper;
  VOUCH_ASSIGN_OR_RETURN(result.envelope, attest::SignNotationEnvelope(n));

  result.signature_path = request.signature_path.empty()
                              ? NotationBlobSignaturePath(request.artifact_path, request.type)
                              : request.signature_path;
  constexpr uint32_t kOutputMode = 0644;
  VOUCH_RETURN_IF_ERROR(
      WriteFileAtomic(result.signature_path, result.envelope, kOutputMode, WriteMode::kOverwrite));
  return result;
}

}  // namespace vouch::sign
