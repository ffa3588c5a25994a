// The inventory (`vouch inspect`): every object attached to each manifest, verified against every
// authority of the trust policy. Not a requirement: it decides nothing, it shows. Without a
// verifying authority the signer shown is the one the evidence claims (a key hint or an
// unverified certificate), and ImageDecision says so (signer_verified false). BuildKit
// attestations are shown with their statements and no signer: nobody signed them.
#include <utility>

#include "requirements/requirements.h"
#include "sigstore/certificate.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/attest/statement.h"

namespace vouch::verify::internal {
namespace {

// CertificateClaim reads who an unverified certificate names: "<SAN> (<issuer>)".
std::string CertificateClaim(ByteView der) {
  auto leaf = sigstore::ParseLeafCertificate(der);
  if (!leaf.ok() || leaf->sans.empty()) {
    return "";
  }
  return CertificateSigner(leaf->sans[0], leaf->issuer);
}

// ClaimedSigner is who |e| says signed it, verified by nobody.
Signer ClaimedSigner(const Evidence& e) {
  Signer s;
  if (e.bundle) {
    const attest::VerificationMaterial& vm = e.bundle->verification_material;
    s.key_id = attest::KeyIdOfHint(vm.public_key_hint);
    if (!vm.certificates.empty()) {
      s.identity = CertificateClaim(vm.certificates[0]);
    }
    return s;
  }
  if (sigstore::HasCertificate(e.layer_annotations)) {
    sigstore::LegacyEvidence ev = sigstore::EvidenceFromAnnotations(e.layer_annotations);
    auto certs = sigstore::ParsePemCertificates(ev.certificate_pem, "certificate");
    if (certs.ok() && !certs->empty()) {
      s.identity = CertificateClaim((*certs)[0]);
    }
  }
  return s;
}

// Payload is the statement an object carries, verified or not: shown, never trusted.
std::string Payload(const Evidence& e) {
  if (e.form == EvidenceForm::kBuildKitAttestation) {
    return std::string(AsChars(e.payload));
  }
  const attest::DsseEnvelope* env = nullptr;
  if (e.bundle) {
    env = std::get_if<attest::DsseEnvelope>(&e.bundle->content);
  } else if (e.envelope) {
    env = &*e.envelope;
  }
  return env == nullptr ? "" : std::string(AsChars(env->payload));
}

// Content is the inventory's content rule: a signature about this digest, or an attestation
// (any type) about it.
Check Content(const Evidence& e, const Verified& v) {
  if (e.kind == EvidenceKind::kSignature) {
    return CheckSignatureContent(e, v, {});
  }
  std::optional<attest::Statement> statement;
  return CheckAttestationContent(e, v, {}, {}, statement);
}

EvidenceFinding Inventory(Context& c, const Evidence& e, size_t subject,
                          const std::vector<std::string>& authorities) {
  if (e.kind == EvidenceKind::kOther && e.fetched()) {
    EvidenceFinding f = NewFinding(e, subject);
    f.kind = "signature";
    f.reason = Reason::kWrongKind;
    f.detail = "a message-signature bundle";
    return f;
  }
  if (!e.is_signed()) {
    EvidenceFinding f = NewFinding(e, subject);  // unreadable: NewFinding says why
    f.is_signed = false;
    if (e.fetched()) {
      f.reason = Reason::kUnsigned;
      f.detail = "unsigned: a BuildKit attestation in the image index, never evidence";
      f.statement_json = Payload(e);
    }
    return f;
  }
  Judgement j = Judge(c, e, subject, authorities, /*all=*/false,
                      [&](const Verified& v) { return Content(e, v); });
  EvidenceFinding f = std::move(j.finding);
  if (!e.fetched()) {
    return f;
  }
  if (j.verified != nullptr) {
    if (e.form != EvidenceForm::kLegacySignature) {
      f.statement_json = std::string(AsChars(j.verified->payload));
    }
    return f;
  }
  f.signer = ClaimedSigner(e);
  f.statement_json = Payload(e);
  return f;
}

}  // namespace

void TakeInventory(Context& c) {
  std::vector<std::string> names;
  for (const Authority* a : c.trust().Authorities()) {
    names.push_back(a->name());
  }
  for (size_t s = 0; s < c.subjects().size(); ++s) {
    for (const Evidence& e : c.subjects()[s].found.objects) {
      if (e.state == EvidenceState::kFailed) {
        continue;  // the subject's lookup error says it
      }
      EvidenceFinding f = Inventory(c, e, s, names);
      if (f.valid) {
        auto st = attest::Statement::Parse(f.statement_json);
        if (st.ok()) {
          f.predicate_type = st->predicate_type();  // verified
        }
      }
      c.decision().inventory.push_back(std::move(f));
    }
  }
}

}  // namespace vouch::verify::internal
