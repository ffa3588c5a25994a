// SLSA provenance: v1 build/parse round trip, v0.2 normalization, CI environment mapping.
#include "vouch/attest/provenance.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <ostream>
#include <string>

#include "vouch/attest/statement.h"

namespace vouch::attest {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kCommit = "4d329c75e7ec1725f7c9ce917a8799d408d06be3";
const std::string kBase = "b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";

ProvenanceV1 Sample() {
  ProvenanceV1 p;
  p.build_type = "https://example.test/buildtypes/make/v1";
  p.external_parameters_json = R"({"workflow":{"ref":"refs/heads/main","repository":"x"}})";
  p.internal_parameters_json = R"({"k":"v"})";
  ResourceDescriptor src;
  src.uri = "git+https://github.com/org/repo@refs/heads/main";
  src.digest["gitCommit"] = kCommit;
  ResourceDescriptor base;
  base.uri = "127.0.0.1:5000/base/image:v1";
  base.digest["sha256"] = kBase;
  p.resolved_dependencies = {src, base};
  p.builder_id = "https://example.test/builder@v1";
  p.invocation_id = "run-7";
  p.started_on = *ParseRfc3339("2026-01-02T03:04:05Z");
  p.finished_on = *ParseRfc3339("2026-01-02T03:14:05Z");
  return p;
}

BOOST_AUTO_TEST_SUITE(provenance)

BOOST_AUTO_TEST_CASE(v1_round_trip) {
  Result<std::string> json = SerializeProvenanceV1(Sample());
  BOOST_REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  // Fixed key order, byte for byte.
  BOOST_TEST(*json ==
             R"({"buildDefinition":{"buildType":"https://example.test/buildtypes/make/v1",)"
             R"("externalParameters":{"workflow":{"ref":"refs/heads/main","repository":"x"}},)"
             R"("internalParameters":{"k":"v"},"resolvedDependencies":[)"
             R"({"uri":"git+https://github.com/org/repo@refs/heads/main","digest":{"gitCommit":")" +
                 kCommit + R"("}},{"uri":"127.0.0.1:5000/base/image:v1","digest":{"sha256":")" +
                 kBase +
                 R"("}}]},"runDetails":{"builder":{"id":"https://example.test/builder@v1"},)"
                 R"("metadata":{"invocationId":"run-7","startedOn":"2026-01-02T03:04:05Z",)"
                 R"("finishedOn":"2026-01-02T03:14:05Z"}}})");
  BOOST_TEST(ValidateSlsaProvenanceV1(*json).ok());
  BOOST_TEST(*SerializeProvenanceV1(Sample()) == *json);  // deterministic

  Result<NormalizedProvenance> n = NormalizeProvenance(kSlsaProvenanceV1, *json);
  BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
  BOOST_TEST(n->predicate_type == kSlsaProvenanceV1);
  BOOST_TEST(n->builder_id == "https://example.test/builder@v1");
  BOOST_TEST(n->build_type == "https://example.test/buildtypes/make/v1");
  BOOST_TEST(n->source_uri == "git+https://github.com/org/repo");
  BOOST_TEST(n->source_ref == "refs/heads/main");
  BOOST_TEST(n->source_digest == kCommit);
  BOOST_REQUIRE(n->dependencies.size() == 2u);
  BOOST_TEST(n->dependencies[1].digest.at("sha256") == kBase);
  BOOST_TEST(n->invocation_id == "run-7");
  BOOST_TEST(FormatRfc3339(*n->started_on) == "2026-01-02T03:04:05Z");
  BOOST_TEST(FormatRfc3339(*n->finished_on) == "2026-01-02T03:14:05Z");
}

BOOST_AUTO_TEST_CASE(v1_minimal_omits_unset_fields) {
  ProvenanceV1 p;
  p.build_type = "https://bt";
  p.builder_id = "https://b";
  Result<std::string> json = SerializeProvenanceV1(p);
  BOOST_REQUIRE(json.ok());
  BOOST_TEST(*json == R"({"buildDefinition":{"buildType":"https://bt","externalParameters":{}},)"
                      R"("runDetails":{"builder":{"id":"https://b"}}})");
  Result<NormalizedProvenance> n = NormalizeProvenance(kSlsaProvenanceV1, *json);
  BOOST_REQUIRE(n.ok());
  BOOST_TEST(n->source_uri.empty());
  BOOST_TEST(!n->finished_on.has_value());
}

BOOST_AUTO_TEST_CASE(v1_serialize_rejects_missing_required) {
  ProvenanceV1 p = Sample();
  p.build_type.clear();
  BOOST_TEST(IsInvalidArgument(SerializeProvenanceV1(p).status()));
  BOOST_TEST(SerializeProvenanceV1(p).status().message().find("buildType") != std::string::npos);
  p = Sample();
  p.builder_id.clear();
  BOOST_TEST(SerializeProvenanceV1(p).status().message().find("builder.id") != std::string::npos);
  p = Sample();
  p.external_parameters_json = "[1]";
  BOOST_TEST(IsInvalidArgument(SerializeProvenanceV1(p).status()));
  BOOST_TEST(SerializeProvenanceV1(p).status().message().find("externalParameters") !=
             std::string::npos);
}

// A slsa-github-generator style v0.2 predicate (shape of vectors/slsa-verifier-container).
const std::string kV02 = R"({
  "builder":{"id":"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0"},
  "buildType":"https://github.com/slsa-framework/slsa-github-generator/container@v1",
  "invocation":{"configSource":{"uri":"git+https://github.com/slsa-framework/example-package@refs/heads/main",
     "digest":{"sha1":"4d329c75e7ec1725f7c9ce917a8799d408d06be3"},"entryPoint":".github/workflows/x.yml"},
   "environment":{"github_ref":"refs/heads/main","github_event_name":"workflow_dispatch"}},
  "metadata":{"buildInvocationID":"13531731005-1","buildStartedOn":"2025-02-25T21:58:00Z",
   "buildFinishedOn":"2025-02-25T22:01:30Z","completeness":{"parameters":true}},
  "materials":[{"uri":"git+https://github.com/slsa-framework/example-package@refs/heads/main",
     "digest":{"sha1":"4d329c75e7ec1725f7c9ce917a8799d408d06be3"}},
   {"uri":"pkg:docker/alpine@3.19","digest":{"sha256":"4d329c75e7ec1725f7c9ce917a8799d408d06be3"}}]})";

BOOST_AUTO_TEST_CASE(v02_normalizes) {
  Result<NormalizedProvenance> n = NormalizeProvenance(kSlsaProvenanceV02, kV02);
  BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
  BOOST_TEST(n->predicate_type == kSlsaProvenanceV02);
  BOOST_TEST(n->builder_id ==
             "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
             "generator_container_slsa3.yml@refs/tags/v2.1.0");
  BOOST_TEST(n->build_type ==
             "https://github.com/slsa-framework/slsa-github-generator/container@v1");
  BOOST_TEST(n->source_uri == "git+https://github.com/slsa-framework/example-package");
  BOOST_TEST(n->source_ref == "refs/heads/main");
  BOOST_TEST(n->source_digest == kCommit);
  BOOST_TEST(n->invocation_id == "13531731005-1");
  BOOST_TEST(FormatRfc3339(*n->started_on) == "2025-02-25T21:58:00Z");
  BOOST_TEST(FormatRfc3339(*n->finished_on) == "2025-02-25T22:01:30Z");
  // Lenient digests: a 40-hex value under "sha256" (old GitLab output) is kept as recorded.
  BOOST_REQUIRE(n->dependencies.size() == 2u);
  BOOST_TEST(n->dependencies[1].digest.at("sha256") == kCommit);
}

struct V02RefCase {
  std::string name;
  std::string invocation;
  std::string want_uri;
  std::string want_ref;
};
std::ostream& operator<<(std::ostream& os, const V02RefCase& c) { return os << c.name; }

const V02RefCase kV02Refs[] = {
    {"ref from the configSource uri when the environment has none",
     R"({"configSource":{"uri":"git+https://github.com/org/repo@refs/tags/v1","digest":{"sha1":"ab"}}})",
     "git+https://github.com/org/repo", "refs/tags/v1"},
    {"environment github_ref wins over the uri",
     R"({"configSource":{"uri":"git+https://github.com/org/repo@refs/tags/v1"},"environment":{"github_ref":"refs/heads/x"}})",
     "git+https://github.com/org/repo", "refs/heads/x"},
    {"no ref at all", R"({"configSource":{"uri":"git+https://gitlab.com/g/p"}})",
     "git+https://gitlab.com/g/p", ""},
    {"user info is not a ref", R"({"configSource":{"uri":"git+ssh://git@host/g/p@refs/heads/m"}})",
     "git+ssh://git@host/g/p", "refs/heads/m"},
    {"no configSource: first git+ material", R"({})", "git+https://m.example/r", "main"},
};

