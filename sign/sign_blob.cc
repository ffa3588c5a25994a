#include <optional>
#include <utility>

#include "vouch/attest/bundle.h"
#include "vouch/core/file.h"
#include "vouch/sign/sign.h"

namespace vouch::sign {

Result<SignBlobResult> SignBlob(const SignBlobRequest& request) {
  std::optional<BundleSigner> own_signer;
  VOUCH_ASSIGN_OR_RETURN(const BundleSigner* bundle_signer,
                         SignerOf(request.bundle_signer, request.signer, own_signer, "sign-blob"));
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return InvalidArgumentError("sign-blob needs somewhere to write: a bundle or a signature file");
  }
  if (bundle_signer->Witnessed() && request.bundle_path.empty()) {
    return InvalidArgumentError(
        "sign-blob: a certificate, log entry or timestamp lives only in a bundle: add --bundle");
  }
  const keys::Signer& signer = bundle_signer->key();
  VOUCH_ASSIGN_OR_RETURN(auto source, OpenFileSource(request.artifact_path));

  // One pass over the artifact. ECDSA and RSA sign the prehash, which is also the bundle's
  // messageDigest. Ed25519 signs the message itself from a memory map; the SHA-256 recorded as
  // its messageDigest is computed from the same mapping (sigstore-go records SHA2_256 too).
  std::optional<HashAlgorithm> prehash =
      keys::PrehashAlgorithm(signer.algorithm(), keys::SignatureScheme::kDefault);
  std::optional<Digest> digest;
  Bytes signature;
  if (prehash.has_value()) {
    VOUCH_ASSIGN_OR_RETURN(Digest d, HashSource(*source, *prehash));
    VOUCH_ASSIGN_OR_RETURN(signature, signer.SignDigest(d));
    digest = std::move(d);
  } else {
    attest::DigestingSource tee(*source, HashAlgorithm::kSha256);
    VOUCH_ASSIGN_OR_RETURN(signature, signer.SignSource(tee));
    digest = tee.Finish();
  }

  SignBlobResult result{*digest, signature, ""};
  attest::MessageDigest message_digest{
      std::string(attest::ProtoHashAlgorithmName(digest->algorithm())), digest->bytes()};
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle,
                         bundle_signer->Seal(attest::MessageSignature{message_digest, signature}));
  VOUCH_ASSIGN_OR_RETURN(result.bundle_json, attest::SerializeBundle(bundle));

  constexpr uint32_t kOutputMode = 0644;
  if (!request.bundle_path.empty()) {
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(request.bundle_path, AsBytes(result.bundle_json),
                                          kOutputMode, WriteMode::kOverwrite));
  }
  if (!request.signature_path.empty()) {
    std::string b64 = Base64Encode(signature);
    VOUCH_RETURN_IF_ERROR(
        WriteFileAtomic(request.signature_path, AsBytes(b64), kOutputMode, WriteMode::kOverwrite));
  }
  return result;
}

}  // namespace vouch::sign
