// The key authority: signatures made with any of a list of public keys (keys::Verifier), in all
// three evidence forms.
#include <utility>

#include "authority/authority.h"
#include "vouch/attest/dsse.h"

namespace vouch::verify::internal {
namespace {

class KeyAuthority final : public Authority {
 public:
  KeyAuthority(std::string name, std::vector<keys::Verifier> keys)
      : Authority(std::move(name)), keys_(std::move(keys)) {}

  Result<Verified> Verify(const Evidence& e, TimePoint /*now*/) const override {
    if (keys_.empty()) {
      return VerificationFailedError("authority " + name() + " has no keys");
    }
    switch (e.form) {
      case EvidenceForm::kBundle:
        return VerifyBundle(*e.bundle);
      case EvidenceForm::kLegacySignature:
        return VerifySignatureLayer(e);
      case EvidenceForm::kLegacyAttestation:
        return VerifyEnvelopeLayer(*e.envelope);
      case EvidenceForm::kBuildKitAttestation:
        return UnsignedError(e);  // Context::Verify never asks: nothing in it can verify
      case EvidenceForm::kNotationSignature:
        return NotationOnlyError();
    }
    return InternalError("unknown evidence form");
  }

  void AppendTrustMaterial(std::string& out) const override {
    for (const keys::Verifier& k : keys_) {
      out += "key " + k.KeyId() + "\n";
    }
  }

 private:
  Result<Verified> Signed(const keys::Verifier& key, Bytes payload) const {
    return Verified{Signer{name(), key.KeyId(), ""}, std::move(payload), {}};
  }

  static Status NoKey() {
    return VerificationFailedError("signature does not verify with any trusted key");
  }

  Result<Verified> VerifyBundle(const attest::Bundle& bundle) const {
    // The bundle's key hint and the DSSE keyid are hints, never bindings: every key is tried.
    VOUCH_ASSIGN_OR_RETURN(const attest::DsseEnvelope* env, BundleEnvelope(bundle));
    const Bytes pae = attest::Pae(env->payload_type, env->payload);
    for (const keys::Verifier& k : keys_) {
      if (k.Verify(env->signatures[0].sig, pae).ok()) {
        return Signed(k, env->payload);
      }
    }
    return NoKey();
  }

  Result<Verified> VerifySignatureLayer(const Evidence& e) const {
    VOUCH_ASSIGN_OR_RETURN(Bytes sig, LayerSignature(e));
    for (const keys::Verifier& k : keys_) {
      if (k.Verify(sig, e.payload).ok()) {
        return Signed(k, e.payload);
      }
    }
    return NoKey();
  }

  // An `.att` envelope may carry several signatures (cosign writes one): any one by any key.
  Result<Verified> VerifyEnvelopeLayer(const attest::DsseEnvelope& env) const {
    VOUCH_RETURN_IF_ERROR(InTotoEnvelope(env));
    for (const keys::Verifier& k : keys_) {
      if (attest::VerifyEnvelope(env, std::span<const keys::Verifier>(&k, 1), 1).ok()) {
        return Signed(k, env.payload);
      }
    }
    return NoKey();
  }

  std::vector<keys::Verifier> keys_;
};

}  // namespace

std::unique_ptr<Authority> NewKeyAuthority(std::string name, std::vector<keys::Verifier> keys) {
  return std::make_unique<KeyAuthority>(std::move(name), std::move(keys));
}

}  // namespace vouch::verify::internal
