// deploy/kubernetes/: every file parses as YAML, the objects the gate needs are all there, the
// Pod meets the Pod Security Standards "restricted" profile, the webhooks are opt-in by namespace
// label and fail closed within their timeout, the shipped policy passes the policy parser, and
// the three variants (self-signed default, cert-manager/, ha/) say what docs/gate.md says they
// do. No kustomize runs here (Debian packages none recent enough for `replacements`; kubectl
// 1.20's embedded kustomize predates it), so the overlays are checked structurally: the patches
// name objects the base has, and the arguments they replace as a whole are the base's with only
// the intended flags changed.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/policy/policy.h"

namespace vouch::serve {
namespace {

// deploy/kubernetes/fleet-verify-job.yaml: tests/verify/fleet_job_test.cc checks it.
const char kFleetJob[] = "fleet-verify-job.yaml";

std::string DeployDir() { return vouch::testing::SourceDir() + "/deploy/kubernetes"; }

struct Manifests {
  std::map<std::string, YAML::Node> by_kind;  // "Deployment" -> node (one of each kind here)
  std::vector<std::string> files;
  explicit Manifests(const std::string& sub = "base") {
    const std::string dir = DeployDir() + "/" + sub;
    BOOST_REQUIRE_MESSAGE(std::filesystem::is_directory(dir), dir << " is missing");
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".yaml") {
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
    BOOST_REQUIRE_MESSAGE(it != by_kind.end(), "no " << kind << " in deploy/kubernetes/...");
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
        // Opt-in: only namespaces labelled vouch.dev/enforce=true, and never the gate's own
        // namespace nor kube-system, label or not.
        YAML::Node sel = w["namespaceSelector"];
        BOOST_TEST(Str(sel["matchLabels"]["vouch.dev/enforce"]) == "true");
        BOOST_TEST(sel["matchLabels"].size() == 1u);
        std::set<std::string> excluded;
        for (const auto& e : sel["matchExpressions"]) {
          if (Str(e["key"]) == "kubernetes.io/metadata.name" && Str(e["operator"]) == "NotIn") {
            for (const auto& v : e["values"]) {
              excluded.insert(v.as<std::string>());
            }
          }
        }
        BOOST_TEST(excluded.count(ns) == 1u, "the gate's namespace must be excluded");
        BOOST_TEST(excluded.count("kube-system") == 1u, "kube-system must be excluded");
        BOOST_TEST(!w["objectSelector"].IsDefined());
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

// Overlay is every document of one kustomization directory (deploy/kubernetes/SUB), several of
// one kind allowed, and its kustomization.yaml apart.
struct Overlay {
  std::vector<std::pair<std::string, YAML::Node>> docs;  // file -> document
  YAML::Node kustomization;
  std::set<std::string> files;
  explicit Overlay(const std::string& sub) {
    const std::string dir = DeployDir() + (sub.empty() ? "" : "/" + sub);
    BOOST_REQUIRE_MESSAGE(std::filesystem::is_directory(dir), dir << " is missing");
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      // kFleetJob is run on demand, beside the gate's install and not part of it.
      if (e.path().extension() != ".yaml" || name == kFleetJob) {
        continue;
      }
      std::vector<YAML::Node> loaded;
      try {
        loaded = YAML::LoadAllFromFile(e.path().string());
      } catch (const YAML::Exception& ex) {
        BOOST_FAIL(e.path().string() << " is not YAML: " << ex.what());
      }
      if (name == "kustomization.yaml") {
        BOOST_REQUIRE(loaded.size() == 1u);
        kustomization = loaded[0];
        BOOST_TEST(Str(kustomization["kind"]) == "Kustomization");
        continue;
      }
      files.insert(name);
      for (const YAML::Node& d : loaded) {
        BOOST_REQUIRE_MESSAGE(d.IsMap() && d["kind"] && d["apiVersion"] && d["metadata"]["name"],
                              name << ": a document without kind/apiVersion/metadata.name");
        docs.emplace_back(name, d);
      }
    }
    BOOST_REQUIRE_MESSAGE(kustomization.IsDefined(), dir << " has no kustomization.yaml");
  }
  YAML::Node Get(const std::string& kind, const std::string& name = "") const {
    for (const auto& [file, d] : docs) {
      if (Str(d["kind"]) == kind && (name.empty() || Str(d["metadata"]["name"]) == name)) {
        return d;
      }
    }
    BOOST_FAIL("no " << kind << " " << name);
    return {};
  }
  // Listed returns the files the kustomization names as resources and patches.
  std::set<std::string> Listed() const {
    std::set<std::string> out;
    for (const auto& r : kustomization["resources"]) {
      out.insert(r.as<std::string>());
    }
    for (const auto& p : kustomization["patches"]) {
      out.insert(Str(p["path"]));
    }
    return out;
  }
};

std::vector<std::string> ArgsOf(const YAML::Node& deployment) {
  std::vector<std::string> out;
  for (const auto& c : deployment["spec"]["template"]["spec"]["containers"]) {
    if (Str(c["name"]) == "vouch") {
      for (const auto& a : c["args"]) {
        out.push_back(a.as<std::string>());
      }
    }
  }
  return out;
}

bool IsTlsFlag(const std::string& a) { return a.rfind("--tls-", 0) == 0; }

std::vector<std::string> Without(std::vector<std::string> args, bool (*drop)(const std::string&)) {
  args.erase(std::remove_if(args.begin(), args.end(), drop), args.end());
  return args;
}

// Every file of every variant is listed by its kustomization, and every patch names an object of
// the base by kind, name and namespace, so that kustomize finds what it patches.
BOOST_AUTO_TEST_CASE(every_variant_lists_its_files_and_patches_base_objects) {
  Manifests base;
  std::set<std::pair<std::string, std::string>> base_objects;
  for (const auto& [kind, d] : base.by_kind) {
    if (kind != "Kustomization") {
      base_objects.insert({kind, Str(d["metadata"]["name"])});
    }
  }
  for (const std::string sub : {"", "cert-manager", "ha"}) {
    BOOST_TEST_CONTEXT("deploy/kubernetes/" << sub) {
      Overlay o(sub);
      std::set<std::string> listed = o.Listed();
      for (const std::string& f : o.files) {
        BOOST_TEST(listed.count(f) == 1u, f << " is not in kustomization.yaml");
      }
      for (const auto& p : o.kustomization["patches"]) {
        for (const auto& [file, d] : o.docs) {
          if (file == Str(p["path"])) {
            BOOST_TEST(base_objects.count({Str(d["kind"]), Str(d["metadata"]["name"])}) == 1u,
                       file << " patches " << Str(d["kind"]) << " " << Str(d["metadata"]["name"])
                            << ", which the base does not have");
          }
        }
      }
    }
  }
  // The default builds on base; cert-manager on base; ha on the default.
  BOOST_TEST(Overlay("").Listed().count("base") == 1u);
  BOOST_TEST(Overlay("cert-manager").Listed().count("../base") == 1u);
  BOOST_TEST(Overlay("ha").Listed().count("..") == 1u);
}

// The default: the gate issues its own serving certificate from the CA Secret the kustomization
// generates, and the same CA goes into both caBundles. No placeholder is left to sed.
BOOST_AUTO_TEST_CASE(default_variant_is_self_signed_without_sed) {
  Manifests base;
  Overlay def("");
  YAML::Node gen = def.kustomization["secretGenerator"];
  BOOST_REQUIRE(gen.IsSequence() && gen.size() == 1u);
  const std::string secret = Str(gen[0]["name"]);
  std::set<std::string> keys;
  for (const auto& f : gen[0]["files"]) {
    keys.insert(f.as<std::string>().substr(0, f.as<std::string>().find('=')));
  }
  BOOST_TEST((keys == std::set<std::string>{"ca.crt", "ca.key"}));
  BOOST_TEST(def.kustomization["generatorOptions"]["disableNameSuffixHash"].as<bool>());

  YAML::Node dep = base.Get("Deployment");
  std::vector<std::string> args = ArgsOf(dep);
  auto has = [&](const std::string& a) {
    return std::find(args.begin(), args.end(), a) != args.end();
  };
  BOOST_TEST(has("--tls-self-signed-dir=/var/run/vouch/tls"));
  BOOST_TEST(has("--tls-self-signed-ca-dir=/etc/vouch/ca"));
  const std::string ns = Str(base.Get("Namespace")["metadata"]["name"]);
  const std::string svc = Str(base.Get("Service")["metadata"]["name"]);
  BOOST_TEST(has("--tls-dns-name=" + svc + "." + ns + ".svc"));
  BOOST_TEST(!has("--tls-cert=/etc/vouch/tls/tls.crt"));
  bool ca_volume = false;
  for (const auto& v : dep["spec"]["template"]["spec"]["volumes"]) {
    if (Str(v["name"]) == "ca") {
      ca_volume = Str(v["secret"]["secretName"]) == secret;
    }
  }
  BOOST_TEST(ca_volume, "the Deployment does not mount the generated CA Secret " << secret);

  std::set<std::string> targets;
  for (const auto& r : def.kustomization["replacements"]) {
    BOOST_TEST(Str(r["source"]["kind"]) == "Secret");
    BOOST_TEST(Str(r["source"]["name"]) == secret);
    BOOST_TEST(Str(r["source"]["fieldPath"]) == R"(data.ca\.crt)");
    for (const auto& t : r["targets"]) {
      for (const auto& f : t["fieldPaths"]) {
        targets.insert(Str(t["select"]["kind"]) + ":" + f.as<std::string>());
      }
    }
  }
  for (const char* kind : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    BOOST_TEST(targets.count(std::string(kind) + ":webhooks.0.clientConfig.caBundle") == 1u);
    // One webhook each, so webhooks.0 is all of them.
    BOOST_TEST(base.Get(kind)["webhooks"].size() == 1u);
  }
  // No placeholder and no sed step anywhere in the manifests or the gate's documentation.
  for (const auto& e : std::filesystem::recursive_directory_iterator(DeployDir())) {
    if (e.path().extension() == ".yaml") {
      BOOST_TEST(vouch::testing::ReadText(e.path().string()).find("CA_BUNDLE") == std::string::npos,
                 e.path());
    }
  }
  const std::string gate_md =
      vouch::testing::ReadText(vouch::testing::SourceDir() + "/docs/gate.md");
  BOOST_TEST(gate_md.find("sed -i") == std::string::npos);
  BOOST_TEST(gate_md.find("CA_BUNDLE") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(cert_manager_variant_injects_the_ca) {
  Manifests base;
  Overlay cm("cert-manager");
  const std::string ns = Str(base.Get("Namespace")["metadata"]["name"]);
  const std::string svc = Str(base.Get("Service")["metadata"]["name"]);
  // The serving Certificate: the Service's names, into the Secret the Deployment mounts.
  YAML::Node dep = cm.Get("Deployment");
  std::string tls_secret;
  for (const auto& v : dep["spec"]["template"]["spec"]["volumes"]) {
    if (Str(v["name"]) == "tls") {
      tls_secret = Str(v["secret"]["secretName"]);
      BOOST_TEST(v["emptyDir"].IsNull(), "the patch must drop the base's emptyDir");
    }
  }
  std::string cert_name;
  for (const auto& [file, d] : cm.docs) {
    if (Str(d["kind"]) == "Certificate" && Str(d["spec"]["secretName"]) == tls_secret) {
      cert_name = Str(d["metadata"]["name"]);
      BOOST_TEST(Str(d["metadata"]["namespace"]) == ns);
      std::set<std::string> names;
      for (const auto& n : d["spec"]["dnsNames"]) {
        names.insert(n.as<std::string>());
      }
      BOOST_TEST(names.count(svc + "." + ns + ".svc") == 1u);
      BOOST_TEST(!d["spec"]["isCA"].IsDefined());
    }
  }
  BOOST_REQUIRE_MESSAGE(!cert_name.empty(), "no Certificate writes " << tls_secret);
  for (const char* kind : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    BOOST_TEST(Str(cm.Get(kind)["metadata"]["annotations"]["cert-manager.io/inject-ca-from"]) ==
               ns + "/" + cert_name);
  }
  // The same arguments as the base but for TLS: the operator's files instead of self-signed.
  std::vector<std::string> args = ArgsOf(dep);
  BOOST_TEST(Without(args, IsTlsFlag) == Without(ArgsOf(base.Get("Deployment")), IsTlsFlag));
  std::vector<std::string> tls;
  std::copy_if(args.begin(), args.end(), std::back_inserter(tls), IsTlsFlag);
  BOOST_TEST((tls == std::vector<std::string>{"--tls-cert=/var/run/vouch/tls/tls.crt",
                                              "--tls-key=/var/run/vouch/tls/tls.key"}));
}

BOOST_AUTO_TEST_CASE(ha_variant_has_three_spread_replicas_redis_and_a_budget) {
  Manifests base;
  Overlay ha("ha");
  YAML::Node dep = ha.Get("Deployment");
  BOOST_TEST(dep["spec"]["replicas"].as<int>() == 3);
  YAML::Node anti = dep["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"];
  BOOST_REQUIRE(anti["requiredDuringSchedulingIgnoredDuringExecution"].IsSequence());
  YAML::Node term = anti["requiredDuringSchedulingIgnoredDuringExecution"][0];
  BOOST_TEST(Str(term["topologyKey"]) == "kubernetes.io/hostname");
  BOOST_TEST(
      Str(term["labelSelector"]["matchLabels"]["app.kubernetes.io/name"]) ==
      Str(base.Get("Deployment")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]));
  BOOST_TEST(ha.Get("PodDisruptionBudget")["spec"]["minAvailable"].as<int>() == 2);

  // The base's arguments plus --cache on the Redis Service of redis.yaml.
  std::vector<std::string> args = ArgsOf(dep);
  BOOST_REQUIRE(!args.empty());
  const std::string cache = args.back();
  args.pop_back();
  BOOST_TEST(args == ArgsOf(base.Get("Deployment")));
  YAML::Node redis_svc = ha.Get("Service", "vouch-redis");
  const int port = redis_svc["spec"]["ports"][0]["port"].as<int>();
  BOOST_TEST(cache ==
             "--cache=redis://" + Str(redis_svc["metadata"]["name"]) + ":" + std::to_string(port));
  YAML::Node sts = ha.Get("StatefulSet", "vouch-redis");
  const std::string redis_label =
      Str(sts["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]);
  BOOST_TEST(Str(redis_svc["spec"]["selector"]["app.kubernetes.io/name"]) == redis_label);
  YAML::Node rsc = sts["spec"]["template"]["spec"]["containers"][0]["securityContext"];
  BOOST_TEST(rsc["readOnlyRootFilesystem"].as<bool>());
  BOOST_TEST(rsc["allowPrivilegeEscalation"].as<bool>() == false);

  // Egress: DNS, Redis (by pod label), registries; nothing else, and not the API server.
  YAML::Node np = ha.Get("NetworkPolicy", "vouch-gate");
  std::set<std::string> rules;
  for (const auto& e : np["spec"]["egress"]) {
    std::string to = e["to"].IsDefined()
                         ? Str(e["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"])
                         : "any";
    for (const auto& p : e["ports"]) {
      rules.insert(to + ":" + std::to_string(p["port"].as<int>()) + "/" + Str(p["protocol"]));
    }
  }
  BOOST_TEST((rules == std::set<std::string>{"any:53/UDP", "any:53/TCP", redis_label + ":6379/TCP",
                                             "any:443/TCP"}));
}

// One image for the gate everywhere, pinned by digest: the Deployment names "vouch", base's
// kustomization maps that name to a repository and a digest (docs/image.md), and no variant
// overrides it.
BOOST_AUTO_TEST_CASE(gate_image_is_named_once) {
  Manifests base;
  const std::string image =
      Str(base.Get("Deployment")["spec"]["template"]["spec"]["containers"][0]["image"]);
  BOOST_TEST(image == "vouch");
  const YAML::Node images = base.Get("Kustomization")["images"];
  BOOST_REQUIRE(images.IsSequence());
  BOOST_REQUIRE(images.size() == 1u);
  BOOST_TEST(Str(images[0]["name"]) == image);
  BOOST_TEST(Str(images[0]["newName"]).find('/') != std::string::npos);
  BOOST_TEST(!images[0]["newTag"].IsDefined(), "a tag, not a digest");
  const std::string digest = Str(images[0]["digest"]);
  BOOST_TEST(digest.size() == std::string("sha256:").size() + 64);
  BOOST_TEST(digest.rfind("sha256:", 0) == 0u);
  for (const std::string sub : {"", "cert-manager", "ha"}) {
    Overlay o(sub);
    BOOST_TEST(!o.kustomization["images"].IsDefined(), sub);
    for (const auto& [file, d] : o.docs) {
      if (Str(d["kind"]) == "Deployment") {
        for (const auto& c : d["spec"]["template"]["spec"]["containers"]) {
          BOOST_TEST(!c["image"].IsDefined(), file << ": a patch sets the gate's image");
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve
