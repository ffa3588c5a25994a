#include "sigstore/image_keyless.h"

#include <string>
#include <utility>
#include <variant>

#include "object_checks.h"
#include "vouch/attest/statement.h"
#include "vouch/core/clock.h"

namespace vouch::verify::internal {
namespace {

Status Fail(std::string message) { return VerificationFailedError(std::move(message)); }

// Rejected keeps kInvalidArgument (a malformed request, e.g. keyless without identities) and
// turns every other failure into a rejection of this object.
Status Rejected(const Status& st) {
  if (IsInvalidArgument(st) || IsVerificationFailed(st)) {
    return st;
  }
  return Fail(st.message());
}

Status CheckRequest(const CertificateTrust& trust) {
  if (trust.Keyless()) {
    if (trust.root == nullptr) {
      return InvalidArgumentError(
          "no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
    }
    if (trust.identities.empty()) {
      return InvalidArgumentError("keyless verification needs a certificate identity");
    }
  }
  return OkStatus();
}

// StatementFor parses the verified |payload| and checks the subject.
Result<attest::Statement> StatementFor(ByteView payload, const Digest& subject) {
  auto statement = attest::Statement::Parse(AsChars(payload));
  if (!statement.ok()) {
    return Fail("signed statement is malformed: " + statement.status().message());
  }
  if (!attest::SubjectMatches(*statement, subject)) {
    return Fail("signed statement does not name " + subject.ToString());
  }
  return std::move(*statement);
}

Status CheckPredicateType(const attest::Statement& st, std::span<const std::string> types) {
  for (const std::string& t : types) {
    if (st.predicate_type() == t) {
      return OkStatus();
    }
  }
  return Fail("predicate type " + st.predicate_type() + " is not the one asked for");
}

// VerifiedDsse is a DSSE bundle whose signature and certificate verified.
struct VerifiedDsse {
  Bytes payload;
  std::string signer;
};

// VerifyDsseBundle verifies a DSSE bundle's signature and certificate for |trust|; the
// statement's subject is |subject|.
Result<VerifiedDsse> VerifyDsseBundle(const attest::Bundle& bundle, const Digest& subject,
                                      const CertificateTrust& trust,
                                      std::string_view expected_predicate_type) {
  VOUCH_RETURN_IF_ERROR(CheckRequest(trust));
  if (bundle.IsMessageSignature()) {
    return Fail("not a signature: a message-signature bundle (cosign signs images with DSSE)");
  }
  const attest::DsseEnvelope& env = std::get<attest::DsseEnvelope>(bundle.content);
  if (trust.Keyless()) {
    if (subject.algorithm() != HashAlgorithm::kSha256) {
      return Fail("keyless bundles name SHA-256 subjects, not " + subject.ToString());
    }
    BundleVerifyOptions o;
    o.trusted_root = trust.root;
    o.identities = trust.identities;
    o.expected_predicate_type = std::string(expected_predicate_type);
    Artifact artifact;
    artifact.digest = subject;
    auto v = VerifyBundle(bundle, artifact, o);
    if (!v.ok()) {
      return Rejected(v.status());
    }
    return VerifiedDsse{v->dsse_payload ? *v->dsse_payload : env.payload,
                        CertificateSigner(v->signer, v->issuer)};
  }
  // x509: the bundle's certificate chains to the authority's roots; its key signed the PAE.
  const auto& certs = bundle.verification_material.certificates;
  if (certs.empty()) {
    return Fail("the bundle has no certificate (a key-signed bundle)");
  }
  if (env.payload_type != attest::kInTotoPayloadType) {
    return Fail("DSSE payloadType is \"" + env.payload_type + "\", not \"" +
                std::string(attest::kInTotoPayloadType) + "\"");
  }
  if (env.signatures.size() != 1) {
    return Fail("DSSE envelope must have exactly one signature");
  }
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, sigstore::CertificateKey(certs[0]));
  if (!key.Verify(env.signatures[0].sig, attest::Pae(env.payload_type, env.payload)).ok()) {
    return Fail("the signature does not verify with the certificate's key");
  }
  std::vector<Bytes> extra(certs.begin() + 1, certs.end());
  VOUCH_ASSIGN_OR_RETURN(
      sigstore::LegacyVerification v,
      sigstore::VerifyX509Certificate(certs[0], extra, *trust.x509, SystemClock().Now()));
  return VerifiedDsse{env.payload, CertificateSigner(v.signer, v.issuer)};
}

// VerifyLayer verifies a legacy layer's signature over |message| with its certificate.
Result<std::string> VerifyLayer(const std::map<std::string, std::string>& layer_annotations,
                                ByteView message, sigstore::SignedContent content,
                                const CertificateTrust& trust) {
  VOUCH_RETURN_IF_ERROR(CheckRequest(trust));
  sigstore::LegacyEvidence ev = sigstore::EvidenceFromAnnotations(layer_annotations);
  if (ev.certificate_pem.empty()) {
    return Fail("no certificate annotation (a key-signed layer)");
  }
  if (trust.Keyless()) {
    VOUCH_ASSIGN_OR_RETURN(sigstore::LegacyVerification v,
                           sigstore::VerifyLegacyKeyless(ev, message, std::move(content),
                                                         *trust.root, trust.identities));
    return CertificateSigner(v.signer, v.issuer);
  }
  VOUCH_ASSIGN_OR_RETURN(sigstore::LegacyVerification v,
                         sigstore::VerifyLegacyX509(ev, message, std::move(content), *trust.x509,
                                                    trust.root.get(), SystemClock().Now()));
  return CertificateSigner(v.signer, v.issuer);
}

}  // namespace

std::string CertificateSigner(const std::string& san, const std::string& issuer) {
  return issuer.empty() ? san : san + " (" + issuer + ")";
}

Result<std::string> CheckSignatureBundleCert(
    const attest::Bundle& bundle, const Digest& subject, const CertificateTrust& trust,
    const std::map<std::string, std::string>& annotations) {
  VOUCH_ASSIGN_OR_RETURN(
      VerifiedDsse v, VerifyDsseBundle(bundle, subject, trust, attest::kCosignSignPredicateType));
  VOUCH_ASSIGN_OR_RETURN(attest::Statement st, StatementFor(v.payload, subject));
  if (st.predicate_type() != attest::kCosignSignPredicateType) {
    return Fail("not a signature: an attestation with predicateType " + st.predicate_type());
  }
  if (!annotations.empty()) {
    VOUCH_RETURN_IF_ERROR(CheckAnnotations(SubjectAnnotations(st, subject), annotations));
  }
  return v.signer;
}

Result<std::string> CheckLegacySignatureCert(
    ByteView payload, std::string_view signature_b64,
    const std::map<std::string, std::string>& layer_annotations, const Digest& subject,
    const CertificateTrust& trust, const std::map<std::string, std::string>& annotations) {
  if (signature_b64.empty()) {
    return Fail("no signature annotation");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes sig, DecodeSignatureAnnotation(signature_b64));
  sigstore::SignedContent content;
  content.signature = std::move(sig);
  content.artifact_sha256 = Digest::Of(payload);
  VOUCH_ASSIGN_OR_RETURN(std::string signer,
                         VerifyLayer(layer_annotations, payload, std::move(content), trust));
  VOUCH_RETURN_IF_ERROR(CheckSimpleSigningPayload(payload, subject, annotations, ""));
  return signer;
}

Result<VerifiedAttestation> CheckAttestationBundleCert(
    const attest::Bundle& bundle, const Digest& subject, const CertificateTrust& trust,
    std::span<const std::string> predicate_types) {
  if (predicate_types.empty()) {
    return InvalidArgumentError("attestation verification needs a predicate type");
  }
  VOUCH_ASSIGN_OR_RETURN(VerifiedDsse v, VerifyDsseBundle(bundle, subject, trust, ""));
  VOUCH_ASSIGN_OR_RETURN(attest::Statement st, StatementFor(v.payload, subject));
  VOUCH_RETURN_IF_ERROR(CheckPredicateType(st, predicate_types));
  return VerifiedAttestation{std::move(st), std::move(v.payload), std::move(v.signer)};
}

Result<VerifiedAttestation> CheckAttestationEnvelopeCert(
    const attest::DsseEnvelope& envelope,
    const std::map<std::string, std::string>& layer_annotations, const Digest& subject,
    const CertificateTrust& trust, std::span<const std::string> predicate_types) {
  if (predicate_types.empty()) {
    return InvalidArgumentError("attestation verification needs a predicate type");
  }
  if (envelope.payload_type != attest::kInTotoPayloadType) {
    return Fail("DSSE payloadType is \"" + envelope.payload_type + "\", not \"" +
                std::string(attest::kInTotoPayloadType) + "\"");
  }
  if (envelope.signatures.size() != 1) {
    return Fail("a certificate-signed DSSE envelope must have exactly one signature");
  }
  sigstore::SignedContent content;
  content.signature = envelope.signatures[0].sig;
  content.dsse = true;
  content.payload_type = envelope.payload_type;
  content.payload = envelope.payload;
  VOUCH_ASSIGN_OR_RETURN(
      std::string signer,
      VerifyLayer(layer_annotations, attest::Pae(envelope.payload_type, envelope.payload),
                  std::move(content), trust));
  VOUCH_ASSIGN_OR_RETURN(attest::Statement st, StatementFor(envelope.payload, subject));
  VOUCH_RETURN_IF_ERROR(CheckPredicateType(st, predicate_types));
  return VerifiedAttestation{std::move(st), envelope.payload, std::move(signer)};
}

Result<std::string> CheckSignatureObjectCert(
    const AttachedObject& object, const Digest& subject, const CertificateTrust& trust,
    const std::map<std::string, std::string>& annotations) {
  if (!object.fetched) {
    return Fail(object.problem.empty() ? "not fetched" : object.problem);
  }
  if (object.bundle) {
    return CheckSignatureBundleCert(*object.bundle, subject, trust, annotations);
  }
  if (object.legacy_signature) {
    return CheckLegacySignatureCert(object.payload, object.signature_b64, object.layer_annotations,
                                    subject, trust, annotations);
  }
  return Fail("not a signature: an attestation layer");
}

Result<VerifiedAttestation> CheckAttestationObjectCert(
    const AttachedObject& object, const Digest& subject, const CertificateTrust& trust,
    std::span<const std::string> predicate_types) {
  if (predicate_types.empty()) {
    return InvalidArgumentError("attestation verification needs a predicate type");
  }
  if (!object.fetched) {
    return Fail(object.problem.empty() ? "not fetched" : object.problem);
  }
  if (object.bundle) {
    return CheckAttestationBundleCert(*object.bundle, subject, trust, predicate_types);
  }
  if (object.envelope) {
    return CheckAttestationEnvelopeCert(*object.envelope, object.layer_annotations, subject, trust,
                                        predicate_types);
  }
  return Fail("not an attestation: a signature");
}

}  // namespace vouch::verify::internal
