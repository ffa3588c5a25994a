// TrustPolicy: a policy with its trust material loaded once, from a policy file or from the
// flags of `vouch verify`, `verify-attestation` and `inspect` (validating factories). A new
// trust kind is one more case in CompileAuthority and one file in authority/.
#include <set>
#include <utility>

#include "authority/authority.h"
#include "core/internal/json.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/statement.h"
#include "vouch/attest/vsa.h"
#include "vouch/core/file.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/notation.h"

namespace vouch::verify {

using internal::Authority;

struct TrustPolicy::Impl {
  policy::Policy policy;
  std::map<std::string, std::unique_ptr<Authority>, std::less<>> authorities;
  std::set<std::string, std::less<>> denied;  // key ids
  Digest digest = Digest::Of({});
};

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

// RootCache loads each trusted root file once per compilation.
class RootCache {
 public:
  Result<std::shared_ptr<const TrustedRoot>> Get(const std::string& path) {
    auto it = roots_.find(path);
    if (it == roots_.end()) {
      it = roots_.emplace(path, LoadTrustedRoot(path)).first;
    }
    return it->second;
  }

 private:
  std::map<std::string, Result<std::shared_ptr<const TrustedRoot>>> roots_;
};

std::unique_ptr<Authority> CompileKeyless(const policy::Authority& a, RootCache& roots) {
  auto root = roots.Get(a.keyless.trusted_root);
  if (!root.ok()) {
    return internal::NewUnavailableAuthority(a.name,
                                             root.status().WithContext("authority " + a.name));
  }
  CertificateIdentity id;
  id.san = a.keyless.identity;
  id.san_regexp = a.keyless.identity_regexp;
  id.issuer = a.keyless.issuer;
  id.issuer_regexp = a.keyless.issuer_regexp;
  id.github = a.keyless.github;
  return internal::NewKeylessAuthority(a.name, *root, {std::move(id)});
}

std::unique_ptr<Authority> CompileX509(const policy::Authority& a) {
  auto roots = LoadPemCertificates(a.x509.roots);
  auto intermediates = LoadPemCertificates(a.x509.intermediates);
  if (!roots.ok() || !intermediates.ok()) {
    Status st = !roots.ok() ? roots.status() : intermediates.status();
    return internal::NewUnavailableAuthority(a.name, st.WithContext("authority " + a.name));
  }
  if (roots->empty()) {
    return internal::NewUnavailableAuthority(
        a.name, InvalidArgumentError("authority " + a.name + ": an x509 authority needs CA roots"));
  }
  sigstore::X509Trust x;
  x.roots = std::move(*roots);
  x.intermediates = std::move(*intermediates);
  x.subject = a.x509.subject;
  x.subject_regexp = a.x509.subject_regexp;
  x.san = a.x509.san;
  x.san_regexp = a.x509.san_regexp;
  return internal::NewX509Authority(a.name, std::move(x), nullptr);
}

// NotationStatement turns an inline notation authority into a one-statement document, so that
// its rules are checked by the same parser as a Notation trust policy file's.
Result<notation::TrustPolicyDocument> NotationStatement(const policy::Authority& a) {
  const policy::NotationAuthority& n = a.notation;
  Json statement = {{"name", a.name},
                    {"trustStores", n.trust_stores},
                    {"trustedIdentities", n.trusted_identities}};
  statement["signatureVerification"] = Json{{"level", "strict"}};
  if (!n.signature_verification.empty()) {
    VOUCH_ASSIGN_OR_RETURN(statement["signatureVerification"],
                           ParseJson(n.signature_verification, "signatureVerification"));
  }
  Json doc = {{"version", "1.0"}, {"trustPolicies", Json::array({statement})}};
  return notation::ParseTrustPolicy(DumpJson(doc), notation::DocumentKind::kBlob);
}

std::unique_ptr<Authority> CompileNotation(const policy::Authority& a) {
  const policy::NotationAuthority& n = a.notation;
  internal::NotationTrust t;
  std::vector<notation::Statement> statements;
  if (!n.trust_policy.empty()) {
    Result<Bytes> text = ReadFile(n.trust_policy, notation::kMaxTrustPolicySize);
    Result<notation::TrustPolicyDocument> doc =
        text.ok() ? notation::ParseTrustPolicy(AsChars(*text), notation::DocumentKind::kOci)
                  : Result<notation::TrustPolicyDocument>(text.status());
    if (!doc.ok()) {
      return internal::NewUnavailableAuthority(
          a.name, doc.status().WithContext("authority " + a.name + ": " + n.trust_policy));
    }
    t.material += "trust-policy " + Digest::Of(*text).ToString() + "\n";
    t.document = std::move(doc).value();
    statements = t.document.statements;
  } else {
    Result<notation::TrustPolicyDocument> doc = NotationStatement(a);
    if (!doc.ok()) {
      return internal::NewUnavailableAuthority(
          a.name, InvalidArgumentError("authority " + a.name + ": " + doc.status().message()));
    }
    t.statement = doc->statements[0];
    t.material += "statement " + n.signature_verification + "\n";
    statements = doc->statements;
    for (const notation::Statement& st : statements) {
      for (const std::string& x : st.trust_stores) t.material += "store " + x + "\n";
      for (const std::string& x : st.trusted_identities) t.material += "identity " + x + "\n";
    }
  }
  const std::string dir = !n.trust_store_dir.empty()
                              ? n.trust_store_dir
                              : notation::NotationDir::At(notation::DefaultNotationDir()).trust_store;
  auto store = std::make_shared<notation::TrustStore>(dir);
  std::vector<std::string> specs;
  for (const notation::Statement& st : statements) {
    specs.insert(specs.end(), st.trust_stores.begin(), st.trust_stores.end());
  }
  store->Preload(specs);
  for (const std::string& spec : specs) {
    Result<std::vector<Bytes>> certs = store->Load(spec);
    t.material += "certificates " + spec + (certs.ok() ? "" : " unusable") + "\n";
    for (const Bytes& c : certs.ok() ? *certs : std::vector<Bytes>{}) {
      t.material += Digest::Of(c).ToString() + "\n";
    }
  }
  t.store = std::move(store);
  t.revocation = std::make_shared<const notation::RevocationChecker>();
  return internal::NewNotationAuthority(a.name, std::move(t));
}

std::unique_ptr<Authority> CompileAuthority(const policy::Authority& a, RootCache& roots) {
  switch (a.kind) {
    case policy::AuthorityKind::kKey:
      return internal::NewKeyAuthority(a.name, a.keys);
    case policy::AuthorityKind::kKeyless:
      return CompileKeyless(a, roots);
    case policy::AuthorityKind::kX509:
      return CompileX509(a);
    case policy::AuthorityKind::kNotation:
      return CompileNotation(a);
  }
  return internal::NewUnavailableAuthority(a.name, InternalError("unknown authority kind"));
}

// kFlagsScope names the one scope policy of a policy built from flags.
constexpr std::string_view kFlagsScope = "command line";

policy::ScopePolicy FlagsScope() {
  policy::ScopePolicy sp;
  sp.name = std::string(kFlagsScope);
  sp.scope = "*";
  sp.mode = policy::Mode::kEnforce;
  sp.platforms = policy::Platforms::kIndex;
  return sp;
}

// FlagAuthorities turns trust flags into authorities: one per distinct key (so a threshold
// counts distinct keys), or one for the keyless identities.
Result<std::map<std::string, std::unique_ptr<Authority>, std::less<>>> KeyAuthorities(
    const TrustFlags& trust, bool required, std::string_view command);

// FlagAuthorities adds, to the key or keyless authorities, the notation authority of
// `--notation` (then keys are optional).
Result<std::map<std::string, std::unique_ptr<Authority>, std::less<>>> FlagAuthorities(
    const TrustFlags& trust, bool required, std::string_view command) {
  VOUCH_ASSIGN_OR_RETURN(auto out, KeyAuthorities(trust, required && !trust.notation, command));
  if (trust.notation) {
    policy::Authority a;
    a.name = "notation";
    a.kind = policy::AuthorityKind::kNotation;
    a.notation = *trust.notation;
    out.emplace(a.name, CompileNotation(a));
  }
  return out;
}

Result<std::map<std::string, std::unique_ptr<Authority>, std::less<>>> KeyAuthorities(
    const TrustFlags& trust, bool required, std::string_view command) {
  std::map<std::string, std::unique_ptr<Authority>, std::less<>> out;
  if (!trust.identities.empty()) {
    if (!trust.keys.empty()) {
      return InvalidArgumentError(std::string(command) +
                                  ": give trusted keys or certificate identities, not both");
    }
    if (trust.trusted_root == nullptr) {
      return InvalidArgumentError(
          "no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
    }
    out.emplace("keyless",
                internal::NewKeylessAuthority("keyless", trust.trusted_root, trust.identities));
    return out;
  }
  if (trust.keys.empty() && required) {
    return InvalidArgumentError(std::string(command) + ": at least one trusted key is required");
  }
  for (const keys::Verifier& k : trust.keys) {
    const std::string id = k.KeyId();
    if (out.count(id) == 0) {
      out.emplace(id, internal::NewKeyAuthority(id, {k}));
    }
  }
  return out;
}

std::vector<std::string> Names(
    const std::map<std::string, std::unique_ptr<Authority>, std::less<>>& authorities) {
  std::vector<std::string> names;
  for (const auto& [name, a] : authorities) {
    names.push_back(name);
  }
  return names;
}

}  // namespace

TrustPolicy::TrustPolicy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  for (const std::string& entry : impl_->policy.deny.key_ids) {
    std::string id = attest::KeyIdOfHint(entry);
    impl_->denied.insert(id.empty() ? entry : id);
  }
  // The digest covers the policy file and every piece of trust material, so a changed key file
  // or trusted root changes it even when the policy file did not change.
  std::string material = "vouch trust policy v1\npolicy " + impl_->policy.digest.ToString() + "\n";
  for (const auto& [name, a] : impl_->authorities) {
    material += "authority " + name + "\n";
    a->AppendTrustMaterial(material);
  }
  for (const policy::ScopePolicy& sp : impl_->policy.policies) {
    material += "scope " + sp.name + " " + sp.scope + "\n";  // in-memory policies have no file
  }
  impl_->digest = Digest::Of(AsBytes(material));
}

