// AdmissionReview requests shaped like the Kubernetes API documentation's examples
// (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
// #request), for each workload kind vouch serve reads.
#pragma once

#include <optional>
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

// VolumeList returns image volumes (Kubernetes 1.31+) mounting |images|, then a ConfigMap
// volume (no image).
inline std::string VolumeList(const std::vector<std::string>& images) {
  std::string s = "[";
  for (size_t i = 0; i < images.size(); ++i) {
    s += R"({"name":"v)" + std::to_string(i) + R"(","image":{"reference":")" + images[i] +
         R"(","pullPolicy":"IfNotPresent"}},)";
  }
  return s + R"({"name":"config","configMap":{"name":"app-config"}}])";
}

inline std::string PodSpec(const PodImages& p, const std::vector<std::string>& volumes = {}) {
  std::string s = R"({"restartPolicy":"Always","dnsPolicy":"ClusterFirst","containers":)" +
                  ContainerList(p.containers, "c");
  if (!p.init.empty()) {
    s += R"(,"initContainers":)" + ContainerList(p.init, "init");
  }
  if (!p.ephemeral.empty()) {
    s += R"(,"ephemeralContainers":)" + ContainerList(p.ephemeral, "debug");
  }
  if (!volumes.empty()) {
    s += R"(,"volumes":)" + VolumeList(volumes);
  }
  return s + "}";
}

// Group returns the API group of |kind| ("" for core).
inline std::string Group(const std::string& kind) {
  if (kind == "Pod" || kind == "ReplicationController") {
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

// Object returns a |kind| object named |name| whose pod template holds |p| and image volumes
// of |volumes|; |deleting| sets metadata.deletionTimestamp and a finalizer.
inline std::string Object(const std::string& kind, const std::string& name, const PodImages& p,
                          const std::vector<std::string>& volumes = {}, bool deleting = false) {
  const std::string group = Group(kind);
  const std::string api = group.empty() ? "v1" : group + "/v1";
  const std::string meta =
      R"({"name":")" + name + R"(","namespace":"team-a","labels":{"app":")" + name + R"("})" +
      (deleting ? R"(,"deletionTimestamp":"2026-12-03T04:50:00Z","finalizers":["example.com/hold"])"
                : "") +
      "}";
  const std::string tmpl =
      R"({"metadata":{"labels":{"app":")" + name + R"("}},"spec":)" + PodSpec(p, volumes) + "}";
  std::string spec;
  if (kind == "Pod") {
    spec = PodSpec(p, volumes);
  } else if (kind == "ReplicationController") {
    spec = R"({"replicas":2,"selector":{"app":")" + name + R"("},"template":)" + tmpl + "}";
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

// ReviewOptions shape a request other than a plain CREATE.
struct ReviewOptions {
  std::string operation = "CREATE";
  std::string sub_resource;
  std::vector<std::string> volumes;  // image volumes of the object
  std::optional<PodImages> old;      // the oldObject's pod template (UPDATE)
  std::vector<std::string> old_volumes;
  bool deleting = false;   // metadata.deletionTimestamp set in the object and the old object
  bool no_object = false;  // object null (DELETE: the object is in oldObject)
  std::string username = "admin";
};

// Review returns an AdmissionReview v1 request for |o|.operation (default CREATE) of |kind|
// |name| in team-a.
inline std::string Review(const std::string& uid, const std::string& kind, const std::string& name,
                          const PodImages& p, const ReviewOptions& o) {
  const std::string group = Group(kind);
  const std::string gvk = R"({"group":")" + group + R"(","version":"v1","kind":")" + kind + R"("})";
  const std::string gvr =
      R"({"group":")" + group + R"(","version":"v1","resource":")" + Resource(kind) + R"("})";
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" +
         uid + R"(","kind":)" + gvk + R"(,"resource":)" + gvr + R"(,"requestKind":)" + gvk +
         R"(,"requestResource":)" + gvr +
         (o.sub_resource.empty() ? "" : R"(,"subResource":")" + o.sub_resource + R"(")") +
         R"(,"name":")" + name + R"(","namespace":"team-a","operation":")" + o.operation +
         R"(","userInfo":{"username":")" + o.username +
         R"(","uid":"014fbff9a07c","groups":["system:authenticated","my-admin-group"]},"object":)" +
         (o.no_object ? "null" : Object(kind, name, p, o.volumes, o.deleting)) +
         R"(,"oldObject":)" +
         (o.old ? Object(kind, name, *o.old, o.old_volumes, o.deleting) : std::string("null")) +
         R"(,"dryRun":false,"options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}})";
}

inline std::string Review(const std::string& uid, const std::string& kind, const std::string& name,
                          const PodImages& p) {
  return Review(uid, kind, name, p, ReviewOptions{});
}

}  // namespace vouch::serve_test
