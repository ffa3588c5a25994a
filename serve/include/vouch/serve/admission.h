// Kubernetes admission.k8s.io/v1 AdmissionReview: reading the request the API server sends to a
// webhook and writing the response it expects
// (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
//
// Parsing extracts what `vouch serve` decides on: the request's identity (uid, kind, namespace,
// name, operation, subresource, the user who asked), every image of the object's pod spec
// (containers and image volumes), each with the JSON pointer of its string so that a mutating
// webhook can patch it, and what decides whether the images need verifying at all (the old
// object's images on UPDATE, a deletion in progress).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"

namespace vouch::serve {

// kMaxAdmissionBodyBytes caps an AdmissionReview body. Kubernetes objects are limited to about
// 1.5 MiB in etcd and requests to 3 MiB; anything larger is refused with HTTP 400.
inline constexpr size_t kMaxAdmissionBodyBytes = 3u << 20;

// ContainerImage is one image of the object's pod spec: a container's, or an image volume's
// (Kubernetes 1.31+ `volumes[].image.reference`, an OCI image mounted as a volume).
struct ContainerImage {
  std::string image;      // the image exactly as written ("nginx:1.25", "reg/app@sha256:…")
  std::string container;  // the container's "name", or the volume's
  // pointer is the RFC 6901 JSON pointer of the image string inside the object
  // ("/spec/template/spec/initContainers/0/image", "/spec/volumes/2/image/reference").
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
  std::string name;          // request.name, else object.metadata.name, else metadata.generateName
  std::string operation;     // "CREATE", "UPDATE", "DELETE", "CONNECT"
  std::string sub_resource;  // request.subResource ("status", "scale", "ephemeralcontainers")
  // username and groups are request.userInfo's: who asked (the decision log records them).
  std::string username;
  std::vector<std::string> groups;
  // deleting is set when oldObject.metadata.deletionTimestamp is: the stored object is being
  // deleted and this UPDATE (a finalizer removal, a status write) cannot start anything.
  bool deleting = false;
  // known_kind is set for the kinds whose images vouch can read: those with a pod_spec_pointer
  // and the EphemeralContainers kind.
  bool known_kind = false;
  // pod_spec_pointer is the JSON pointer of the pod spec inside the object: "/spec" for Pods,
  // "/spec/template/spec" for Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and
  // ReplicationControllers, "/spec/jobTemplate/spec/template/spec" for CronJobs; "" for kinds
  // without a pod spec (which carry no images). The EphemeralContainers kind (group "", sent
  // by clusters before 1.22 for the pods/ephemeralcontainers subresource) has its images at
  // "/ephemeralContainers" and an empty pod_spec_pointer.
  std::string pod_spec_pointer;
  // images lists containers, then initContainers, then ephemeralContainers, then image
  // volumes, in document order.
  std::vector<ContainerImage> images;
  // old_images are the images of request.oldObject (UPDATE), as written; nullopt when the
  // request has no old object of a known kind, or one whose images do not parse.
  std::optional<std::vector<std::string>> old_images;
};

// PodSpecPointer returns the pod spec's JSON pointer for the kind |group|/|kind|, or "" when
// the kind has no pod template that vouch knows.
std::string PodSpecPointer(std::string_view group, std::string_view kind);

// ParseAdmissionReview parses |body|. It is kInvalidArgument, with a message for the HTTP 400
// answer, when the body is over kMaxAdmissionBodyBytes, is not JSON, is not an AdmissionReview
// (apiVersion admission.k8s.io/v1 or v1beta1, kind AdmissionReview), lacks request.uid or
// request.kind, or has a pod spec whose containers, volumes or images have the wrong JSON
// types. A DELETE (no object) or an object of an unknown kind parses with no images.
Result<AdmissionRequest> ParseAdmissionReview(std::string_view body);

// Skip says why a request is answered without verifying its images, as the established gates
// do: nothing it admits can start an image that was not there before.
enum class Skip {
  kNone,         // verify
  kDelete,       // operation DELETE
  kConnect,      // operation CONNECT (exec, attach, port-forward, proxy)
  kSubresource,  // a subresource other than pods/ephemeralcontainers (status, scale, binding)
  kDeleting,     // an UPDATE of an object being deleted (the stored deletionTimestamp set)
  kUnchanged,    // an UPDATE of a known kind that names no image its old object did not
};

// SkipName returns the stable spelling: "", "delete", "connect", "subresource", "deleting",
// "unchanged-images" (decision log "skipped", metric label "reason").
std::string_view SkipName(Skip skip);

// SkipDescription says it for people ("UPDATE adds or changes no image: not verified").
std::string SkipDescription(Skip skip, const AdmissionRequest& request);

// SkipFor returns why |request| needs no verification, or kNone. The ephemeralcontainers
// subresource adds containers and is never skipped as a subresource. An UPDATE is kUnchanged
// when every image of the object is also an image of the old object (the same strings, in any
// container or volume): an UPDATE that adds or changes an image is verified, all its images.
Skip SkipFor(const AdmissionRequest& request);

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
