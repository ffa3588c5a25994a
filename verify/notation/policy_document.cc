// Notation trust policy documents (trust-store-trust-policy.md, version 1.0): parsing,
// validation, verification levels and statement selection.
#include <algorithm>
#include <set>

#include "core/internal/json.h"
#include "vouch/core/regexp.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

constexpr std::string_view kCheckNames[kCheckCount] = {"integrity", "authenticity",
                                                       "authenticTimestamp", "expiry",
                                                       "revocation"};

// The level table of the specification: integrity, authenticity, authenticTimestamp, expiry,
// revocation.
struct NamedLevel {
  std::string_view name;
  std::array<Action, kCheckCount> actions;
};
constexpr Action E = Action::kEnforce, L = Action::kLog, S = Action::kSkip;
constexpr NamedLevel kLevels[] = {
    {"strict", {E, E, E, E, E}},
    {"permissive", {E, E, L, L, L}},
    {"audit", {E, L, L, L, L}},
    {"skip", {S, S, S, S, S}},
};

Status Invalid(std::string message) { return InvalidArgumentError(std::move(message)); }

Result<std::vector<std::string>> StringList(const Json& obj, std::string_view field,
                                            const std::string& what) {
  std::vector<std::string> out;
  const Json* list = FindField(obj, field);
  if (list == nullptr || list->is_null()) {
    return out;
  }
  if (!list->is_array()) {
    return Invalid(what + ": " + std::string(field) + " is not an array");
  }
  for (const Json& item : *list) {
    if (!item.is_string()) {
      return Invalid(what + ": " + std::string(field) + " holds a value that is not a string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<VerificationLevel> LevelFromJson(const Json& sv) {
  if (!sv.is_object()) {
    return Invalid("signatureVerification is not an object");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string name, GetString(sv, "level", "signatureVerification"));
  auto named = std::find_if(std::begin(kLevels), std::end(kLevels),
                            [&](const NamedLevel& l) { return l.name == name; });
  if (named == std::end(kLevels)) {
    return Invalid("invalid signatureVerification level \"" + name + "\"");
  }
  VerificationLevel level;
  level.name = name;
  level.actions = named->actions;
  if (const Json* o = FindField(sv, "override"); o != nullptr && !o->is_null()) {
    if (!o->is_object()) {
      return Invalid("signatureVerification.override is not an object");
    }
    if (level.skip() && !o->empty()) {
      return Invalid("signatureVerification level skip cannot be overridden");
    }
    for (const auto& [check, value] : o->items()) {
      auto it = std::find(std::begin(kCheckNames), std::end(kCheckNames), check);
      if (it == std::end(kCheckNames) || check == "integrity") {
        return Invalid("signatureVerification.override: \"" + check +
                       "\" is not a check that can be overridden");
      }
      std::string action = value.is_string() ? value.get<std::string>() : "";
      Action a;
      if (action == "enforce") {
        a = Action::kEnforce;
      } else if (action == "log") {
        a = Action::kLog;
      } else if (action == "skip" && check == "revocation") {
        a = Action::kSkip;
      } else {
        return Invalid("signatureVerification.override: \"" + action +
                       "\" is not a valid action for " + check);
      }
      level.actions[static_cast<size_t>(it - std::begin(kCheckNames))] = a;
    }
  }
  if (const Json* vt = FindField(sv, "verifyTimestamp"); vt != nullptr && !vt->is_null()) {
    std::string v = vt->is_string() ? vt->get<std::string>() : "";
    if (v != "always" && v != "afterCertExpiry") {
      return Invalid("signatureVerification.verifyTimestamp \"" + v +
                     "\" is not always or afterCertExpiry");
    }
    level.verify_timestamp_always = v == "always";
  }
  return level;
}

// ValidScope: a fully qualified repository "host[:port]/path", without tag or digest.
bool ValidScope(const std::string& scope) {
  size_t slash = scope.find('/');
  if (slash == std::string::npos || slash == 0) {
    return false;
  }
  std::string_view path = std::string_view(scope).substr(slash + 1);
  if (path.find_first_of(":@*") != std::string_view::npos || scope.find('*') != std::string::npos) {
    return false;
  }
  return registry::ParseReference(scope).ok();
}

Status ValidateScopes(const std::vector<Statement>& statements) {
  std::set<std::string> seen;
  for (const Statement& s : statements) {
    const std::string what = "trust policy statement \"" + s.name + "\"";
    if (s.registry_scopes.empty()) {
      return Invalid(what + " has zero registry scopes");
    }
    for (const std::string& scope : s.registry_scopes) {
      if (scope == "*" && s.registry_scopes.size() > 1) {
        return Invalid(what + " uses the wildcard registry scope '*' with other scopes");
      }
      if (scope != "*" && !ValidScope(scope)) {
        return Invalid("registry scope \"" + scope +
                       "\" is not a fully qualified repository (host/path, no tag or digest)");
      }
      if (!seen.insert(scope).second) {
        return Invalid("registry scope \"" + scope + "\" is in more than one statement");
      }
    }
  }
  return OkStatus();
}

Status ValidateStores(const Statement& s, const std::string& what) {
  static const Result<Regexp> kName = Regexp::Compile("^[a-zA-Z0-9_.-]+$");
  for (const std::string& spec : s.trust_stores) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos) {
      return Invalid(what + " has a malformed trust store \"" + spec +
                     "\" (the form is TYPE:NAME)");
    }
    std::string type = spec.substr(0, colon), name = spec.substr(colon + 1);
    if (type != "ca" && type != "signingAuthority" && type != "tsa") {
      return Invalid(what + " uses an unsupported trust store type \"" + type + "\"");
    }
    if (!kName.ok() || !kName->FullMatches(name)) {
      return Invalid(what + " uses an unsupported trust store name \"" + name + "\"");
    }
  }
  return OkStatus();
}

bool Subset(const DistinguishedName& a, const DistinguishedName& b) {
  return std::all_of(a.begin(), a.end(), [&](const auto& kv) {
    auto it = b.find(kv.first);
    return it != b.end() && it->second == kv.second;
  });
}

Status ValidateIdentities(const Statement& s, const std::string& what) {
  std::vector<std::pair<std::string, DistinguishedName>> dns;
  for (const std::string& id : s.trusted_identities) {
    if (id.empty()) {
      return Invalid(what + " has an empty trusted identity");
    }
    if (id == "*") {
      if (s.trusted_identities.size() > 1) {
        return Invalid(what + " uses the wildcard trusted identity '*' with other values");
      }
      continue;
    }
    size_t colon = id.find(':');
    if (colon == std::string::npos) {
      return Invalid(what + " has trusted identity \"" + id + "\" missing separator");
    }
    if (colon + 1 == id.size()) {
      return Invalid(what + " has trusted identity \"" + id + "\" without a value");
    }
    if (id.compare(0, kX509SubjectPrefix.size(), kX509SubjectPrefix) != 0) {
      continue;  // another identity type: ignored, as notation ignores it
    }
    Result<DistinguishedName> dn = ParseDistinguishedName(id.substr(kX509SubjectPrefix.size()));
    if (!dn.ok()) {
      return Invalid(what + " has trusted identity \"" + id + "\": " + dn.status().message());
    }
    for (const char* required : {"C", "O"}) {
      if (!dn->contains(required)) {
        return Invalid(what + " has trusted identity \"" + id + "\" without the mandatory " +
                       required + " attribute (C, ST or S, and O are required)");
      }
    }
    if (!dn->contains("ST") && !dn->contains("S")) {
      return Invalid(what + " has trusted identity \"" + id +
                     "\" without the mandatory ST attribute (C, ST or S, and O are required)");
    }
    for (const auto& [other, other_dn] : dns) {
      if (Subset(*dn, other_dn) || Subset(other_dn, *dn)) {
        return Invalid(what + " has overlapping trusted identities \"" + other + "\" and \"" +
                       id + "\"");
      }
    }
    dns.emplace_back(id, std::move(dn).value());
  }
  return OkStatus();
}

Result<Statement> StatementFromJson(const Json& j, DocumentKind kind) {
  if (!j.is_object()) {
    return Invalid("a trust policy statement is not an object");
  }
  Statement s;
  if (const Json* n = FindField(j, "name"); n != nullptr && n->is_string()) {
    s.name = n->get<std::string>();
  }
  if (s.name.empty()) {
    return Invalid("a trust policy statement is missing a name");
  }
  const std::string what = "trust policy statement \"" + s.name + "\"";
  VOUCH_ASSIGN_OR_RETURN(s.registry_scopes, StringList(j, "registryScopes", what));
  if (kind == DocumentKind::kBlob && FindField(j, "registryScopes") != nullptr) {
    return Invalid(what + ": a blob trust policy statement has no registryScopes");
  }
  if (const Json* g = FindField(j, "globalPolicy"); g != nullptr && !g->is_null()) {
    if (kind != DocumentKind::kBlob || !g->is_boolean()) {
      return Invalid(what + ": globalPolicy is a boolean of blob trust policies only");
    }
    s.global = g->get<bool>();
  }
  const Json* sv = FindField(j, "signatureVerification");
  if (sv == nullptr) {
    return Invalid(what + " has no signatureVerification");
  }
  Result<VerificationLevel> level = LevelFromJson(*sv);
  if (!level.ok()) {
    return Invalid(what + " has invalid signatureVerification: " + level.status().message());
  }
  s.level = std::move(level).value();
  VOUCH_ASSIGN_OR_RETURN(s.trust_stores, StringList(j, "trustStores", what));
  VOUCH_ASSIGN_OR_RETURN(s.trusted_identities, StringList(j, "trustedIdentities", what));
  if (s.level.skip()) {
    if (!s.trust_stores.empty() || !s.trusted_identities.empty()) {
      return Invalid(what + " is set to skip signature verification but configures trust "
                            "stores or trusted identities");
    }
    return s;
  }
  if (s.trust_stores.empty() || s.trusted_identities.empty()) {
    return Invalid(what + " is missing trust stores or trusted identities");
  }
  VOUCH_RETURN_IF_ERROR(ValidateStores(s, what));
  VOUCH_RETURN_IF_ERROR(ValidateIdentities(s, what));
  return s;
}

}  // namespace

std::string_view CheckName(Check check) { return kCheckNames[static_cast<size_t>(check)]; }

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kEnforce:
      return "enforce";
    case Action::kLog:
      return "log";
    case Action::kSkip:
      return "skip";
  }
  return "";
}

Result<VerificationLevel> ParseVerificationLevel(std::string_view json) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(json, "signatureVerification"));
  return LevelFromJson(j);
}

Result<TrustPolicyDocument> ParseTrustPolicy(std::string_view json, DocumentKind kind) {
  const std::string what = kind == DocumentKind::kOci ? "oci trust policy" : "blob trust policy";
  if (json.size() > kMaxTrustPolicySize) {
    return Invalid(what + " document is larger than 1 MiB");
  }
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(json, what + " document"));
  if (!j.is_object()) {
    return Invalid(what + " document is not a JSON object");
  }
  const Json* version = FindField(j, "version");
  std::string v = version != nullptr && version->is_string() ? version->get<std::string>() : "";
  if (v != "1.0") {
    return Invalid(what + " document uses unsupported version \"" + v + "\" (1.0 is supported)");
  }
  const Json* list = FindField(j, "trustPolicies");
  if (list == nullptr || !list->is_array() || list->empty()) {
    return Invalid(what + " document can not have zero trust policy statements");
  }
  TrustPolicyDocument doc;
  doc.kind = kind;
  std::set<std::string> names;
  size_t globals = 0;
  for (const Json& item : *list) {
    Result<Statement> s = StatementFromJson(item, kind);
    if (!s.ok()) {
      return Invalid(what + ": " + s.status().message());
    }
    if (!names.insert(s->name).second) {
      return Invalid(what + ": more than one statement is named \"" + s->name + "\"");
    }
    globals += s->global ? 1 : 0;
    doc.statements.push_back(std::move(s).value());
  }
  if (globals > 1) {
    return Invalid(what + ": more than one statement sets globalPolicy");
  }
  if (kind == DocumentKind::kOci) {
    if (Status st = ValidateScopes(doc.statements); !st.ok()) {
      return Invalid(what + ": " + st.message());
    }
  }
  return doc;
}

Result<const Statement*> SelectOci(const TrustPolicyDocument& doc, std::string_view repository) {
  const Statement* wildcard = nullptr;
  for (const Statement& s : doc.statements) {
    for (const std::string& scope : s.registry_scopes) {
      if (scope == repository) {
        return &s;
      }
      if (scope == "*") {
        wildcard = &s;
      }
    }
  }
  if (wildcard != nullptr) {
    return wildcard;
  }
  return NotFoundError("artifact \"" + std::string(repository) +
                       "\" has no applicable trust policy statement");
}

Result<const Statement*> SelectBlob(const TrustPolicyDocument& doc, std::string_view name) {
  for (const Statement& s : doc.statements) {
    if (name.empty() ? s.global : s.name == name) {
      return &s;
    }
  }
  if (name.empty()) {
    return NotFoundError("the blob trust policy has no globalPolicy statement: name one");
  }
  return NotFoundError("no applicable blob trust policy statement named \"" + std::string(name) +
                       "\"");
}

}  // namespace vouch::verify::notation
