// The x509 authority: certificates chaining to caller-supplied CA roots, with subject / SAN
// rules. A bundle's certificate (verification material) or a layer's certificate annotation
// must chain to the roots, and its key must have made the signature.
#include <utility>

#include "authority/authority.h"
#include "authority/certificate_layers.h"
#include "vouch/attest/dsse.h"

namespace vouch::verify::internal {
namespace {

class X509Authority final : public Authority {
 public:
  X509Authority(std::string name, sigstore::X509Trust trust,
                std::shared_ptr<const TrustedRoot> root)
      : Authority(std::move(name)), trust_(std::move(trust)), root_(std::move(root)) {}

  Result<Verified> Verify(const Evidence& e, TimePoint now) const override {
    if (e.form == EvidenceForm::kBundle) {
      return VerifyBundleEvidence(*e.bundle, now);
    }
    VOUCH_ASSIGN_OR_RETURN(LayerContent layer, ReadLayerContent(e));
    VOUCH_ASSIGN_OR_RETURN(
        sigstore::LegacyVerification v,
        sigstore::VerifyLegacyX509(sigstore::EvidenceFromAnnotations(e.layer_annotations),
                                   layer.message, std::move(layer.content), trust_, root_.get(),
                                   now));
    Verified out{Signer{name(), v.key_id, CertificateSigner(v.signer, v.issuer)},
                 std::move(layer.payload), {}};
    if (v.signing_time) {
      out.times.push_back(*v.signing_time);
    }
    return out;
  }

  void AppendTrustMaterial(std::string& out) const override {
    for (const Bytes& r : trust_.roots) {
      out += "root " + Digest::Of(r).ToString() + "\n";
    }
    for (const Bytes& i : trust_.intermediates) {
      out += "intermediate " + Digest::Of(i).ToString() + "\n";
    }
    out += "subject " + trust_.subject + "\n" + trust_.subject_regexp + "\nsan " + trust_.san +
           "\n" + trust_.san_regexp + "\n";
    if (root_ != nullptr) {
      out += "trusted-root " + root_->digest.ToString() + "\n";
    }
  }

 private:
  Result<Verified> VerifyBundleEvidence(const attest::Bundle& bundle, TimePoint now) const {
    VOUCH_ASSIGN_OR_RETURN(const attest::DsseEnvelope* env, BundleEnvelope(bundle));
    const auto& certs = bundle.verification_material.certificates;
    if (certs.empty()) {
      return VerificationFailedError("the bundle has no certificate (a key-signed bundle)");
    }
    VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, sigstore::CertificateKey(certs[0]));
    if (!key.Verify(env->signatures[0].sig, attest::Pae(env->payload_type, env->payload)).ok()) {
      return VerificationFailedError("the signature does not verify with the certificate's key");
    }
    std::vector<Bytes> extra(certs.begin() + 1, certs.end());
    VOUCH_ASSIGN_OR_RETURN(sigstore::LegacyVerification v,
                           sigstore::VerifyX509Certificate(certs[0], extra, trust_, now));
    return Verified{Signer{name(), v.key_id, CertificateSigner(v.signer, v.issuer)}, env->payload, {}};
  }

  sigstore::X509Trust trust_;
  std::shared_ptr<const TrustedRoot> root_;
};

}  // namespace

std::unique_ptr<Authority> NewX509Authority(std::string name, sigstore::X509Trust trust,
                                            std::shared_ptr<const TrustedRoot> root) {
  return std::make_unique<X509Authority>(std::move(name), std::move(trust), std::move(root));
}

}  // namespace vouch::verify::internal
