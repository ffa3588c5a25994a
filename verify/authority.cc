#include "authority.h"

#include "object_checks.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/file.h"

namespace vouch::verify::internal {
namespace {

// LoadPemCertificates reads every certificate of the PEM files |paths|.
Result<std::vector<Bytes>> LoadPemCertificates(const std::vector<std::string>& paths) {
  std::vector<Bytes> out;
  for (const std::string& p : paths) {
    VOUCH_ASSIGN_OR_RETURN(Bytes pem, ReadFile(p, 1024 * 1024));
    auto certs = sigstore::ParsePemCertificates(AsChars(pem), p);
    if (!certs.ok()) {
      return InvalidArgumentError(certs.status().message());
    }
    out.insert(out.end(), certs->begin(), certs->end());
  }
  return out;
}

}  // namespace

std::string Signer::Describe() const {
  if (!identity.empty()) {
    return authority + " (" + identity + ")";
  }
  return authority + " (key " + key_id.substr(0, 16) + "…)";
}

AuthorityVerifier::AuthorityVerifier(const policy::Policy& policy) : policy_(policy) {
  // Certificate trust, once per policy: trusted roots are loaded once per path.
  std::map<std::string, Result<std::shared_ptr<const TrustedRoot>>> roots;
  auto root = [&](const std::string& path) {
    auto it = roots.find(path);
    if (it == roots.end()) {
      it = roots.emplace(path, LoadTrustedRoot(path)).first;
    }
    return it->second;
  };
  for (const auto& [name, a] : policy_.authorities) {
    if (a.kind == policy::AuthorityKind::kKeyless) {
      Result<std::shared_ptr<const TrustedRoot>> r = root(a.keyless.trusted_root);
      if (!r.ok()) {
        trust_.emplace(name, r.status().WithContext("authority " + name));
        continue;
      }
      CertificateTrust t;
      t.root = *r;
      CertificateIdentity id;
      id.san = a.keyless.identity;
      id.san_regexp = a.keyless.identity_regexp;
      id.issuer = a.keyless.issuer;
      id.issuer_regexp = a.keyless.issuer_regexp;
      id.github = a.keyless.github;
      t.identities.push_back(std::move(id));
      trust_.emplace(name, std::move(t));
    } else if (a.kind == policy::AuthorityKind::kX509) {
      auto roots_der = LoadPemCertificates(a.x509.roots);
      auto inter_der = LoadPemCertificates(a.x509.intermediates);
      if (!roots_der.ok() || !inter_der.ok()) {
        Status st = !roots_der.ok() ? roots_der.status() : inter_der.status();
        trust_.emplace(name, st.WithContext("authority " + name));
        continue;
      }
      if (roots_der->empty()) {
        trust_.emplace(name, InvalidArgumentError("authority " + name +
                                                  ": an x509 authority needs CA roots"));
        continue;
      }
      CertificateTrust t;
      sigstore::X509Trust x;
      x.roots = std::move(*roots_der);
      x.intermediates = std::move(*inter_der);
      x.subject = a.x509.subject;
      x.subject_regexp = a.x509.subject_regexp;
      x.san = a.x509.san;
      x.san_regexp = a.x509.san_regexp;
      t.x509 = std::move(x);
      trust_.emplace(name, std::move(t));
    }
  }
  std::set<std::string> deny(policy.deny.key_ids.begin(), policy.deny.key_ids.end());
  for (const auto& [name, a] : policy_.authorities) {
    for (const keys::Verifier& k : a.keys) {
      if (deny.count(k.KeyId()) > 0 || deny.count(attest::PublicKeyHint(k)) > 0) {
        denied_.insert(k.KeyId());
      }
    }
  }
}

Result<CertificateTrust> AuthorityVerifier::Trust(const policy::Authority& authority) const {
  auto it = trust_.find(authority.name);
  if (it == trust_.end()) {
    return InternalError("authority " + authority.name + " has no certificate trust");
  }
  if (!it->second.ok()) {
    // The evaluator turns kUnimplemented (and only it) into "could not check" (kError): trust
    // material that does not load must never read as a rejection.
    return Status(ErrorCode::kUnimplemented,
                  "cannot check: " + it->second.status().message() + " (" +
                      std::string(ErrorCodeName(it->second.status().code())) + ")");
  }
  return it->second;
}

bool AuthorityVerifier::Denied(const keys::Verifier& key) const {
  return denied_.count(key.KeyId()) > 0;
}

Result<Signer> AuthorityVerifier::VerifySignature(
    const policy::Authority& authority, const AttachedObject& object, const Digest& subject,
    const std::map<std::string, std::string>& annotations) const {
  if (authority.kind != policy::AuthorityKind::kKey) {
    VOUCH_ASSIGN_OR_RETURN(CertificateTrust trust, Trust(authority));
    VOUCH_ASSIGN_OR_RETURN(std::string signer,
                           CheckSignatureObjectCert(object, subject, trust, annotations));
    return Signer{authority.name, "", signer};
  }
  if (authority.keys.empty()) {
    return VerificationFailedError("authority " + authority.name + " has no keys");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string key_id,
                         CheckSignatureObject(object, subject, authority.keys, annotations));
  if (denied_.count(key_id) > 0) {
    return VerificationFailedError("signed by " + authority.name + " with key " +
                                   key_id.substr(0, 16) + "…, which is revoked (deny.keyIds)");
  }
  return Signer{authority.name, key_id, ""};
}

Result<AttestationMatch> AuthorityVerifier::VerifyAttestation(
    const policy::Authority& authority, const AttachedObject& object, const Digest& subject,
    const std::vector<std::string>& predicate_types) const {
  if (authority.kind != policy::AuthorityKind::kKey) {
    VOUCH_ASSIGN_OR_RETURN(CertificateTrust trust, Trust(authority));
    VOUCH_ASSIGN_OR_RETURN(VerifiedAttestation v,
                           CheckAttestationObjectCert(object, subject, trust, predicate_types));
    Signer s{authority.name, "", v.key_id};
    return AttestationMatch{std::move(s), std::move(v)};
  }
  if (authority.keys.empty()) {
    return VerificationFailedError("authority " + authority.name + " has no keys");
  }
  VOUCH_ASSIGN_OR_RETURN(VerifiedAttestation v,
                         CheckAttestationObject(object, subject, authority.keys, predicate_types));
  if (denied_.count(v.key_id) > 0) {
    return VerificationFailedError("signed by " + authority.name + " with key " +
                                   v.key_id.substr(0, 16) + "…, which is revoked (deny.keyIds)");
  }
  Signer s{authority.name, v.key_id, ""};
  return AttestationMatch{std::move(s), std::move(v)};
}

}  // namespace vouch::verify::internal
