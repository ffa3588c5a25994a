// The keyless authority: Fulcio certificates of a trusted root, with their transparency-log and
// timestamp evidence and an identity rule (docs/sigstore.md). Bundles go through VerifyBundle
// (the image digest is the DSSE subject); legacy `.sig` / `.att` layers through their
// certificate, chain and Rekor bundle annotations (the SET gives the signing time).
#include <utility>

#include "authority/authority.h"
#include "authority/certificate_layers.h"
#include "vouch/attest/dsse.h"

namespace vouch::verify::internal {
namespace {

class KeylessAuthority final : public Authority {
 public:
  KeylessAuthority(std::string name, std::shared_ptr<const TrustedRoot> root,
                   std::vector<CertificateIdentity> identities)
      : Authority(std::move(name)), root_(std::move(root)), identities_(std::move(identities)) {}

  Result<Verified> Verify(const Evidence& e, TimePoint /*now*/) const override {
    if (e.form == EvidenceForm::kBundle) {
      return VerifyBundleEvidence(e);
    }
    VOUCH_ASSIGN_OR_RETURN(LayerContent layer, ReadLayerContent(e));
    auto v = sigstore::VerifyLegacyKeyless(
        sigstore::EvidenceFromAnnotations(e.layer_annotations), layer.message,
        std::move(layer.content), *root_, identities_);
    if (!v.ok()) {
      return Rejected(v.status());
    }
    Verified out{Signer{name(), "", CertificateSigner(v->signer, v->issuer)},
                 std::move(layer.payload), {}};
    if (v->signing_time) {
      out.times.push_back(*v->signing_time);
    }
    return out;
  }

  void AppendTrustMaterial(std::string& out) const override {
    out += "trusted-root " + root_->digest.ToString() + "\n";
    for (const CertificateIdentity& id : identities_) {
      out += "identity " + id.san + "\n" + id.san_regexp + "\n" + id.issuer + "\n" +
             id.issuer_regexp + "\n";
      for (const auto& [claim, value] : id.github) {
        out += "github " + claim + "=" + value + "\n";
      }
    }
  }

 private:
  // Rejected turns a failure about the object into its rejection: with its trust loaded, a
  // keyless authority that cannot verify something has been shown bad evidence. An operational
  // failure (the image's manifest, read to hash it in a statement's other algorithm, could not
  // be fetched) stays what it is: could not check.
  static Status Rejected(const Status& st) {
    if (IsVerificationFailed(st) || !IsEvidenceProblem(st)) {
      return st;
    }
    return VerificationFailedError(st.message());
  }

  Result<Verified> VerifyBundleEvidence(const Evidence& e) const {
    VOUCH_ASSIGN_OR_RETURN(const attest::DsseEnvelope* env, BundleEnvelope(*e.bundle));
    if (e.subject.algorithm() != HashAlgorithm::kSha256) {
      return VerificationFailedError("keyless bundles name SHA-256 subjects, not " +
                                     e.subject.ToString());
    }
    BundleVerifyOptions o;
    o.trusted_root = root_;
    o.identities = identities_;
    Artifact artifact;
    artifact.digest = ArtifactDigest::Of(e.subject);
    artifact.content = e.subject_content;
    auto v = VerifyBundle(*e.bundle, artifact, o);
    if (!v.ok()) {
      return Rejected(v.status());
    }
    return Verified{Signer{name(), "", CertificateSigner(v->signer, v->issuer)},
                    v->dsse_payload ? *v->dsse_payload : env->payload, v->verified_times};
  }

  std::shared_ptr<const TrustedRoot> root_;
  std::vector<CertificateIdentity> identities_;
};

}  // namespace

Result<LayerContent> ReadLayerContent(const Evidence& e) {
  if (!e.is_signed()) {
    return UnsignedError(e);
  }
  if (e.form == EvidenceForm::kNotationSignature) {
    return NotationOnlyError();
  }
  if (!sigstore::HasCertificate(e.layer_annotations)) {
    return VerificationFailedError("no certificate annotation (a key-signed layer)");
  }
  LayerContent out;
  if (e.form == EvidenceForm::kLegacySignature) {
    VOUCH_ASSIGN_OR_RETURN(out.content.signature, LayerSignature(e));
    out.content.artifact_sha256 = Digest::Of(e.payload);
    out.message = e.payload;
    out.payload = e.payload;
    return out;
  }
  const attest::DsseEnvelope& env = *e.envelope;
  VOUCH_RETURN_IF_ERROR(InTotoEnvelope(env));
  if (env.signatures.size() != 1) {
    return VerificationFailedError(
        "a certificate-signed DSSE envelope must have exactly one signature");
  }
  out.content.signature = env.signatures[0].sig;
  out.content.dsse = true;
  out.content.payload_type = env.payload_type;
  out.content.payload = env.payload;
  out.message = attest::Pae(env.payload_type, env.payload);
  out.payload = env.payload;
  return out;
}

std::unique_ptr<Authority> NewKeylessAuthority(std::string name,
                                               std::shared_ptr<const TrustedRoot> root,
                                               std::vector<CertificateIdentity> identities) {
  return std::make_unique<KeylessAuthority>(std::move(name), std::move(root),
                                            std::move(identities));
}

}  // namespace vouch::verify::internal
