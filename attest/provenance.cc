#include "vouch/attest/provenance.h"

#include <utility>

#include "core/internal/json.h"
#include "resource_descriptor_json.h"

namespace vouch::attest {
namespace {

constexpr std::string_view kWhat = "provenance";

Status Invalid(const std::string& msg) { return InvalidArgumentError("provenance: " + msg); }

Result<OrderedJson> ObjectText(const std::string& text, const std::string& field) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseOrderedJson(text, field));
  if (!j.is_object()) {
    return Invalid(field + " must be a JSON object");
  }
  return j;
}

// StringAt returns the string at obj[a][b]..., "" when any step is absent or null, and an error
// when a step has the wrong type.
Result<std::string> StringAt(const Json& root, std::initializer_list<const char*> path) {
  const Json* cur = &root;
  std::string where;
  for (const char* step : path) {
    where += where.empty() ? step : std::string(".") + step;
    if (!cur->is_object()) {
      return Invalid(where + ": parent is not an object");
    }
    auto it = cur->find(step);
    if (it == cur->end() || it->is_null()) {
      return std::string();
    }
    cur = &*it;
  }
  if (!cur->is_string()) {
    return Invalid(where + " must be a string");
  }
  return cur->get<std::string>();
}

Result<std::optional<TimePoint>> TimeAt(const Json& root, std::initializer_list<const char*> path) {
  VOUCH_ASSIGN_OR_RETURN(std::string text, StringAt(root, path));
  if (text.empty()) {
    return std::optional<TimePoint>();
  }
  Result<TimePoint> t = ParseRfc3339(text);
  if (!t.ok()) {
    return Invalid("time \"" + text + "\" is not RFC 3339");
  }
  return std::optional<TimePoint>(*t);
}

// LenientDescriptors reads resolvedDependencies or materials: uri, name and string digest values,
// no digest length checks (real v0.2 output puts a 40-hex commit under "sha256").
Result<std::vector<ResourceDescriptor>> LenientDescriptors(const Json* arr, const std::string& f) {
  std::vector<ResourceDescriptor> out;
  if (arr == nullptr || arr->is_null()) {
    return out;
  }
  if (!arr->is_array()) {
    return Invalid(f + " must be an array");
  }
  for (const Json& e : *arr) {
    if (!e.is_object()) {
      return Invalid(f + " entries must be objects");
    }
    ResourceDescriptor rd;
    VOUCH_ASSIGN_OR_RETURN(rd.uri, StringAt(e, {"uri"}));
    VOUCH_ASSIGN_OR_RETURN(rd.name, StringAt(e, {"name"}));
    if (const Json* d = FindField(e, "digest"); d != nullptr && !d->is_null()) {
      if (!d->is_object()) {
        return Invalid(f + ".digest must be an object");
      }
      for (const auto& [alg, v] : d->items()) {
        if (!v.is_string()) {
          std::string field = f;
          field.append(".digest.").append(alg).append(" must be a string");
          return Invalid(field);
        }
        rd.digest[alg] = v.get<std::string>();
      }
    }
    out.push_back(std::move(rd));
  }
  return out;
}

std::string CommitOf(const ResourceDescriptor& rd) {
  for (const char* key : {"gitCommit", "sha1"}) {
    if (auto it = rd.digest.find(key); it != rd.digest.end()) {
      return it->second;
    }
  }
  return rd.digest.empty() ? "" : rd.digest.begin()->second;
}

const ResourceDescriptor* FirstGit(const std::vector<ResourceDescriptor>& deps) {
  for (const ResourceDescriptor& rd : deps) {
    if (rd.uri.rfind("git+", 0) == 0) {
      return &rd;
    }
  }
  return nullptr;
}

