// AdmissionReview requests shaped like the Kubernetes API documentation's examples
// (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
// #request), for each workload kind vouch serve reads.
#pragma once

#include <string>
#include <vector>

namespace vouch::serve_test {

struct PodImages {
  std::vector<std::string> containers;
  std::vector<std::string> init;
  std::vector<std::string> ephemeral;
};

inline std::string ContainerList(const std::vector<std::string>& images,
                                 const std::string& prefix) {
  std::string s = "[";
  for (size_t i = 0; i < images.size(); ++i) {
    s +=
        (i ? "," : "") + std::string(R"({"name":")") + prefix + std::to_string(i) +
        R"(","image":")" + images[i] +
        R"(","resources":{},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"})";
  }
  return s + "]";
}

inline std::string PodSpec(const PodImages& p) {
  std::string s = R"({"restartPolicy":"Always","dnsPolicy":"ClusterFirst","containers":)" +
                  ContainerList(p.containers, "c");
  if (!p.init.empty()) {
    s += R"(,"initContainers":)" + ContainerList(p.init, "init");
  }
  if (!p.ephemeral.empty()) {
    s += R"(,"ephemeralContainers":)" + ContainerList(p.ephemeral, "debug");
  }
  return s + "}";
}

// Group returns the API group of |kind| ("" for core).
inline std::string Group(const std::string& kind) {
  if (kind == "Pod") {
    return "";
  }
  if (kind == "Job" || kind == "CronJob") {
    return "batch";
  }
  return "apps";
}

inline std::string Resource(const std::string& kind) {
  std::string r;
  for (char c : kind) {
    r += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return r + "s";
}

// Object returns a |kind| object named |name| whose pod template holds |p|.
inline std::string Object(const std::string& kind, const std::string& name, const PodImages& p) {
  const std::string group = Group(kind);
  const std::string api = group.empty() ? "v1" : group + "/v1";
  const std::string meta =
      R"({"name":")" + name + R"(","namespace":"team-a","labels":{"app":")" + name + R"("}})";
  const std::string tmpl =
      R"({"metadata":{"labels":{"app":")" + name + R"("}},"spec":)" + PodSpec(p) + "}";
  std::string spec;
  if (kind == "Pod") {
    spec = PodSpec(p);
  } else if (kind == "CronJob") {
    spec = R"({"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":)" + tmpl + "}}}";
  } else if (kind == "Job") {
    spec = R"({"backoffLimit":2,"template":)" + tmpl + "}";
  } else {
    spec = R"({"replicas":2,"selector":{"matchLabels":{"app":")" + name + R"("}},"template":)" +
           tmpl + "}";
    if (kind == "StatefulSet") {
      spec.insert(1, R"("serviceName":")" + name + R"(",)");
    }
  }
  return R"({"apiVersion":")" + api + R"(","kind":")" + kind + R"(","metadata":)" + meta +
         R"(,"spec":)" + spec + "}";
}

// Review returns an AdmissionReview v1 request for a CREATE of |kind| |name| in team-a.
inline std::string Review(const std::string& uid, const std::string& kind, const std::string& name,
                          const PodImages& p) {
  const std::string group = Group(kind);
  const std::string gvk = R"({"group":")" + group + R"(","version":"v1","kind":")" + kind + R"("})";
  const std::string gvr =
      R"({"group":")" + group + R"(","version":"v1","resource":")" + Resource(kind) + R"("})";
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" +
         uid + R"(","kind":)" + gvk + R"(,"resource":)" + gvr + R"(,"requestKind":)" + gvk +
         R"(,"requestResource":)" + gvr + R"(,"name":")" + name +
         R"(","namespace":"team-a","operation":"CREATE","userInfo":{"username":"admin","uid":"014fbff9a07c","groups":["system:authenticated","my-admin-group"]},"object":)" +
         Object(kind, name, p) +
         R"(,"oldObject":null,"dryRun":false,"options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}})";
}

}  // namespace vouch::serve_test