BOOST_DATA_TEST_CASE(v02_source_and_ref, bdata::make(kV02Refs), c) {
  std::string pred = R"({"builder":{"id":"b"},"invocation":)" + c.invocation +
                     R"(,"materials":[{"uri":"pkg:x"},{"uri":"git+https://m.example/r@main"}]})";
  Result<NormalizedProvenance> n = NormalizeProvenance(kSlsaProvenanceV02, pred);
  BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
  BOOST_TEST(n->source_uri == c.want_uri);
  BOOST_TEST(n->source_ref == c.want_ref);
}

struct BadPredicate {
  std::string name;
  std::string_view type;
  std::string json;
  std::string mentions;
};
std::ostream& operator<<(std::ostream& os, const BadPredicate& c) { return os << c.name; }

const BadPredicate kBadPredicates[] = {
    {"v0.2 without builder id", kSlsaProvenanceV02, R"({"buildType":"x"})", "builder.id"},
    {"v0.2 builder id not a string", kSlsaProvenanceV02, R"({"builder":{"id":5}})", "builder.id"},
    {"v0.2 bad time", kSlsaProvenanceV02,
     R"({"builder":{"id":"b"},"metadata":{"buildFinishedOn":"yesterday"}})", "RFC 3339"},
    {"v0.2 materials not an array", kSlsaProvenanceV02, R"({"builder":{"id":"b"},"materials":{}})",
     "materials"},
    {"v1 missing runDetails", kSlsaProvenanceV1,
     R"({"buildDefinition":{"buildType":"t","externalParameters":{}}})", "runDetails"},
    {"not an object", kSlsaProvenanceV02, R"([])", "object"},
    {"not provenance", "https://spdx.dev/Document", R"({})", "not SLSA provenance"},
};

BOOST_DATA_TEST_CASE(normalize_rejects, bdata::make(kBadPredicates), c) {
  Result<NormalizedProvenance> n = NormalizeProvenance(c.type, c.json);
  BOOST_TEST(IsInvalidArgument(n.status()), n.status().ToString());
  BOOST_TEST(n.status().message().find(c.mentions) != std::string::npos, n.status().message());
}

BOOST_AUTO_TEST_CASE(source_dependency_forms) {
  Result<ResourceDescriptor> rd =
      SourceDependency("https://github.com/org/repo", "refs/heads/main", "sha1:" + kCommit);
  BOOST_REQUIRE(rd.ok());
  BOOST_TEST(rd->uri == "git+https://github.com/org/repo@refs/heads/main");
  BOOST_TEST(rd->digest.at("gitCommit") == kCommit);
  rd = SourceDependency("git+https://github.com/org/repo", "", "gitCommit:" + kCommit);
  BOOST_REQUIRE(rd.ok());
  BOOST_TEST(rd->uri == "git+https://github.com/org/repo");
  for (const std::string& bad :
       {std::string("sha1:abc"), "sha256:" + kCommit, kCommit, "sha1:" + std::string(40, 'G')}) {
    BOOST_TEST(IsInvalidArgument(SourceDependency("r", "", bad).status()), bad);
  }
}

BOOST_AUTO_TEST_CASE(detect_ci) {
  BOOST_TEST((DetectCi({}) == CiSystem::kNone));
  BOOST_TEST((DetectCi({{"GITHUB_ACTIONS", "true"}}) == CiSystem::kGitHubActions));
  BOOST_TEST((DetectCi({{"GITLAB_CI", "true"}}) == CiSystem::kGitLabCi));
  BOOST_TEST((DetectCi({{"GITHUB_ACTIONS", "false"}, {"CI", "true"}}) == CiSystem::kNone));
}

const std::map<std::string, std::string> kGitHubEnv = {
    {"GITHUB_ACTIONS", "true"},
    {"GITHUB_SERVER_URL", "https://github.com"},
    {"GITHUB_REPOSITORY", "octo/app"},
    {"GITHUB_SHA", kCommit},
    {"GITHUB_REF", "refs/heads/main"},
    {"GITHUB_WORKFLOW_REF", "octo/app/.github/workflows/release.yml@refs/heads/main"},
    {"GITHUB_RUN_ID", "42"},
    {"GITHUB_RUN_ATTEMPT", "2"},
    {"GITHUB_EVENT_NAME", "push"},
    {"GITHUB_REPOSITORY_ID", "1001"},
    {"GITHUB_REPOSITORY_OWNER_ID", "2002"},
    {"RUNNER_ENVIRONMENT", "github-hosted"},
};