Result<NormalizedProvenance> NormalizeV1(const Json& p) {
  NormalizedProvenance n;
  n.predicate_type = std::string(kSlsaProvenanceV1);
  VOUCH_ASSIGN_OR_RETURN(n.builder_id, StringAt(p, {"runDetails", "builder", "id"}));
  VOUCH_ASSIGN_OR_RETURN(n.build_type, StringAt(p, {"buildDefinition", "buildType"}));
  const Json* bd = FindField(p, "buildDefinition");
  VOUCH_ASSIGN_OR_RETURN(n.dependencies, LenientDescriptors(FindField(*bd, "resolvedDependencies"),
                                                            "resolvedDependencies"));
  const Json& ext = *FindField(*bd, "externalParameters");
  std::string workflow_ref;
  std::string workflow_repo;
  if (const Json* wf = FindField(ext, "workflow"); wf != nullptr && wf->is_object()) {
    VOUCH_ASSIGN_OR_RETURN(workflow_ref, StringAt(*wf, {"ref"}));
    VOUCH_ASSIGN_OR_RETURN(workflow_repo, StringAt(*wf, {"repository"}));
  }
  std::string uri_ref;
  if (const ResourceDescriptor* src = FirstGit(n.dependencies); src != nullptr) {
    std::tie(n.source_uri, uri_ref) = SplitSourceUri(src->uri);
    n.source_digest = CommitOf(*src);
  } else if (!workflow_repo.empty()) {
    n.source_uri = workflow_repo;
  } else if (const Json* s = FindField(ext, "source"); s != nullptr && s->is_string()) {
    std::tie(n.source_uri, uri_ref) = SplitSourceUri(s->get<std::string>());
  }
  n.source_ref = workflow_ref.empty() ? uri_ref : workflow_ref;
  VOUCH_ASSIGN_OR_RETURN(n.invocation_id, StringAt(p, {"runDetails", "metadata", "invocationId"}));
  VOUCH_ASSIGN_OR_RETURN(n.started_on, TimeAt(p, {"runDetails", "metadata", "startedOn"}));
  VOUCH_ASSIGN_OR_RETURN(n.finished_on, TimeAt(p, {"runDetails", "metadata", "finishedOn"}));
  return n;
}

Result<NormalizedProvenance> NormalizeV02(const Json& p) {
  NormalizedProvenance n;
  n.predicate_type = std::string(kSlsaProvenanceV02);
  VOUCH_ASSIGN_OR_RETURN(n.builder_id, StringAt(p, {"builder", "id"}));
  if (n.builder_id.empty()) {
    return Invalid("v0.2 builder.id is required");
  }
  VOUCH_ASSIGN_OR_RETURN(n.build_type, StringAt(p, {"buildType"}));
  VOUCH_ASSIGN_OR_RETURN(n.dependencies,
                         LenientDescriptors(FindField(p, "materials"), "materials"));
  VOUCH_ASSIGN_OR_RETURN(std::string config_uri,
                         StringAt(p, {"invocation", "configSource", "uri"}));
  std::string uri_ref;
  if (!config_uri.empty()) {
    std::tie(n.source_uri, uri_ref) = SplitSourceUri(config_uri);
    const Json* cs = FindField(*FindField(p, "invocation"), "configSource");
    ResourceDescriptor rd;
    if (const Json* d = FindField(*cs, "digest"); d != nullptr && d->is_object()) {
      for (const auto& [alg, v] : d->items()) {
        if (v.is_string()) {
          rd.digest[alg] = v.get<std::string>();
        }
      }
    }
    n.source_digest = CommitOf(rd);
  } else if (const ResourceDescriptor* src = FirstGit(n.dependencies); src != nullptr) {
    std::tie(n.source_uri, uri_ref) = SplitSourceUri(src->uri);
    n.source_digest = CommitOf(*src);
  }
  VOUCH_ASSIGN_OR_RETURN(std::string env_ref,
                         StringAt(p, {"invocation", "environment", "github_ref"}));
  n.source_ref = env_ref.empty() ? uri_ref : env_ref;
  VOUCH_ASSIGN_OR_RETURN(n.invocation_id, StringAt(p, {"metadata", "buildInvocationId"}));
  if (n.invocation_id.empty()) {  // slsa-github-generator spells it buildInvocationID
    VOUCH_ASSIGN_OR_RETURN(n.invocation_id, StringAt(p, {"metadata", "buildInvocationID"}));
  }
  VOUCH_ASSIGN_OR_RETURN(n.started_on, TimeAt(p, {"metadata", "buildStartedOn"}));
  VOUCH_ASSIGN_OR_RETURN(n.finished_on, TimeAt(p, {"metadata", "buildFinishedOn"}));
  return n;
}

