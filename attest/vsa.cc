// SLSA VSA v1 predicate (https://slsa.dev/spec/v1.0/verification_summary, formats.md 6.5).
#include "vouch/attest/vsa.h"

#include <cctype>
#include <set>
#include <utility>

#include "core/internal/json.h"

namespace vouch::attest {
namespace {

Status Invalid(const std::string& msg) { return InvalidArgumentError("vsa: " + msg); }

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return !s.empty();
}

bool AllDigits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// Track returns ("SLSA_BUILD_LEVEL_", n) for numeric SLSA levels, else ("", -1).
std::pair<std::string, int> Track(std::string_view level) {
  for (std::string_view prefix : {"SLSA_BUILD_LEVEL_", "SLSA_SOURCE_LEVEL_"}) {
    if (level.substr(0, prefix.size()) == prefix) {
      std::string_view rest = level.substr(prefix.size());
      if (AllDigits(rest) && rest.size() <= 3) {
        return {std::string(prefix), std::stoi(std::string(rest))};
      }
      return {std::string(prefix), -1};
    }
  }
  return {"", -1};
}

Status CheckDigestSet(const std::map<std::string, std::string>& digest, const std::string& field) {
  for (const auto& [alg, hex] : digest) {
    if (alg.empty()) {
      return Invalid(field + " has an empty algorithm name");
    }
    size_t want = alg == "sha256" ? 64 : alg == "sha512" ? 128 : 0;
    if (want != 0 && (hex.size() != want || !IsLowerHex(hex))) {
      return Invalid(field + "." + alg + " must be " + std::to_string(want) + " lowercase hex");
    }
    if (hex.empty()) {
      return Invalid(field + "." + alg + " is empty");
    }
  }
  return OkStatus();
}

Result<std::map<std::string, std::string>> ReadDigestSet(const Json& j, const std::string& field) {
  if (!j.is_object()) {
    return Invalid(field + " must be an object");
  }
  std::map<std::string, std::string> out;
  for (const auto& [alg, v] : j.items()) {
    if (!v.is_string()) {
      return Invalid(field + "." + alg + " must be a string");
    }
    out[alg] = v.get<std::string>();
  }
  VOUCH_RETURN_IF_ERROR(CheckDigestSet(out, field));
  return out;
}

Result<std::string> RequiredString(const Json& obj, const char* name, const std::string& field) {
  const Json* v = FindField(obj, name);
  if (v == nullptr || v->is_null()) {
    return Invalid(field + " is required");
  }
  if (!v->is_string()) {
    return Invalid(field + " must be a string");
  }
  std::string s = v->get<std::string>();
  if (s.empty()) {
    return Invalid(field + " is required");
  }
  return s;
}

// CheckLevels applies the level rules shared by the writer and the reader.
Status CheckLevels(const std::vector<std::string>& levels, const std::string& result) {
  std::set<std::string> tracks;
  for (const std::string& level : levels) {
    VOUCH_RETURN_IF_ERROR(ValidateVsaLevel(level).WithContext("vsa: verifiedLevels"));
    std::string track = Track(level).first;
    if (!track.empty() && !tracks.insert(track).second) {
      return Invalid("verifiedLevels lists more than one level of track " + track + "*");
    }
  }
  if (levels.empty() && result == kVsaPassed) {
    return Invalid("verifiedLevels must not be empty when verificationResult is PASSED");
  }
  return OkStatus();
}

Status Check(const Vsa& vsa) {
  if (vsa.verifier_id.empty()) {
    return Invalid("verifier.id is required");
  }
  if (vsa.resource_uri.empty()) {
    return Invalid("resourceUri is required");
  }
  if (vsa.policy_uri.empty()) {
    return Invalid("policy.uri is required");
  }
  VOUCH_RETURN_IF_ERROR(CheckDigestSet(vsa.policy_digest, "policy.digest"));
  if (vsa.verification_result != kVsaPassed && vsa.verification_result != kVsaFailed) {
    return Invalid("verificationResult must be PASSED or FAILED, not \"" + vsa.verification_result +
                   "\"");
  }
  VOUCH_RETURN_IF_ERROR(CheckLevels(vsa.verified_levels, vsa.verification_result));
  for (size_t i = 0; i < vsa.input_attestations.size(); ++i) {
    const VsaInput& in = vsa.input_attestations[i];
    std::string field = "inputAttestations[" + std::to_string(i) + "]";
    if (in.uri.empty() && in.digest.empty()) {
      return Invalid(field + " needs a uri or a digest");
    }
    VOUCH_RETURN_IF_ERROR(CheckDigestSet(in.digest, field + ".digest"));
  }
  if (vsa.dependency_levels) {
    for (const auto& [level, count] : *vsa.dependency_levels) {
      VOUCH_RETURN_IF_ERROR(ValidateVsaLevel(level).WithContext("vsa: dependencyLevels"));
      if (count < 0) {
        return Invalid("dependencyLevels." + level + " must not be negative");
      }
    }
  }
  return OkStatus();
}

OrderedJson DigestJson(const std::map<std::string, std::string>& digest) {
  OrderedJson d = OrderedJson::object();
  for (const auto& [alg, hex] : digest) {
    d[alg] = hex;
  }
  return d;
}

}  // namespace

std::string PolicyUri(std::string_view source, std::string_view policy_name) {
  std::string uri(source);
  if (!policy_name.empty()) {
    uri.append("#").append(policy_name);
  }
  return uri;
}

std::string PolicyNameOfUri(std::string_view policy_uri) {
  size_t hash = policy_uri.rfind('#');
  return hash == std::string_view::npos ? "" : std::string(policy_uri.substr(hash + 1));
}

std::string OciResourceUri(std::string_view repository_name) {
  return "oci://" + std::string(repository_name);
}

Status ValidateVsaLevel(std::string_view level) {
  if (level.empty()) {
    return InvalidArgumentError("level must not be empty");
  }
  if (level == "FAILED" || level == "SLSA_BUILD_LEVEL_UNEVALUATED") {
    return OkStatus();
  }
  auto [track, n] = Track(level);
  if (track == "SLSA_BUILD_LEVEL_" && n >= 0 && n <= 3) {
    return OkStatus();
  }
  if (track == "SLSA_SOURCE_LEVEL_" && n >= 0) {
    return OkStatus();
  }
  if (level.substr(0, 5) == "SLSA_") {
    return InvalidArgumentError("\"" + std::string(level) +
                                "\" is not a SLSA level (custom levels must not start with SLSA_)");
  }
  return OkStatus();
}

bool LevelSatisfies(const std::vector<std::string>& levels, std::string_view wanted) {
  auto [want_track, want_n] = Track(wanted);
  for (const std::string& have : levels) {
    if (have == wanted) {
      return true;
    }
    auto [track, n] = Track(have);
    if (!want_track.empty() && want_n >= 0 && track == want_track && n >= want_n) {
      return true;
    }
  }
  return false;
}

Result<std::string> SerializeVsaPredicate(const Vsa& vsa) {
  VOUCH_RETURN_IF_ERROR(Check(vsa));
  OrderedJson j = OrderedJson::object();
  OrderedJson verifier = OrderedJson::object();
  verifier["id"] = vsa.verifier_id;
  if (!vsa.verifier_version.empty()) {
    OrderedJson version = OrderedJson::object();
    for (const auto& [component, v] : vsa.verifier_version) {
      version[component] = v;
    }
    verifier["version"] = std::move(version);
  }
  j["verifier"] = std::move(verifier);
  if (vsa.time_verified) {
    j["timeVerified"] = FormatRfc3339(*vsa.time_verified);
  }
  j["resourceUri"] = vsa.resource_uri;
  OrderedJson policy = OrderedJson::object();
  policy["uri"] = vsa.policy_uri;
  if (!vsa.policy_digest.empty()) {
    policy["digest"] = DigestJson(vsa.policy_digest);
  }
  j["policy"] = std::move(policy);
  if (!vsa.input_attestations.empty()) {
    OrderedJson inputs = OrderedJson::array();
    for (const VsaInput& in : vsa.input_attestations) {
      OrderedJson e = OrderedJson::object();
      if (!in.uri.empty()) {
        e["uri"] = in.uri;
      }
      if (!in.digest.empty()) {
        e["digest"] = DigestJson(in.digest);
      }
      inputs.push_back(std::move(e));
    }
    j["inputAttestations"] = std::move(inputs);
  }
  j["verificationResult"] = vsa.verification_result;
  j["verifiedLevels"] = vsa.verified_levels;
  if (vsa.dependency_levels) {
    OrderedJson deps = OrderedJson::object();
    for (const auto& [level, count] : *vsa.dependency_levels) {
      deps[level] = count;
    }
    j["dependencyLevels"] = std::move(deps);
  }
  if (!vsa.slsa_version.empty()) {
    j["slsaVersion"] = vsa.slsa_version;
  }
  return DumpJson(j);
}

Result<Vsa> ParseVsaPredicate(std::string_view predicate_json) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(predicate_json, "vsa predicate"));
  if (!j.is_object()) {
    return Invalid("predicate must be a JSON object");
  }
  Vsa vsa;
  const Json* verifier = FindField(j, "verifier");
  if (verifier == nullptr || !verifier->is_object()) {
    return Invalid("verifier is required and must be an object");
  }
  VOUCH_ASSIGN_OR_RETURN(vsa.verifier_id, RequiredString(*verifier, "id", "verifier.id"));
  if (const Json* v = FindField(*verifier, "version"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) {
      return Invalid("verifier.version must be an object");
    }
    for (const auto& [component, value] : v->items()) {
      if (!value.is_string()) {
        return Invalid("verifier.version." + component + " must be a string");
      }
      vsa.verifier_version[component] = value.get<std::string>();
    }
  }
  if (const Json* t = FindField(j, "timeVerified"); t != nullptr && !t->is_null()) {
    if (!t->is_string()) {
      return Invalid("timeVerified must be a string");
    }
    Result<TimePoint> when = ParseRfc3339(t->get<std::string>());
    if (!when.ok()) {
      return Invalid("timeVerified \"" + t->get<std::string>() + "\" is not RFC 3339");
    }
    vsa.time_verified = *when;
  }
  VOUCH_ASSIGN_OR_RETURN(vsa.resource_uri, RequiredString(j, "resourceUri", "resourceUri"));
  const Json* policy = FindField(j, "policy");
  if (policy == nullptr || !policy->is_object()) {
    return Invalid("policy is required and must be an object");
  }
  VOUCH_ASSIGN_OR_RETURN(vsa.policy_uri, RequiredString(*policy, "uri", "policy.uri"));
  if (const Json* d = FindField(*policy, "digest"); d != nullptr && !d->is_null()) {
    VOUCH_ASSIGN_OR_RETURN(vsa.policy_digest, ReadDigestSet(*d, "policy.digest"));
  }
  if (const Json* inputs = FindField(j, "inputAttestations");
      inputs != nullptr && !inputs->is_null()) {
    if (!inputs->is_array()) {
      return Invalid("inputAttestations must be an array");
    }
    for (size_t i = 0; i < inputs->size(); ++i) {
      const Json& e = (*inputs)[i];
      std::string field = "inputAttestations[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        return Invalid(field + " must be an object");
      }
      VsaInput in;
      if (const Json* u = FindField(e, "uri"); u != nullptr && !u->is_null()) {
        if (!u->is_string()) {
          return Invalid(field + ".uri must be a string");
        }
        in.uri = u->get<std::string>();
      }
      if (const Json* d = FindField(e, "digest"); d != nullptr && !d->is_null()) {
        VOUCH_ASSIGN_OR_RETURN(in.digest, ReadDigestSet(*d, field + ".digest"));
      }
      vsa.input_attestations.push_back(std::move(in));
    }
  }
  VOUCH_ASSIGN_OR_RETURN(vsa.verification_result,
                         RequiredString(j, "verificationResult", "verificationResult"));
  const Json* levels = FindField(j, "verifiedLevels");
  if (levels == nullptr || !levels->is_array()) {
    return Invalid("verifiedLevels is required and must be an array");
  }
  for (const Json& l : *levels) {
    if (!l.is_string()) {
      return Invalid("verifiedLevels entries must be strings");
    }
    vsa.verified_levels.push_back(l.get<std::string>());
  }
  if (const Json* deps = FindField(j, "dependencyLevels"); deps != nullptr && !deps->is_null()) {
    if (!deps->is_object()) {
      return Invalid("dependencyLevels must be an object");
    }
    std::map<std::string, int64_t> counts;
    for (const auto& [level, count] : deps->items()) {
      if (!count.is_number_integer()) {
        return Invalid("dependencyLevels." + level + " must be an integer");
      }
      counts[level] = count.get<int64_t>();
    }
    vsa.dependency_levels = std::move(counts);
  }
  if (const Json* v = FindField(j, "slsaVersion"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) {
      return Invalid("slsaVersion must be a string");
    }
    vsa.slsa_version = v->get<std::string>();
  }
  VOUCH_RETURN_IF_ERROR(Check(vsa));
  return vsa;
}

Result<Statement> VsaStatement(const Vsa& vsa, std::string_view subject_name,
                               const Digest& subject) {
  VOUCH_ASSIGN_OR_RETURN(std::string predicate, SerializeVsaPredicate(vsa));
  ResourceDescriptor rd;
  rd.name = std::string(subject_name);
  rd.digest[std::string(HashAlgorithmName(subject.algorithm()))] = subject.Hex();
  return Statement::Create({std::move(rd)}, std::string(kVsaPredicateType), predicate);
}

}  // namespace vouch::attest