BOOST_AUTO_TEST_CASE(github_actions_mapping) {
  Result<ProvenanceV1> p = ProvenanceFromCi(CiSystem::kGitHubActions, kGitHubEnv);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->build_type == "https://actions.github.io/buildtypes/workflow/v1");
  BOOST_TEST(p->builder_id == "https://github.com/actions/runner/github-hosted");
  BOOST_TEST(p->external_parameters_json ==
             R"({"workflow":{"ref":"refs/heads/main","repository":"https://github.com/octo/app",)"
             R"("path":".github/workflows/release.yml"}})");
  BOOST_TEST(p->internal_parameters_json ==
             R"({"github":{"event_name":"push","repository_id":"1001",)"
             R"("repository_owner_id":"2002","runner_environment":"github-hosted"}})");
  BOOST_REQUIRE(p->resolved_dependencies.size() == 1u);
  BOOST_TEST(p->resolved_dependencies[0].uri == "git+https://github.com/octo/app@refs/heads/main");
  BOOST_TEST(p->resolved_dependencies[0].digest.at("gitCommit") == kCommit);
  BOOST_TEST(p->invocation_id == "https://github.com/octo/app/actions/runs/42/attempts/2");
}

BOOST_AUTO_TEST_CASE(gitlab_ci_mapping) {
  std::map<std::string, std::string> env = {
      {"GITLAB_CI", "true"},
      {"CI_SERVER_URL", "https://gitlab.example"},
      {"CI_PROJECT_URL", "https://gitlab.example/grp/app"},
      {"CI_COMMIT_SHA", kCommit},
      {"CI_COMMIT_REF_NAME", "v1.0"},
      {"CI_COMMIT_TAG", "v1.0"},
      {"CI_JOB_NAME", "build"},
      {"CI_JOB_ID", "77"},
      {"CI_JOB_URL", "https://gitlab.example/grp/app/-/jobs/77"},
      {"CI_PIPELINE_ID", "9"},
      {"CI_PIPELINE_SOURCE", "push"},
      {"CI_RUNNER_ID", "12"},
      {"CI_JOB_STARTED_AT", "2026-03-04T05:06:07Z"},
  };
  Result<ProvenanceV1> p = ProvenanceFromCi(CiSystem::kGitLabCi, env);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->build_type == kGitLabCiBuildType);
  BOOST_TEST(p->builder_id == "https://gitlab.example/grp/app/-/runners/12");
  BOOST_TEST(p->external_parameters_json ==
             R"({"workflow":{"ref":"refs/tags/v1.0","repository":"https://gitlab.example/grp/app",)"
             R"("path":".gitlab-ci.yml"},"job":"build"})");
  BOOST_TEST(p->resolved_dependencies[0].uri ==
             "git+https://gitlab.example/grp/app@refs/tags/v1.0");
  BOOST_TEST(p->invocation_id == "https://gitlab.example/grp/app/-/jobs/77");
  BOOST_TEST(FormatRfc3339(*p->started_on) == "2026-03-04T05:06:07Z");
  // A branch pipeline (no tag) records refs/heads/<branch>.
  env.erase("CI_COMMIT_TAG");
  env["CI_COMMIT_REF_NAME"] = "main";
  p = ProvenanceFromCi(CiSystem::kGitLabCi, env);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->resolved_dependencies[0].uri ==
             "git+https://gitlab.example/grp/app@refs/heads/main");
}

struct MissingVar {
  CiSystem ci;
  std::string var;
};
std::ostream& operator<<(std::ostream& os, const MissingVar& c) { return os << c.var; }

const MissingVar kMissing[] = {
    {CiSystem::kGitHubActions, "GITHUB_REPOSITORY"}, {CiSystem::kGitHubActions, "GITHUB_SHA"},
    {CiSystem::kGitHubActions, "GITHUB_REF"},        {CiSystem::kGitLabCi, "CI_PROJECT_URL"},
    {CiSystem::kGitLabCi, "CI_COMMIT_SHA"},          {CiSystem::kGitLabCi, "CI_COMMIT_REF_NAME"},
};

BOOST_DATA_TEST_CASE(ci_missing_variable_is_named, bdata::make(kMissing), c) {
  std::map<std::string, std::string> env = kGitHubEnv;
  env.insert({{"CI_PROJECT_URL", "https://g/x"},
              {"CI_COMMIT_SHA", kCommit},
              {"CI_COMMIT_REF_NAME", "main"}});
  env.erase(c.var);
  Result<ProvenanceV1> p = ProvenanceFromCi(c.ci, env);
  BOOST_TEST(IsInvalidArgument(p.status()));
  BOOST_TEST(p.status().message().find(c.var + " is not set") != std::string::npos,
             p.status().message());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