std::string Get(const std::map<std::string, std::string>& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

Result<std::string> Need(const std::map<std::string, std::string>& env, const std::string& name,
                         std::string_view ci) {
  std::string v = Get(env, name);
  if (v.empty()) {
    return InvalidArgumentError(std::string(ci) + " detected but " + name +
                                " is not set: it is needed for the provenance");
  }
  return v;
}

bool IsLowerHexOfLength(std::string_view s, size_t a, size_t b) {
  if (s.size() != a && s.size() != b) {
    return false;
  }
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

Result<ProvenanceV1> FromGitHub(const std::map<std::string, std::string>& env) {
  constexpr std::string_view kCi = "GitHub Actions (GITHUB_ACTIONS=true)";
  std::string server = Get(env, "GITHUB_SERVER_URL");
  if (server.empty()) {
    server = "https://github.com";
  }
  VOUCH_ASSIGN_OR_RETURN(std::string repo, Need(env, "GITHUB_REPOSITORY", kCi));
  VOUCH_ASSIGN_OR_RETURN(std::string sha, Need(env, "GITHUB_SHA", kCi));
  VOUCH_ASSIGN_OR_RETURN(std::string ref, Need(env, "GITHUB_REF", kCi));
  ProvenanceV1 p;
  p.build_type = std::string(kGitHubActionsBuildType);
  std::string runner = Get(env, "RUNNER_ENVIRONMENT");
  p.builder_id = server + "/actions/runner/" + (runner.empty() ? "github-hosted" : runner);

  // externalParameters.workflow as actions/toolkit provenance.ts derives it from
  // GITHUB_WORKFLOW_REF ("owner/repo/.github/workflows/x.yml@refs/heads/main").
  OrderedJson workflow = OrderedJson::object();
  std::string wf_ref = ref;
  std::string path;
  std::string workflow_ref = Get(env, "GITHUB_WORKFLOW_REF");
  if (!workflow_ref.empty()) {
    size_t at = workflow_ref.find('@');
    std::string before = workflow_ref.substr(0, at);
    if (at != std::string::npos) {
      wf_ref = workflow_ref.substr(at + 1);
    }
    path = before.rfind(repo + "/", 0) == 0 ? before.substr(repo.size() + 1) : before;
  }
  workflow["ref"] = wf_ref;
  workflow["repository"] = server + "/" + repo;
  if (!path.empty()) {
    workflow["path"] = path;
  }
  OrderedJson ext = OrderedJson::object();
  ext["workflow"] = std::move(workflow);
  p.external_parameters_json = DumpJson(ext);

  OrderedJson gh = OrderedJson::object();
  for (auto [key, var] : {std::pair{"event_name", "GITHUB_EVENT_NAME"},
                          std::pair{"repository_id", "GITHUB_REPOSITORY_ID"},
                          std::pair{"repository_owner_id", "GITHUB_REPOSITORY_OWNER_ID"},
                          std::pair{"runner_environment", "RUNNER_ENVIRONMENT"}}) {
    if (std::string v = Get(env, var); !v.empty()) {
      gh[key] = v;
    }
  }
  OrderedJson internal = OrderedJson::object();
  internal["github"] = std::move(gh);
  p.internal_parameters_json = DumpJson(internal);

  VOUCH_ASSIGN_OR_RETURN(ResourceDescriptor src,
                         SourceDependency(server + "/" + repo, ref, "gitCommit:" + sha));
  p.resolved_dependencies.push_back(std::move(src));
  std::string run_id = Get(env, "GITHUB_RUN_ID");
  if (!run_id.empty()) {
    std::string attempt = Get(env, "GITHUB_RUN_ATTEMPT");
    p.invocation_id = server + "/" + repo + "/actions/runs/" + run_id + "/attempts/" +
                      (attempt.empty() ? "1" : attempt);
  }
  return p;
}

Result<ProvenanceV1> FromGitLab(const std::map<std::string, std::string>& env) {
  constexpr std::string_view kCi = "GitLab CI (GITLAB_CI=true)";
  VOUCH_ASSIGN_OR_RETURN(std::string project, Need(env, "CI_PROJECT_URL", kCi));
  VOUCH_ASSIGN_OR_RETURN(std::string sha, Need(env, "CI_COMMIT_SHA", kCi));
  std::string ref;
  if (std::string tag = Get(env, "CI_COMMIT_TAG"); !tag.empty()) {
    ref = "refs/tags/" + tag;
  } else {
    VOUCH_ASSIGN_OR_RETURN(std::string branch, Need(env, "CI_COMMIT_REF_NAME", kCi));
    ref = "refs/heads/" + branch;
  }
  ProvenanceV1 p;
  p.build_type = std::string(kGitLabCiBuildType);
  // GitLab Runner's own provenance names the runner this way (formats.md section 6.6).
  std::string runner = Get(env, "CI_RUNNER_ID");
  p.builder_id = project + "/-/runners/" + (runner.empty() ? "unknown" : runner);

  OrderedJson workflow = OrderedJson::object();
  workflow["ref"] = ref;
  workflow["repository"] = project;
  std::string config = Get(env, "CI_CONFIG_PATH");
  workflow["path"] = config.empty() ? ".gitlab-ci.yml" : config;
  OrderedJson ext = OrderedJson::object();
  ext["workflow"] = std::move(workflow);
  if (std::string job = Get(env, "CI_JOB_NAME"); !job.empty()) {
    ext["job"] = job;
  }
  p.external_parameters_json = DumpJson(ext);

  OrderedJson gl = OrderedJson::object();
  for (auto [key, var] : {std::pair{"pipeline_source", "CI_PIPELINE_SOURCE"},
                          std::pair{"pipeline_id", "CI_PIPELINE_ID"},
                          std::pair{"job_id", "CI_JOB_ID"}, std::pair{"runner_id", "CI_RUNNER_ID"},
                          std::pair{"runner_description", "CI_RUNNER_DESCRIPTION"},
                          std::pair{"architecture", "CI_RUNNER_EXECUTABLE_ARCH"}}) {
    if (std::string v = Get(env, var); !v.empty()) {
      gl[key] = v;
    }
  }
  OrderedJson internal = OrderedJson::object();
  internal["gitlab"] = std::move(gl);
  p.internal_parameters_json = DumpJson(internal);

  VOUCH_ASSIGN_OR_RETURN(ResourceDescriptor src,
                         SourceDependency(project, ref, "gitCommit:" + sha));
  p.resolved_dependencies.push_back(std::move(src));
  p.invocation_id = Get(env, "CI_JOB_URL");
  if (std::string started = Get(env, "CI_JOB_STARTED_AT"); !started.empty()) {
    Result<TimePoint> t = ParseRfc3339(started);
    if (!t.ok()) {
      return InvalidArgumentError("CI_JOB_STARTED_AT \"" + started + "\" is not RFC 3339");
    }
    p.started_on = *t;
  }
  return p;
}

}  // namespace

Result<std::string> SerializeProvenanceV1(const ProvenanceV1& p) {
  if (p.build_type.empty()) {
    return Invalid("buildDefinition.buildType is required");
  }
  if (p.builder_id.empty()) {
    return Invalid("runDetails.builder.id is required");
  }
  OrderedJson bd = OrderedJson::object();
  bd["buildType"] = p.build_type;
  VOUCH_ASSIGN_OR_RETURN(
      bd["externalParameters"],
      ObjectText(p.external_parameters_json.empty() ? "{}" : p.external_parameters_json,
                 "buildDefinition.externalParameters"));
  if (!p.internal_parameters_json.empty()) {
    VOUCH_ASSIGN_OR_RETURN(
        bd["internalParameters"],
        ObjectText(p.internal_parameters_json, "buildDefinition.internalParameters"));
  }
  if (!p.resolved_dependencies.empty()) {
    OrderedJson deps = OrderedJson::array();
    for (const ResourceDescriptor& rd : p.resolved_dependencies) {
      VOUCH_ASSIGN_OR_RETURN(OrderedJson dep, internal::ResourceDescriptorJson(rd));
      deps.push_back(std::move(dep));
    }
    bd["resolvedDependencies"] = std::move(deps);
  }
  OrderedJson rd = OrderedJson::object();
  rd["builder"] = OrderedJson::object({{"id", p.builder_id}});
  OrderedJson md = OrderedJson::object();
  if (!p.invocation_id.empty()) {
    md["invocationId"] = p.invocation_id;
  }
  if (p.started_on.has_value()) {
    md["startedOn"] = FormatRfc3339(*p.started_on);
  }
  if (p.finished_on.has_value()) {
    md["finishedOn"] = FormatRfc3339(*p.finished_on);
  }
  if (!md.empty()) {
    rd["metadata"] = std::move(md);
  }
  OrderedJson out = OrderedJson::object();
  out["buildDefinition"] = std::move(bd);
  out["runDetails"] = std::move(rd);
  std::string text = DumpJson(out);
  VOUCH_RETURN_IF_ERROR(ValidateSlsaProvenanceV1(text));
  return text;
}

bool IsProvenanceType(std::string_view predicate_type) {
  return predicate_type == kSlsaProvenanceV1 || predicate_type == kSlsaProvenanceV02;
}

Result<NormalizedProvenance> NormalizeProvenance(std::string_view predicate_type,
                                                 std::string_view predicate_json) {
  if (!IsProvenanceType(predicate_type)) {
    return InvalidArgumentError("predicate type " + std::string(predicate_type) +
                                " is not SLSA provenance v1 or v0.2");
  }
  VOUCH_ASSIGN_OR_RETURN(Json p, ParseJson(predicate_json, kWhat));
  if (!p.is_object()) {
    return Invalid("predicate must be a JSON object");
  }
  if (predicate_type == kSlsaProvenanceV1) {
    VOUCH_RETURN_IF_ERROR(ValidateSlsaProvenanceV1(predicate_json));
    return NormalizeV1(p);
  }
  return NormalizeV02(p);
}

std::pair<std::string, std::string> SplitSourceUri(std::string_view uri) {
  size_t scheme = uri.find("://");
  size_t path_start = scheme == std::string_view::npos ? 0 : uri.find('/', scheme + 3);
  if (path_start == std::string_view::npos) {
    return {std::string(uri), ""};
  }
  size_t at = uri.find('@', path_start);
  if (at == std::string_view::npos) {
    return {std::string(uri), ""};
  }
  return {std::string(uri.substr(0, at)), std::string(uri.substr(at + 1))};
}

CiSystem DetectCi(const std::map<std::string, std::string>& env) {
  if (Get(env, "GITHUB_ACTIONS") == "true") {
    return CiSystem::kGitHubActions;
  }
  if (Get(env, "GITLAB_CI") == "true") {
    return CiSystem::kGitLabCi;
  }
  return CiSystem::kNone;
}

Result<ProvenanceV1> ProvenanceFromCi(CiSystem ci, const std::map<std::string, std::string>& env) {
  switch (ci) {
    case CiSystem::kGitHubActions:
      return FromGitHub(env);
    case CiSystem::kGitLabCi:
      return FromGitLab(env);
    case CiSystem::kNone:
      break;
  }
  return ProvenanceV1{};
}

Result<ResourceDescriptor> SourceDependency(std::string_view repo, std::string_view ref,
                                            std::string_view commit) {
  if (repo.empty()) {
    return InvalidArgumentError("source repository URI is empty");
  }
  std::string hex;
  if (commit.rfind("sha1:", 0) == 0) {
    hex = std::string(commit.substr(5));
    if (!IsLowerHexOfLength(hex, 40, 40)) {
      return InvalidArgumentError("source digest \"" + std::string(commit) +
                                  "\": sha1 needs 40 lowercase hex digits");
    }
  } else if (commit.rfind("gitCommit:", 0) == 0) {
    hex = std::string(commit.substr(10));
    if (!IsLowerHexOfLength(hex, 40, 64)) {
      return InvalidArgumentError("source digest \"" + std::string(commit) +
                                  "\": gitCommit needs 40 or 64 lowercase hex digits");
    }
  } else {
    return InvalidArgumentError("source digest \"" + std::string(commit) +
                                "\" must be sha1:<40 hex> or gitCommit:<hex>");
  }
  ResourceDescriptor rd;
  rd.uri = repo.rfind("git+", 0) == 0 ? std::string(repo) : "git+" + std::string(repo);
  if (!ref.empty()) {
    rd.uri += "@" + std::string(ref);
  }
  rd.digest["gitCommit"] = hex;
  return rd;
}

}  // namespace vouch::attest
