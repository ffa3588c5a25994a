// deploy/kubernetes/: every file parses as YAML, the objects the gate needs are all there, the
// Pod meets the Pod Security Standards "restricted" profile, the webhooks fail closed within
// their timeout, and the shipped policy passes the policy parser.
#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/policy/policy.h"

namespace vouch::serve {
namespace {

struct Manifests {
  std::map<std::string, YAML::Node> by_kind;  // "Deployment" -> node (one of each kind here)
  std::vector<std::string> files;
  Manifests() {
    const std::string dir = vouch::testing::SourceDir() + "/deploy/kubernetes";
    BOOST_REQUIRE_MESSAGE(std::filesystem::is_directory(dir), dir << " is missing");
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      // fleet-verify-job.yaml is run on demand, not part of the gate (tests/verify/
      // fleet_job_test.cc checks it).
      if (e.path().extension() != ".yaml" || e.path().filename() == "fleet-verify-job.yaml") {
        continue;
      }
      files.push_back(e.path().filename().string());
      std::vector<YAML::Node> docs;
      try {
        docs = YAML::LoadAllFromFile(e.path().string());
      } catch (const YAML::Exception& ex) {
        BOOST_FAIL(e.path().string() << " is not YAML: " << ex.what());
      }
      for (const YAML::Node& d : docs) {
        BOOST_REQUIRE_MESSAGE(d.IsMap() && d["kind"] && d["apiVersion"],
                              e.path().filename() << ": a document without kind/apiVersion");
        const std::string kind = d["kind"].as<std::string>();
        BOOST_REQUIRE_MESSAGE(by_kind.count(kind) == 0, "two " << kind << " objects");
        by_kind[kind] = d;
      }
    }
  }
  YAML::Node Get(const std::string& kind) const {
    auto it = by_kind.find(kind);
    BOOST_REQUIRE_MESSAGE(it != by_kind.end(), "no " << kind << " in deploy/kubernetes");
    return it->second;
  }
};

std::string Str(const YAML::Node& n) { return n ? n.as<std::string>() : std::string("<missing>"); }

BOOST_AUTO_TEST_SUITE(manifests)

BOOST_AUTO_TEST_CASE(every_object_is_present) {
  Manifests m;
  for (const char* kind :
       {"Namespace", "ServiceAccount", "Deployment", "PodDisruptionBudget", "Service",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "NetworkPolicy",
        "ConfigMap", "Kustomization"}) {
    m.Get(kind);
  }
  // The kustomization lists every other file.
  std::set<std::string> listed;
  for (const auto& r : m.Get("Kustomization")["resources"]) {
    listed.insert(r.as<std::string>());
  }
  for (const std::string& f : m.files) {
    if (f != "kustomization.yaml") {
      BOOST_TEST(listed.count(f) == 1u, f << " is not in kustomization.yaml");
    }
  }
}

BOOST_AUTO_TEST_CASE(pod_meets_the_restricted_profile) {
  Manifests m;
  YAML::Node sa = m.Get("ServiceAccount");
  BOOST_TEST(sa["automountServiceAccountToken"].as<bool>() == false);
  BOOST_TEST(m.by_kind.count("Role") + m.by_kind.count("ClusterRole") +
                 m.by_kind.count("RoleBinding") + m.by_kind.count("ClusterRoleBinding") ==
             0u);
  YAML::Node dep = m.Get("Deployment");
  BOOST_TEST(dep["spec"]["replicas"].as<int>() >= 2);
  YAML::Node pod = dep["spec"]["template"]["spec"];
  BOOST_TEST(pod["automountServiceAccountToken"].as<bool>() == false);
  BOOST_TEST(Str(pod["serviceAccountName"]) == Str(sa["metadata"]["name"]));
  BOOST_TEST(pod["affinity"]["podAntiAffinity"].IsDefined());
  BOOST_TEST(!pod["hostNetwork"].IsDefined());
  BOOST_TEST(!pod["hostPID"].IsDefined());
  BOOST_TEST(pod["securityContext"]["runAsNonRoot"].as<bool>());
  BOOST_TEST(pod["securityContext"]["runAsUser"].as<int>() != 0);
  BOOST_TEST(Str(pod["securityContext"]["seccompProfile"]["type"]) == "RuntimeDefault");
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : pod[list]) {
      YAML::Node sc = c["securityContext"];
      BOOST_TEST_CONTEXT("container " << Str(c["name"])) {
        BOOST_TEST(sc["allowPrivilegeEscalation"].as<bool>() == false);
        BOOST_TEST(sc["readOnlyRootFilesystem"].as<bool>() == true);
        BOOST_TEST(sc["runAsNonRoot"].as<bool>() == true);
        BOOST_TEST(!(sc["privileged"] && sc["privileged"].as<bool>()));
        BOOST_REQUIRE(sc["capabilities"]["drop"].IsSequence());
        BOOST_TEST(sc["capabilities"]["drop"].size() == 1u);
        BOOST_TEST(Str(sc["capabilities"]["drop"][0]) == "ALL");
        BOOST_TEST(!sc["capabilities"]["add"].IsDefined());
        BOOST_TEST(Str(sc["seccompProfile"]["type"]) == "RuntimeDefault");
        bool serve_args = false;
        for (const auto& a : c["args"]) {
          serve_args |= a.as<std::string>() == "serve";
        }
        BOOST_TEST(serve_args);
      }
    }
  }
  for (const auto& v : pod["volumes"]) {
    BOOST_TEST(!v["hostPath"].IsDefined(), "hostPath volumes break the restricted profile");
  }
  YAML::Node ns = m.Get("Namespace");
  BOOST_TEST(Str(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]) == "restricted");
  YAML::Node pdb = m.Get("PodDisruptionBudget");
  BOOST_TEST(pdb["spec"]["minAvailable"].as<int>() >= 1);
  BOOST_TEST(Str(m.Get("NetworkPolicy")["spec"]["policyTypes"][0]) == "Ingress");
}

