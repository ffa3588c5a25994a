// Kubernetes admission.k8s.io/v1 AdmissionReview: reading the request the API server sends to a
// webhook and writing the response it expects
// (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
//
// Parsing extracts what `vouch serve` decides on: the request's identity (uid, kind, namespace,
// name, operation) and every container image of the object's pod spec, each with the JSON
// pointer of its "image" field so that a mutating webhook can patch it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"

namespace vouch::serve {

// kMaxAdmissionBodyBytes caps an AdmissionReview body. Kubernetes objects are limited to about
// 1.5 MiB in etcd and requests to 3 MiB; anything larger is refused with HTTP 400.
inline constexpr size_t kMaxAdmissionBodyBytes = 3u << 20;

// ContainerImage is one container of the object's pod spec.
struct ContainerImage {
  std::string image;  // the "image" field exactly as written ("nginx:1.25", "reg/app@sha256:…")
  std::string container;  // the container's "name"
  // pointer is the RFC 6901 JSON pointer of the image field inside the object
  // ("/spec/template/spec/initContainers/0/image").
  std::string pointer;
};

// AdmissionRequest is the part of an AdmissionReview request that vouch uses.
struct AdmissionRequest {
  std::string api_version;  // "admission.k8s.io/v1" (echoed in the response)
  std::string uid;          // echoed in the response
  std::string group;        // request.kind.group ("" for core, "apps", "batch")
  std::string version;      // request.kind.version
  std::string kind;         // request.kind.kind ("Pod", "Deployment", ...)
  std::string namespace_name;
  std::string name;       // request.name, else object.metadata.name, else metadata.generateName
  std::string operation;  // "CREATE", "UPDATE", "DELETE", "CONNECT"
  // pod_spec_pointer is the JSON pointer of the pod spec inside the object: "/spec" for Pods,
  // "/spec/template/spec" for Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and
  // ReplicationControllers, "/spec/jobTemplate/spec/template/spec" for CronJobs; "" for kinds
  // without a pod spec (which carry no images). The EphemeralContainers kind (group "", sent
  // by clusters before 1.22 for the pods/ephemeralcontainers subresource) has its images at
  // "/ephemeralContainers" and an empty pod_spec_pointer.
  std::string pod_spec_pointer;
  // images lists containers, then initContainers, then ephemeralContainers, in document order.
  std::vector<ContainerImage> images;
};

// PodSpecPointer returns the pod spec's JSON pointer for the kind |group|/|kind|, or "" when
// the kind has no pod template that vouch knows.
std::string PodSpecPointer(std::string_view group, std::string_view kind);

// ParseAdmissionReview parses |body|. It is kInvalidArgument, with a message for the HTTP 400
// answer, when the body is over kMaxAdmissionBodyBytes, is not JSON, is not an AdmissionReview
// (apiVersion admission.k8s.io/v1 or v1beta1, kind AdmissionReview), lacks request.uid or
// request.kind, or has a pod spec whose containers or images have the wrong JSON types. A
// DELETE (no object) or an object of an unknown kind parses with no images.
Result<AdmissionRequest> ParseAdmissionReview(std::string_view body);

// PatchOperation is one JSONPatch (RFC 6902) "replace" of a string value.
struct PatchOperation {
  std::string path;   // JSON pointer
  std::string value;  // new string value
};

// AdmissionResponse is what the webhook answers.
struct AdmissionResponse {
  bool allowed = false;
  // code and message fill response.status when the request is denied (code 403).
  int code = 403;
  std::string message;
  // warnings are shown to the client (kubectl prints them), allowed or not.
  std::vector<std::string> warnings;
  // patch, when non-empty, is sent as a base64 JSONPatch with patchType "JSONPatch".
  std::vector<PatchOperation> patch;
};

// RenderAdmissionReview returns the AdmissionReview response JSON for |request|: apiVersion
// echoed, kind AdmissionReview, response.uid = request.uid.
std::string RenderAdmissionReview(const AdmissionRequest& request,
                                  const AdmissionResponse& response);

// RenderJsonPatch returns |ops| as a JSONPatch document (before base64).
std::string RenderJsonPatch(const std::vector<PatchOperation>& ops);

}  // namespace vouch::serve