TrustPolicy::~TrustPolicy() = default;

std::shared_ptr<const TrustPolicy> TrustPolicy::Compile(policy::Policy policy) {
  auto impl = std::make_unique<Impl>();
  RootCache roots;
  for (const auto& [name, a] : policy.authorities) {
    impl->authorities.emplace(name, CompileAuthority(a, roots));
  }
  impl->policy = std::move(policy);
  return std::shared_ptr<const TrustPolicy>(new TrustPolicy(std::move(impl)));
}

Result<std::shared_ptr<const TrustPolicy>> TrustPolicy::Load(
    const std::string& path, std::vector<policy::LintFinding>* findings) {
  VOUCH_ASSIGN_OR_RETURN(policy::Policy p, policy::LoadPolicy(path, findings));
  return Compile(std::move(p));
}

const policy::Policy& TrustPolicy::policy() const { return impl_->policy; }

const Digest& TrustPolicy::digest() const { return impl_->digest; }

const internal::Authority* TrustPolicy::Find(std::string_view name) const {
  auto it = impl_->authorities.find(name);
  return it == impl_->authorities.end() ? nullptr : it->second.get();
}

std::vector<const internal::Authority*> TrustPolicy::Authorities() const {
  std::vector<const internal::Authority*> out;
  for (const auto& [name, a] : impl_->authorities) {
    out.push_back(a.get());
  }
  return out;
}

bool TrustPolicy::Denied(std::string_view key_id) const {
  return impl_->denied.count(key_id) > 0;
}

Result<std::shared_ptr<const TrustPolicy>> CompileSignatureCheck(const SignatureCheck& check) {
  if (check.trust.keys.empty() && check.trust.identities.empty() && !check.trust.notation) {
    return InvalidArgumentError("verify: at least one trusted key is required");
  }
  VOUCH_ASSIGN_OR_RETURN(auto authorities, FlagAuthorities(check.trust, true, "verify"));
  if (check.threshold == 0 || check.threshold > authorities.size()) {
    return InvalidArgumentError(
        "verify: threshold " + std::to_string(check.threshold) + " cannot be met with " +
        std::to_string(authorities.size()) +
        (check.trust.identities.empty() ? " distinct key(s)" : " keyless identity") +
        (check.trust.notation ? " and the Notation trust policy" : ""));
  }
  auto impl = std::make_unique<TrustPolicy::Impl>();
  policy::ScopePolicy sp = FlagsScope();
  sp.signatures = policy::SignatureRequirement{Names(authorities), check.threshold,
                                               check.annotations};
  sp.platforms = check.all_platforms ? policy::Platforms::kAll : policy::Platforms::kIndex;
  impl->policy.policies.push_back(std::move(sp));
  impl->authorities = std::move(authorities);
  return std::shared_ptr<const TrustPolicy>(new TrustPolicy(std::move(impl)));
}

Result<std::shared_ptr<const TrustPolicy>> CompileAttestationCheck(const AttestationCheck& check) {
  if ((check.trust.keys.empty() && check.trust.identities.empty()) ||
      check.predicate_type.empty()) {
    return InvalidArgumentError(
        "verify-attestation needs a key (or a certificate identity) and a predicate type");
  }
  const bool vsa = check.predicate_type == attest::kVsaPredicateType;
  const bool provenance = attest::IsProvenanceType(check.predicate_type);
  const SlsaExpectations& slsa = check.slsa;
  const bool patterns =
      !slsa.builder_ids.empty() || !slsa.source_uris.empty() || !slsa.source_refs.empty();
  const policy::VsaRequirement& v = check.vsa;
  const bool vsa_checks = !v.policy.empty() || !v.verifier_id.empty() || !v.min_level.empty() ||
                          !v.resource_uri.empty();
  if (vsa_checks && !vsa) {
    return InvalidArgumentError(
        "--vsa-policy, --vsa-verifier-id, --vsa-level and --vsa-resource-uri need --type vsa");
  }
  if (vsa && patterns) {
    return InvalidArgumentError(
        "--builder-id, --source-uri and --source-ref need a SLSA provenance --type");
  }
  if (!vsa && !provenance && !slsa.empty()) {
    return InvalidArgumentError(
        "--builder-id, --source-uri, --source-ref and --max-age need a SLSA provenance --type");
  }
  if (vsa && !check.annotations.empty()) {
    return InvalidArgumentError("-a is not supported with --type vsa");
  }
  VOUCH_ASSIGN_OR_RETURN(auto authorities,
                         FlagAuthorities(check.trust, true, "verify-attestation"));
  policy::AttestationRequirement req;
  req.type = check.predicate_type;
  req.predicate_types = {check.predicate_type};
  req.authorities = Names(authorities);
  req.max_age = slsa.max_age;
  req.annotations = check.annotations;
  if (patterns) {
    req.slsa = policy::SlsaRequirement{slsa.builder_ids, slsa.source_uris, slsa.source_refs, 0};
  }
  if (vsa) {
    req.vsa = v;
  }
  auto impl = std::make_unique<TrustPolicy::Impl>();
  policy::ScopePolicy sp = FlagsScope();
  sp.attestations.push_back(std::move(req));
  impl->policy.policies.push_back(std::move(sp));
  impl->authorities = std::move(authorities);
  return std::shared_ptr<const TrustPolicy>(new TrustPolicy(std::move(impl)));
}

Result<std::shared_ptr<const TrustPolicy>> CompileInspection(const TrustFlags& trust) {
  VOUCH_ASSIGN_OR_RETURN(auto authorities, FlagAuthorities(trust, false, "inspect"));
  auto impl = std::make_unique<TrustPolicy::Impl>();
  impl->policy.policies.push_back(FlagsScope());
  impl->authorities = std::move(authorities);
  return std::shared_ptr<const TrustPolicy>(new TrustPolicy(std::move(impl)));
}

Result<SignatureForms> ParseSignatureForms(std::string_view name) {
  for (auto [text, forms] : {std::pair{"all", SignatureForms::kAll},
                             std::pair{"bundle", SignatureForms::kBundle},
                             std::pair{"legacy", SignatureForms::kLegacy}}) {
    if (name == text) {
      return forms;
    }
  }
  return InvalidArgumentError("unknown signature format \"" + std::string(name) +
                              "\" (want all, bundle or legacy)");
}

}  // namespace vouch::verify
