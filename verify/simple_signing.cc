// Simple-signing files: the key authority's signature check and the one content rule
// (requirements/content.h), applied to a payload that did not come from a registry.
#include "vouch/verify/simple_signing.h"

#include "authority/authority.h"
#include "requirements/content.h"

namespace vouch::verify {

Status VerifySimpleSigning(ByteView payload, std::string_view signature_b64,
                           const keys::Verifier& key, const Digest& expected,
                           const std::map<std::string, std::string>& required_annotations,
                           std::string_view expected_identity) {
  internal::Evidence e;
  e.form = internal::EvidenceForm::kLegacySignature;
  e.signature_b64 = std::string(signature_b64);
  VOUCH_ASSIGN_OR_RETURN(Bytes sig, internal::LayerSignature(e));
  if (Status st = key.Verify(sig, payload); !st.ok()) {
    return VerificationFailedError("signature does not verify with the key");
  }
  internal::Check c = internal::CheckSimpleSigningPayload(payload, expected, required_annotations,
                                                          expected_identity);
  return c.ok() ? OkStatus() : VerificationFailedError(c.detail);
}

Status VerifySigstoreAttachment(const attest::SigstoreAttachment& attachment,
                                const keys::Verifier& key, const Digest& expected,
                                const std::map<std::string, std::string>& required_annotations,
                                std::string_view expected_identity) {
  if (attachment.mime_type != attest::kSimpleSigningMediaType) {
    return VerificationFailedError("not a signature: attachment mimeType is " +
                                   attachment.mime_type);
  }
  auto it = attachment.annotations.find(std::string(attest::kCosignSignatureAnnotation));
  if (it == attachment.annotations.end()) {
    return VerificationFailedError("attachment has no signature annotation");
  }
  return VerifySimpleSigning(attachment.payload, it->second, key, expected, required_annotations,
                             expected_identity);
}

}  // namespace vouch::verify