BOOST_AUTO_TEST_CASE(webhooks_fail_closed_within_their_timeout) {
  Manifests m;
  const std::string ns = Str(m.Get("Namespace")["metadata"]["name"]);
  const std::string svc = Str(m.Get("Service")["metadata"]["name"]);
  for (const auto& [kind, path] : std::vector<std::pair<std::string, std::string>>{
           {"ValidatingWebhookConfiguration", "/validate"},
           {"MutatingWebhookConfiguration", "/mutate"}}) {
    YAML::Node cfg = m.Get(kind);
    BOOST_REQUIRE(cfg["webhooks"].IsSequence());
    for (const auto& w : cfg["webhooks"]) {
      BOOST_TEST_CONTEXT(kind << " " << Str(w["name"])) {
        BOOST_TEST(Str(w["failurePolicy"]) == "Fail");
        BOOST_TEST(w["timeoutSeconds"].as<int>() == 10);
        BOOST_TEST(Str(w["sideEffects"]) == "None");
        BOOST_TEST(w["admissionReviewVersions"].size() == 1u);
        BOOST_TEST(Str(w["admissionReviewVersions"][0]) == "v1");
        BOOST_TEST(Str(w["clientConfig"]["service"]["namespace"]) == ns);
        BOOST_TEST(Str(w["clientConfig"]["service"]["name"]) == svc);
        BOOST_TEST(Str(w["clientConfig"]["service"]["path"]) == path);
        BOOST_TEST(w["clientConfig"]["caBundle"].IsDefined());
        bool excludes_own = false;
        for (const auto& e : w["namespaceSelector"]["matchExpressions"]) {
          if (Str(e["key"]) == "kubernetes.io/metadata.name" && Str(e["operator"]) == "NotIn") {
            for (const auto& v : e["values"]) {
              excludes_own |= v.as<std::string>() == ns;
            }
          }
        }
        BOOST_TEST(excludes_own, "the gate's namespace must be excluded");
        std::set<std::string> resources;
        for (const auto& r : w["rules"]) {
          for (const auto& res : r["resources"]) {
            resources.insert(res.as<std::string>());
          }
        }
        for (const char* r : {"pods", "deployments", "replicasets", "statefulsets", "daemonsets",
                              "jobs", "cronjobs"}) {
          BOOST_TEST(resources.count(r) == 1u, "rules miss " << r);
        }
      }
    }
  }
  // The deadline the gate runs with is below the webhook timeout.
  bool deadline_ok = false;
  for (const auto& a : m.Get("Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]) {
    deadline_ok |= a.as<std::string>() == "--deadline=8s";
  }
  BOOST_TEST(deadline_ok);
}

BOOST_AUTO_TEST_CASE(shipped_policy_parses) {
  Manifests m;
  std::string text = Str(m.Get("ConfigMap")["data"]["policy.yaml"]);
  policy::ParseOptions o;
  o.load_keys = false;
  auto p = policy::ParsePolicy(text, o);
  BOOST_TEST(p.ok(), p.status().ToString());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve
