// Checking a policy's JSON tree against the schema (docs/policy.md) and filling the model:
// authorities, requirements, deny; then ParsePolicy and LoadPolicy.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "checker.h"
#include "internal.h"
#include "vouch/attest/provenance.h"
#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/duration.h"
#include "vouch/core/file.h"

namespace vouch::policy {
namespace {

using internal::Checker;
using internal::CountErrors;
using internal::Document;
using internal::Grammar;
using internal::ParsePattern;
using internal::Pattern;
using internal::PointerToken;
using internal::Quote;
using internal::ReadDocument;
using internal::TypeName;

// A policy file is a few KiB; the cap keeps a mistaken path from being read whole.
constexpr size_t kMaxPolicyFileSize = size_t{1} << 20;

constexpr std::string_view kVulnPredicateTypes[] = {
    "https://cosign.sigstore.dev/attestation/vuln/v1",
    "https://in-toto.io/attestation/vulns/v0.1",
    "https://in-toto.io/attestation/vulns/v0.2",
};
constexpr std::string_view kVsaPredicateType = "https://slsa.dev/verification_summary/v1";
constexpr std::array<std::string_view, 5> kSeverities = {"none", "low", "medium", "high",
                                                         "critical"};

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// KeyHolders maps a key (keys::Verifier::KeyId, which names the key whatever its encoding) to
// the first authority that holds it.
using KeyHolders = std::map<std::string, std::string>;

void LoadKey(Checker& c, Authority& a, const std::string& pem, const std::string& path,
             const std::string& source, KeyHolders& holders) {
  if (keys::IsPrivateKeyPem(pem)) {
    c.Error(path, source + " holds a private key: give the public key (vouch key public)");
    return;
  }
  Result<keys::Verifier> v = keys::Verifier::FromPem(pem);
  if (!v.ok()) {
    c.Error(path, source + " is not a usable public key: " + v.status().message());
    return;
  }
  // A key held by two authorities is one signer: a signatures threshold counts it once
  // (verify/requirements/signatures.cc). Valid (one release key may sign images and
  // attestations under two names), so a warning.
  auto [held, first] = holders.emplace(v->KeyId(), a.name);
  if (!first && held->second != a.name) {
    c.Warn(path, source + " holds key " + v->KeyId().substr(0, 16) +
                     "…, which authority " + Quote(held->second) +
                     " also holds: the two are one signer, counted once toward a threshold");
  }
  a.keys.push_back(*v);
}

void ParseKeyAuthority(Checker& c, const Json& j, const std::string& path, Authority& a,
                       KeyHolders& holders) {
  if (!c.Object(j, path, {"path", "paths", "data"})) {
    return;
  }
  std::string which = c.Exclusive(j, path, {"path", "paths", "data"}, true);
  std::vector<std::pair<std::string, std::string>> files;  // resolved, json path
  if (which == "path") {
    if (auto p = c.String(j, path, "path", true)) {
      files.emplace_back(c.Resolve(*p), path + "/path");
    }
  } else if (which == "paths") {
    if (auto ps = c.StringList(j, path, "paths", true, true)) {
      for (size_t i = 0; i < ps->size(); ++i) {
        files.emplace_back(c.Resolve((*ps)[i]), path + "/paths/" + std::to_string(i));
      }
    }
  } else if (which == "data") {
    if (auto d = c.String(j, path, "data", true); d && c.options().load_keys) {
      LoadKey(c, a, *d, path + "/data", "data", holders);
    }
  }
  for (const auto& [file, p] : files) {
    a.key_paths.push_back(file);
    if (!c.options().load_keys) {
      continue;
    }
    Result<Bytes> pem = ReadFile(file, keys::kMaxKeyFileSize);
    if (!pem.ok()) {
      c.Error(p, "cannot read key file: " + pem.status().message());
      continue;
    }
    LoadKey(c, a, std::string(pem->begin(), pem->end()), p, "key file " + Quote(file), holders);
  }
}

// ExactOrRegexp reads one of the "exact value or regular expression" pairs of an authority,
// |field| and |field|RegExp: at most one of them (exactly one when |required|), the regexp
// checked. It returns {exact, regexp}, the absent one empty.
std::pair<std::string, std::string> ExactOrRegexp(Checker& c, const Json& j,
                                                  const std::string& path, const std::string& field,
                                                  bool required) {
  const std::string re_field = field + "RegExp";
  c.Exclusive(j, path, {field, re_field}, required);
  std::string exact = c.String(j, path, field, false).value_or("");
  std::optional<std::string> re = c.String(j, path, re_field, false);
  c.CheckRegexp(re, path + "/" + re_field);
  return {exact, re.value_or("")};
}

void ParseKeylessAuthority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(
          j, path,
          {"identity", "identityRegExp", "issuer", "issuerRegExp", "trustedRoot", "github"})) {
    return;
  }
  KeylessAuthority& k = a.keyless;
  std::tie(k.identity, k.identity_regexp) = ExactOrRegexp(c, j, path, "identity", true);
  std::tie(k.issuer, k.issuer_regexp) = ExactOrRegexp(c, j, path, "issuer", true);
  if (auto root = c.String(j, path, "trustedRoot", false)) {
    k.trusted_root = c.Resolve(*root);
    c.FileMustExist(k.trusted_root, path + "/trustedRoot");
  }
  if (const Json* gh = FindField(j, "github"); gh != nullptr) {
    std::string gp = path + "/github";
    std::vector<std::string_view> names;
    for (const GithubWorkflowClaim& claim : kGithubWorkflowClaims) {
      names.push_back(claim.name);
    }
    if (c.Object(*gh, gp, names)) {
      for (std::string_view f : names) {
        if (auto v = c.String(*gh, gp, f, false)) {
          k.github[std::string(f)] = *v;
        }
      }
    }
  }
}

void ParseX509Authority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(j, path,
                {"roots", "intermediates", "subject", "subjectRegExp", "san", "sanRegExp"})) {
    return;
  }
  X509Authority& x = a.x509;
  auto files = [&](std::string_view field, bool required) {
    std::vector<std::string> out;
    if (auto list = c.StringList(j, path, field, required, required)) {
      for (size_t i = 0; i < list->size(); ++i) {
        out.push_back(c.Resolve((*list)[i]));
        c.FileMustExist(out.back(), path + "/" + std::string(field) + "/" + std::to_string(i));
      }
    }
    return out;
  };
  x.roots = files("roots", true);
  x.intermediates = files("intermediates", false);
  std::tie(x.subject, x.subject_regexp) = ExactOrRegexp(c, j, path, "subject", false);
  std::tie(x.san, x.san_regexp) = ExactOrRegexp(c, j, path, "san", false);
}

void ParseNotationAuthority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(j, path,
                {"trustPolicy", "trustStores", "trustedIdentities", "signatureVerification",
                 "trustStore"})) {
    return;
  }
  NotationAuthority& n = a.notation;
  const std::string which =
      c.Exclusive(j, path, {"trustPolicy", "trustStores"}, /*exactly_one=*/true);
  if (which == "trustPolicy") {
    n.trust_policy = c.Resolve(c.String(j, path, "trustPolicy", true).value_or(""));
    c.FileMustExist(n.trust_policy, path + "/trustPolicy");
    for (std::string_view inline_only : {"trustedIdentities", "signatureVerification"}) {
      if (FindField(j, inline_only) != nullptr) {
        c.Error(path + "/" + std::string(inline_only),
                "belongs to an inline statement, not beside trustPolicy");
      }
    }
  } else if (which == "trustStores") {
    n.trust_stores = c.StringList(j, path, "trustStores", true, true).value_or(
        std::vector<std::string>{});
    n.trusted_identities = c.StringList(j, path, "trustedIdentities", true, true)
                               .value_or(std::vector<std::string>{});
    if (const Json* sv = FindField(j, "signatureVerification"); sv != nullptr) {
      if (!sv->is_object()) {
        c.Error(path + "/signatureVerification", "must be an object, got " + TypeName(*sv));
      } else {
        n.signature_verification = DumpJson(*sv);
      }
    }
  }
  if (auto dir = c.String(j, path, "trustStore", false)) {
    n.trust_store_dir = c.Resolve(*dir);
  }
}

// AuthorityNames checks a list of authority names against the declared ones.
std::vector<std::string> AuthorityNames(Checker& c, const Json& obj, const std::string& path,
                                        const Policy& policy) {
  auto names = c.StringList(obj, path, "authorities", true, true);
  if (!names) {
    return {};
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string& n = (*names)[i];
    std::string p = path + "/authorities/" + std::to_string(i);
    if (policy.authorities.count(n) == 0) {
      c.Error(p, "unknown authority " + Quote(n) + " (not declared in /authorities)");
    }
    if (!seen.insert(n).second) {
      c.Error(p, "authority " + Quote(n) + " is listed twice");
    }
  }
  return *names;
}

// PredicateTypesFor maps a requirement's type to the predicate type URIs it accepts.
Result<std::vector<std::string>> PredicateTypesFor(const std::string& type) {
  if (type == "slsaprovenance") {
    return std::vector<std::string>{std::string(attest::kSlsaProvenanceV1),
                                    std::string(attest::kSlsaProvenanceV02)};
  }
  if (type == "vuln") {
    return std::vector<std::string>(std::begin(kVulnPredicateTypes), std::end(kVulnPredicateTypes));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string uri, attest::PredicateTypeFromName(type));
  return std::vector<std::string>{uri};
}

bool AnyOf(const std::vector<std::string>& types, std::initializer_list<std::string_view> want) {
  for (const std::string& t : types) {
    for (std::string_view w : want) {
      if (t == w) {
        return true;
      }
    }
  }
  return false;
}

// WarnSourceUriRefs warns about each sourceUris entry with an "@ref" suffix: the verifier
// enforces that ref, which a reader of the policy easily takes for part of a repository name.
void WarnSourceUriRefs(Checker& c, const Json& slsa, const std::string& path) {
  const Json* uris = FindField(slsa, "sourceUris");
  if (uris == nullptr || !uris->is_array()) {
    return;
  }
  for (size_t i = 0; i < uris->size(); ++i) {
    if (!(*uris)[i].is_string()) {
      continue;  // reported by StringList
    }
    const std::string uri = (*uris)[i].get<std::string>();
    auto [repo, ref] = attest::SplitSourceUri(uri);
    if (!ref.empty()) {
      c.Warn(path + "/sourceUris/" + std::to_string(i),
             "source URI " + Quote(uri) + " carries the ref " + Quote(ref) +
                 ", which the verifier enforces as a ref check; prefer " + Quote(repo) +
                 " here and \"sourceRefs\": [" + Quote(ref) + "]");
    }
  }
}

// ParseSlsa reads an attestation's "slsa" object (nullopt when it is not an object).
std::optional<SlsaRequirement> ParseSlsa(Checker& c, const Json& s, const std::string& sp) {
  if (!c.Object(s, sp, {"builderIds", "sourceUris", "sourceRefs", "buildLevel"})) {
    return std::nullopt;
  }
  SlsaRequirement slsa;
  slsa.builder_ids =
      c.StringList(s, sp, "builderIds", false, false).value_or(std::vector<std::string>{});
  slsa.source_uris =
      c.StringList(s, sp, "sourceUris", false, false).value_or(std::vector<std::string>{});
  WarnSourceUriRefs(c, s, sp);
  slsa.source_refs =
      c.StringList(s, sp, "sourceRefs", false, false).value_or(std::vector<std::string>{});
  if (auto level = c.Int(s, sp, "buildLevel", false)) {
    if (*level < 1 || *level > 3) {
      c.Error(sp + "/buildLevel", "must be 1, 2 or 3");
    } else {
      slsa.build_level = static_cast<int>(*level);
    }
  }
  return slsa;
}

// ParseVulnerabilities reads an attestation's "vulnerabilities" object (nullopt when it is not
// an object).
std::optional<VulnerabilityRequirement> ParseVulnerabilities(Checker& c, const Json& v,
                                                             const std::string& vp) {
  if (!c.Object(v, vp, {"maxSeverity", "ignore"})) {
    return std::nullopt;
  }
  VulnerabilityRequirement vr;
  if (auto sev =
          c.Enum(v, vp, "maxSeverity",
                 {kSeverities[0], kSeverities[1], kSeverities[2], kSeverities[3], kSeverities[4]},
                 "severity")) {
    vr.max_severity = std::string(kSeverities[*sev]);
  }
  vr.ignore = c.StringList(v, vp, "ignore", false, false).value_or(std::vector<std::string>{});
  return vr;
}

// ParseVsaFields reads the VSA fields of an attestation requirement |j|: policy, verifierId and
// minLevel (a level starting with SLSA_ must have the form SLSA_<TRACK>_LEVEL_<n>).
VsaRequirement ParseVsaFields(Checker& c, const Json& j, const std::string& path) {
  VsaRequirement v;
  v.policy = c.String(j, path, "policy", false).value_or("");
  v.verifier_id = c.String(j, path, "verifierId", false).value_or("");
  if (auto level = c.String(j, path, "minLevel", false)) {
    static const Regexp kLevel = Grammar("SLSA_[A-Z]+_LEVEL_[0-9]+");
    if (level->rfind("SLSA_", 0) == 0 && !kLevel.FullMatches(*level)) {
      c.Error(path + "/minLevel", "bad level " + Quote(*level) +
                                      " (e.g. SLSA_BUILD_LEVEL_3; custom levels must "
                                      "not start with SLSA_)");
    }
    v.min_level = *level;
  }
  return v;
}

void ParseAttestation(Checker& c, const Json& j, const std::string& path, const Policy& policy,
                      AttestationRequirement& req) {
  if (!c.Object(j, path,
                {"type", "authorities", "maxAge", "slsa", "vulnerabilities", "policy", "verifierId",
                 "minLevel"})) {
    return;
  }
  if (auto type = c.String(j, path, "type", true)) {
    req.type = *type;
    Result<std::vector<std::string>> types = PredicateTypesFor(*type);
    if (types.ok()) {
      req.predicate_types = *types;
    } else {
      c.Error(path + "/type", types.status().message());
    }
  }
  req.authorities = AuthorityNames(c, j, path, policy);
  if (auto age = c.String(j, path, "maxAge", false)) {
    Result<std::chrono::seconds> d = ParsePositiveSeconds(*age);
    if (d.ok()) {
      req.max_age = *d;
    } else {
      c.Error(path + "/maxAge", d.status().message());
    }
  }
  bool known_type = !req.predicate_types.empty();
  bool provenance =
      AnyOf(req.predicate_types, {attest::kSlsaProvenanceV1, attest::kSlsaProvenanceV02});
  bool vuln = AnyOf(req.predicate_types,
                    {kVulnPredicateTypes[0], kVulnPredicateTypes[1], kVulnPredicateTypes[2]});
  bool vsa = AnyOf(req.predicate_types, {kVsaPredicateType});
  if (const Json* s = FindField(j, "slsa"); s != nullptr) {
    std::string sp = path + "/slsa";
    if (known_type && !provenance) {
      c.Error(sp, "applies only to SLSA provenance (type slsaprovenance)");
    }
    req.slsa = ParseSlsa(c, *s, sp);
  }
  if (const Json* v = FindField(j, "vulnerabilities"); v != nullptr) {
    std::string vp = path + "/vulnerabilities";
    if (known_type && !vuln) {
      c.Error(vp, "applies only to vulnerability attestations (type vuln)");
    }
    req.vulnerabilities = ParseVulnerabilities(c, *v, vp);
  }
  bool has_vsa_fields = false;
  for (std::string_view f : {"policy", "verifierId", "minLevel"}) {
    if (j.contains(std::string(f))) {
      has_vsa_fields = true;
      if (known_type && !vsa) {
        c.Error(path + "/" + std::string(f), "applies only to type vsa");
      }
    }
  }
  if (vsa || has_vsa_fields) {
    req.vsa = ParseVsaFields(c, j, path);
  }
}

// ParseSignatures reads a scope's "signatures" object (nullopt when it is not an object).
std::optional<SignatureRequirement> ParseSignatures(Checker& c, const Json& s, const std::string& p,
                                                    const Policy& policy) {
  if (!c.Object(s, p, {"authorities", "threshold", "annotations"})) {
    return std::nullopt;
  }
  SignatureRequirement req;
  req.authorities = AuthorityNames(c, s, p, policy);
  if (auto t = c.Int(s, p, "threshold", false)) {
    if (*t < 1) {
      c.Error(p + "/threshold", "must be at least 1");
    } else if (static_cast<uint64_t>(*t) > req.authorities.size() && !req.authorities.empty()) {
      c.Error(p + "/threshold", "is " + std::to_string(*t) + " but only " +
                                    std::to_string(req.authorities.size()) +
                                    " authorities are listed");
    } else {
      req.threshold = static_cast<size_t>(*t);
    }
  }
  if (const Json* a = FindField(s, "annotations"); a != nullptr) {
    std::string ap = p + "/annotations";
    if (!a->is_object()) {
      c.Error(ap, "must be an object of strings, got " + TypeName(*a));
    } else {
      for (const auto& [k, v] : a->items()) {
        if (!v.is_string()) {
          c.Error(ap + "/" + PointerToken(k), "must be a string, got " + TypeName(v));
        } else {
          req.annotations[k] = v.get<std::string>();
        }
      }
    }
  }
  return req;
}

// ParseBaseImages reads a scope's "baseImages" object (nullopt when it is not an object); base
// images come from verified provenance, so |attestations| must require some.
std::optional<BaseImageRequirement> ParseBaseImages(
    Checker& c, const Json& b, const std::string& p,
    const std::vector<AttestationRequirement>& attestations) {
  if (!c.Object(b, p, {"allowed"})) {
    return std::nullopt;
  }
  BaseImageRequirement req;
  req.allowed = c.StringList(b, p, "allowed", true, true).value_or(std::vector<std::string>{});
  for (size_t i = 0; i < req.allowed.size(); ++i) {
    Status st = CheckBaseImagePattern(req.allowed[i]);
    if (!st.ok()) {
      c.Error(p + "/allowed/" + std::to_string(i), st.message());
    }
  }
  bool has_provenance =
      std::any_of(attestations.begin(), attestations.end(), [](const AttestationRequirement& r) {
        return AnyOf(r.predicate_types, {attest::kSlsaProvenanceV1, attest::kSlsaProvenanceV02});
      });
  if (!has_provenance) {
    c.Error(p,
            "base images are read from verified provenance: add an attestation "
            "requirement of type slsaprovenance");
  }
  return req;
}

void ParseScopePolicy(Checker& c, const Json& j, const std::string& path, const Policy& policy,
                      ScopePolicy& sp) {
  sp.json_path = path;
  if (!c.Object(j, path,
                {"name", "scope", "mode", "signatures", "attestations", "baseImages", "platforms",
                 "failurePolicy", "fetchFailure"})) {
    return;
  }
  sp.name = c.String(j, path, "name", true).value_or("");
  if (auto scope = c.String(j, path, "scope", true)) {
    sp.scope = *scope;
    Result<Pattern> p = ParsePattern(*scope);
    if (!p.ok()) {
      c.Error(path + "/scope", p.status().message());
    }
  }
  bool mode_ok = true;
  if (auto m = c.Enum(j, path, "mode", {"enforce", "audit", "accept", "reject"}, "mode")) {
    sp.mode = static_cast<Mode>(*m);
  } else if (const Json* given = FindField(j, "mode"); given != nullptr && !given->is_null()) {
    mode_ok = false;  // reported; do not also complain about what the default mode needs
  }
  if (auto pl = c.Enum(j, path, "platforms", {"all", "index"}, "platforms value")) {
    sp.platforms = static_cast<Platforms>(*pl);
  }
  if (auto fp = c.Enum(j, path, "failurePolicy", {"deny", "allow"}, "failurePolicy")) {
    sp.failure_policy = static_cast<FailurePolicy>(*fp);
  }
  if (auto ff = c.Enum(j, path, "fetchFailure", {"deny", "warn"}, "fetchFailure")) {
    sp.fetch_failure = static_cast<FetchFailure>(*ff);
  }
  if (const Json* s = FindField(j, "signatures"); s != nullptr) {
    sp.signatures = ParseSignatures(c, *s, path + "/signatures", policy);
  }
  if (const Json* a = FindField(j, "attestations"); a != nullptr) {
    std::string p = path + "/attestations";
    if (!a->is_array()) {
      c.Error(p, "must be an array, got " + TypeName(*a));
    } else {
      for (size_t i = 0; i < a->size(); ++i) {
        AttestationRequirement req;
        ParseAttestation(c, (*a)[i], p + "/" + std::to_string(i), policy, req);
        sp.attestations.push_back(std::move(req));
      }
    }
  }
  if (const Json* b = FindField(j, "baseImages"); b != nullptr) {
    sp.base_images = ParseBaseImages(c, *b, path + "/baseImages", sp.attestations);
  }
  bool checks = sp.signatures || !sp.attestations.empty() || sp.base_images;
  if (mode_ok && (sp.mode == Mode::kEnforce || sp.mode == Mode::kAudit) && !checks) {
    c.Error(path, "mode " + std::string(ModeName(sp.mode)) +
                      " needs at least one requirement (signatures, attestations or baseImages); "
                      "use mode accept to accept without checks");
  }
}

void ParseDeny(Checker& c, const Json& root, Policy& policy) {
  const Json* d = FindField(root, "deny");
  if (d == nullptr) {
    return;
  }
  if (!c.Object(*d, "/deny", {"digests", "keyIds"})) {
    return;
  }
  if (auto digests = c.StringList(*d, "/deny", "digests", false, false)) {
    const Json& arr = (*d)["digests"];
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        continue;  // reported by StringList
      }
      Result<Digest> dg = Digest::Parse(arr[i].get<std::string>());
      if (dg.ok()) {
        policy.deny.digests.push_back(*dg);
      } else if (!arr[i].get<std::string>().empty()) {
        c.Error("/deny/digests/" + std::to_string(i), dg.status().message());
      }
    }
  }
  if (auto ids = c.StringList(*d, "/deny", "keyIds", false, false)) {
    const Json& arr = (*d)["keyIds"];
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string() || arr[i].get<std::string>().empty()) {
        continue;
      }
      std::string id = arr[i].get<std::string>();
      bool hex = id.size() == 64 && IsHex(id);
      Result<Bytes> b64 = Base64Decode(id);
      bool base64 = id.size() == 44 && b64.ok() && b64->size() == 32;
      if (hex || base64) {
        policy.deny.key_ids.push_back(id);
      } else {
        c.Error("/deny/keyIds/" + std::to_string(i),
                "bad key id " + Quote(id) +
                    ": expected 64 lowercase hex characters (vouch key info) or the base64 "
                    "SHA-256 hint");
      }
    }
  }
}

void ParseAdmission(Checker& c, const Json& root, Policy& policy) {
  const Json* a = FindField(root, "admission");
  if (a == nullptr || !c.Object(*a, "/admission", {"unknownKinds"})) {
    return;
  }
  if (auto u = c.Enum(*a, "/admission", "unknownKinds", {"deny", "allow"}, "unknownKinds value")) {
    policy.admission.unknown_kinds = static_cast<UnknownKinds>(*u);
  }
}

void ParseAll(Checker& c, const Json& root, Policy& policy) {
  if (!c.Object(root, "", {"version", "authorities", "policies", "deny", "admission"})) {
    return;
  }
  if (auto v = c.Int(root, "", "version", true)) {
    if (*v != 1) {
      c.Error("/version", "unsupported version " + std::to_string(*v) + " (this vouch reads 1)");
    }
    policy.version = static_cast<int>(*v);
  }
  if (const Json* auths = FindField(root, "authorities"); auths != nullptr) {
    if (!auths->is_object()) {
      c.Error("/authorities",
              "must be an object (authority name -> definition), got " + TypeName(*auths));
    } else {
      KeyHolders holders;
      for (const auto& [name, def] : auths->items()) {
        std::string p = "/authorities/" + PointerToken(name);
        Authority a;
        a.name = name;
        if (name.empty()) {
          c.Error(p, "authority names must not be empty");
        }
        if (c.Object(def, p, {"key", "keyless", "x509", "notation"})) {
          std::string which = c.Exclusive(def, p, {"key", "keyless", "x509", "notation"}, true);
          if (which == "key") {
            a.kind = AuthorityKind::kKey;
            ParseKeyAuthority(c, def["key"], p + "/key", a, holders);
          } else if (which == "keyless") {
            a.kind = AuthorityKind::kKeyless;
            ParseKeylessAuthority(c, def["keyless"], p + "/keyless", a);
          } else if (which == "x509") {
            a.kind = AuthorityKind::kX509;
            ParseX509Authority(c, def["x509"], p + "/x509", a);
          } else if (which == "notation") {
            a.kind = AuthorityKind::kNotation;
            ParseNotationAuthority(c, def["notation"], p + "/notation", a);
          }
        }
        policy.authorities[name] = std::move(a);
      }
    }
  }
  if (const Json* pols = FindField(root, "policies"); pols == nullptr) {
    c.Error("/policies", "is required");
  } else if (!pols->is_array()) {
    c.Error("/policies", "must be an array, got " + TypeName(*pols));
  } else if (pols->empty()) {
    c.Error("/policies", "must list at least one policy");
  } else {
    std::map<std::string, std::string> names;   // name -> path
    std::map<std::string, std::string> scopes;  // scope -> policy name
    for (size_t i = 0; i < pols->size(); ++i) {
      std::string p = "/policies/" + std::to_string(i);
      ScopePolicy sp;
      ParseScopePolicy(c, (*pols)[i], p, policy, sp);
      if (!sp.name.empty()) {
        auto [it, inserted] = names.emplace(sp.name, p);
        if (!inserted) {
          c.Error(p + "/name",
                  "duplicate policy name " + Quote(sp.name) + " (also " + it->second + ")");
        }
      }
      if (!sp.scope.empty()) {
        auto [it, inserted] = scopes.emplace(sp.scope, sp.name);
        if (!inserted) {
          c.Error(p + "/scope", "scope " + Quote(sp.scope) + " is also the scope of policy " +
                                    Quote(it->second) + ": only the first would ever apply");
        }
      }
      policy.policies.push_back(std::move(sp));
    }
  }
  ParseDeny(c, root, policy);
  ParseAdmission(c, root, policy);
}

// AddLines appends the YAML line of |path| (or of its nearest ancestor) to the message.
void AddLines(Document& doc) {
  if (doc.lines.empty()) {
    return;
  }
  for (LintFinding& f : doc.findings) {
    if (f.message.find("(line ") != std::string::npos) {
      continue;  // located already (a duplicate key: the map holds the first one's line)
    }
    std::string p = f.path;
    for (;;) {
      auto it = doc.lines.find(p);
      if (it != doc.lines.end()) {
        f.message += " (line " + std::to_string(it->second) + ")";
        break;
      }
      if (p.empty()) {
        break;
      }
      p = p.substr(0, p.rfind('/'));
    }
  }
}

// FormatFindings is the Status message of an invalid policy: its errors (warnings are not why it
// failed; `vouch policy lint` shows them).
std::string FormatFindings(const std::vector<LintFinding>& findings) {
  const size_t errors = CountErrors(findings);
  std::string msg =
      "invalid policy (" + std::to_string(errors) + (errors == 1 ? " error)" : " errors)");
  for (const LintFinding& f : findings) {
    if (f.severity == Severity::kError) {
      msg += "\n" + FormatFinding(f);
    }
  }
  return msg;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return "";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view text, const ParseOptions& options,
                           std::vector<LintFinding>* findings) {
  Policy policy;
  policy.digest = Digest::Of(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  Result<Document> doc = ReadDocument(text);
  if (!doc.ok()) {
    // A syntax error stops everything: there is no tree to check.
    if (findings != nullptr) {
      findings->assign({LintFinding{"", doc.status().message()}});
    }
    return InvalidArgumentError(FormatFindings({LintFinding{"", doc.status().message()}}));
  }
  try {
    Checker checker(options, *doc);
    ParseAll(checker, doc->root, policy);
  } catch (const Json::exception& e) {
    // Not expected: every access is type-checked first. Fail closed.
    doc->findings.push_back({"", std::string("internal error while checking: ") + e.what()});
  }
  AddLines(*doc);
  if (findings != nullptr) {
    *findings = doc->findings;
  }
  if (CountErrors(doc->findings) > 0) {
    return InvalidArgumentError(FormatFindings(doc->findings));
  }
  return policy;
}

Result<Policy> LoadPolicy(const std::string& path, std::vector<LintFinding>* findings) {
  if (findings != nullptr) {
    findings->clear();
  }
  Result<Bytes> data = ReadFile(path, kMaxPolicyFileSize);
  if (!data.ok()) {
    return data.status().WithContext("policy " + path);
  }
  ParseOptions options;
  options.base_dir = DirName(path);
  std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
  Result<Policy> policy = ParsePolicy(text, options, findings);
  if (!policy.ok()) {
    return policy.status().WithContext(path);
  }
  policy->source = path;
  return policy;
}

}  // namespace vouch::policy
