// What every authority shares: the envelope rules an image signature or attestation must meet
// before any key is tried, and the stand-in for trust material that did not load.
#include <utility>

#include "authority/authority.h"
#include "vouch/attest/dsse.h"

namespace vouch::verify::internal {
namespace {

class UnavailableAuthority final : public Authority {
 public:
  UnavailableAuthority(std::string name, Status why) : Authority(std::move(name)), why_(why) {}

  Result<Verified> Verify(const Evidence&, TimePoint) const override {
    // "Could not check", never a rejection: the operational code is kept unless the load error
    // was a usage-class one (a missing root setting), which is still not the image's fault.
    ErrorCode code = IsVerificationFailed(why_) || IsInvalidArgument(why_) ||
                             why_.code() == ErrorCode::kFailedPrecondition
                         ? ErrorCode::kUnavailable
                         : why_.code();
    return Status(code, "cannot check: " + why_.message() + " (" +
                            std::string(ErrorCodeName(why_.code())) + ")");
  }

  void AppendTrustMaterial(std::string& out) const override {
    out += "unavailable " + why_.message() + "\n";
  }

 private:
  Status why_;
};

}  // namespace

std::unique_ptr<Authority> NewUnavailableAuthority(std::string name, Status why) {
  return std::make_unique<UnavailableAuthority>(std::move(name), std::move(why));
}

Result<const attest::DsseEnvelope*> BundleEnvelope(const attest::Bundle& bundle) {
  const auto* env = std::get_if<attest::DsseEnvelope>(&bundle.content);
  if (env == nullptr) {
    return VerificationFailedError(
        "a message-signature bundle signs a blob, not an image (cosign signs images with DSSE)");
  }
  VOUCH_RETURN_IF_ERROR(InTotoEnvelope(*env));
  if (env->signatures.size() != 1) {
    return VerificationFailedError("DSSE envelope must have exactly one signature");
  }
  return env;
}

Status InTotoEnvelope(const attest::DsseEnvelope& envelope) {
  if (envelope.payload_type != attest::kInTotoPayloadType) {
    return VerificationFailedError("DSSE payloadType is \"" + envelope.payload_type +
                                   "\", not \"" + std::string(attest::kInTotoPayloadType) + "\"");
  }
  return OkStatus();
}

Result<Bytes> LayerSignature(const Evidence& evidence) {
  if (evidence.signature_b64.empty()) {
    return VerificationFailedError("no signature annotation");
  }
  // Go's base64 decoder skips \r and \n (RSA signatures are sometimes wrapped).
  std::string clean;
  for (char c : evidence.signature_b64) {
    if (c != '\n' && c != '\r') {
      clean.push_back(c);
    }
  }
  auto sig = Base64Decode(clean);
  if (!sig.ok() || sig->empty()) {
    return VerificationFailedError("signature annotation is not std base64");
  }
  return sig;
}

Status NotationOnlyError() {
  return VerificationFailedError("a Notation signature: only notation authorities verify it");
}

std::string CertificateSigner(const std::string& san, const std::string& issuer) {
  return issuer.empty() ? san : san + " (" + issuer + ")";
}

}  // namespace vouch::verify::internal
