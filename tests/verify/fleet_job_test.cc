// deploy/kubernetes/fleet-verify-job.yaml: an Indexed Job whose shard arithmetic matches its
// completions and parallelism, running `vouch verify --batch` on the ConfigMap it mounts, with
// a policy that parses and a Pod that meets the "restricted" profile like the gate's.
#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/policy/policy.h"

namespace vouch::verify {
namespace {

std::string Str(const YAML::Node& n) { return n ? n.as<std::string>() : std::string("<missing>"); }

BOOST_AUTO_TEST_CASE(FleetVerifyJobShardsMatchCompletions) {
  const std::string path =
      vouch::testing::SourceDir() + "/deploy/kubernetes/fleet-verify-job.yaml";
  std::map<std::string, YAML::Node> by_kind;
  for (const YAML::Node& d : YAML::LoadAllFromFile(path)) {
    by_kind[Str(d["kind"])] = d;
  }
  BOOST_REQUIRE(by_kind.count("Job") == 1u);
  BOOST_REQUIRE(by_kind.count("ConfigMap") == 1u);
  const YAML::Node job = by_kind["Job"];
  const YAML::Node cm = by_kind["ConfigMap"];
  BOOST_TEST(Str(job["apiVersion"]) == "batch/v1");
  BOOST_TEST(Str(job["spec"]["completionMode"]) == "Indexed");
  const int completions = job["spec"]["completions"].as<int>();
  BOOST_TEST(completions > 1);
  BOOST_TEST(job["spec"]["parallelism"].as<int>() == completions);

  const YAML::Node pod = job["spec"]["template"]["spec"];
  BOOST_TEST(Str(pod["restartPolicy"]) == "Never");  // podFailurePolicy needs it
  BOOST_TEST(pod["automountServiceAccountToken"].as<bool>() == false);
  BOOST_TEST(pod["securityContext"]["runAsNonRoot"].as<bool>());
  BOOST_REQUIRE(pod["containers"].size() == 1u);
  const YAML::Node c = pod["containers"][0];
  BOOST_TEST(c["securityContext"]["allowPrivilegeEscalation"].as<bool>() == false);
  BOOST_TEST(c["securityContext"]["readOnlyRootFilesystem"].as<bool>() == true);
  BOOST_TEST(Str(c["securityContext"]["capabilities"]["drop"][0]) == "ALL");
  // vouch's own image by digest, substituted at apply time (docs/image.md): never a tag.
  BOOST_TEST(Str(c["image"]) == "${VOUCH_IMAGE}");

  std::map<std::string, std::string> flags;
  std::vector<std::string> args;
  for (const auto& a : c["args"]) {
    args.push_back(a.as<std::string>());
    const std::string s = args.back();
    const size_t eq = s.find('=');
    if (s.starts_with("--") && eq != std::string::npos) {
      flags[s.substr(2, eq - 2)] = s.substr(eq + 1);
    }
  }
  BOOST_REQUIRE(!args.empty());
  BOOST_TEST(args[0] == "verify");
  BOOST_TEST(flags["output"] == "jsonl");
  // The shard is the completion index over as many shards as there are completions.
  BOOST_TEST(flags["shard"] == "$(JOB_COMPLETION_INDEX)/" + std::to_string(completions));

  // --batch and --policy name files of the mounted ConfigMap.
  std::string mount;
  for (const auto& m : c["volumeMounts"]) {
    for (const auto& v : pod["volumes"]) {
      if (Str(v["name"]) == Str(m["name"]) && v["configMap"] &&
          Str(v["configMap"]["name"]) == Str(cm["metadata"]["name"])) {
        mount = Str(m["mountPath"]);
      }
    }
  }
  BOOST_REQUIRE(!mount.empty());
  for (const char* flag : {"batch", "policy"}) {
    BOOST_TEST_CONTEXT("--" << flag) {
      BOOST_REQUIRE(flags[flag].starts_with(mount + "/"));
      BOOST_TEST(cm["data"][flags[flag].substr(mount.size() + 1)].IsDefined());
    }
  }
  BOOST_TEST(Str(cm["metadata"]["namespace"]) == Str(job["metadata"]["namespace"]));

  policy::ParseOptions o;
  o.load_keys = false;
  auto p = policy::ParsePolicy(Str(cm["data"]["policy.yaml"]), o);
  BOOST_TEST(p.ok(), p.status().ToString());
}

}  // namespace
}  // namespace vouch::verify
