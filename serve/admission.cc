#include "vouch/serve/admission.h"

#include <set>
#include <string>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/bytes.h"

namespace vouch::serve {
namespace {

constexpr std::string_view kWhat = "AdmissionReview";

// Pointer segment escaping, RFC 6901 section 3 (field names here never need it, but the
// pointers are built from constants and indexes only, so this is a no-op kept for clarity).
std::string Index(size_t i) { return std::to_string(i); }

// JsonAt follows |pointer| ("/spec/template/spec") through objects; nullptr when a step is
// missing. Kind tables only use object steps.
const Json* JsonAt(const Json& root, std::string_view pointer) {
  const Json* cur = &root;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);  // '/'
    size_t slash = pointer.find('/');
    std::string_view key = pointer.substr(0, slash);
    cur = FindField(*cur, key);
    if (cur == nullptr) {
      return nullptr;
    }
    pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(slash);
  }
  return cur;
}

// AddImage appends the image string |image| of the container or volume |item| (named by its
// "name"), found at |pointer|.
void AddImage(const Json& item, const Json& image, std::string pointer,
              std::vector<ContainerImage>& out) {
  ContainerImage ci;
  ci.image = image.get<std::string>();
  if (const Json* name = FindField(item, "name"); name != nullptr && name->is_string()) {
    ci.container = name->get<std::string>();
  }
  ci.pointer = std::move(pointer);
  out.push_back(std::move(ci));
}

Status CollectContainers(const Json& spec, const std::string& spec_pointer, std::string_view list,
                         std::vector<ContainerImage>& out) {
  const Json* arr = FindField(spec, list);
  if (arr == nullptr || arr->is_null()) {
    return OkStatus();
  }
  const std::string where = spec_pointer + "/" + std::string(list);
  if (!arr->is_array()) {
    return InvalidArgumentError(std::string(kWhat) + ": " + where + " is not an array");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& c = (*arr)[i];
    if (!c.is_object()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + "/" + Index(i) +
                                  " is not an object");
    }
    const Json* image = FindField(c, "image");
    if (image == nullptr || image->is_null()) {
      continue;  // a template being built up (e.g. an UPDATE of a partial object): nothing to run
    }
    if (!image->is_string()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + "/" + Index(i) +
                                  "/image is not a string");
    }
    AddImage(c, *image, where + "/" + Index(i) + "/image", out);
  }
  return OkStatus();
}

// CollectVolumes appends the image volumes of |spec| (`volumes[].image.reference`, Kubernetes
// 1.31+): an OCI image mounted as a volume is content the pod runs with, verified and pinned
// like a container's image.
Status CollectVolumes(const Json& spec, const std::string& spec_pointer,
                      std::vector<ContainerImage>& out) {
  const Json* arr = FindField(spec, "volumes");
  if (arr == nullptr || arr->is_null()) {
    return OkStatus();
  }
  const std::string where = spec_pointer + "/volumes";
  if (!arr->is_array()) {
    return InvalidArgumentError(std::string(kWhat) + ": " + where + " is not an array");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const Json& v = (*arr)[i];
    if (!v.is_object()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + "/" + Index(i) +
                                  " is not an object");
    }
    const Json* image = FindField(v, "image");
    if (image == nullptr || image->is_null()) {
      continue;  // another volume type
    }
    if (!image->is_object()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + "/" + Index(i) +
                                  "/image is not an object");
    }
    const Json* ref = FindField(*image, "reference");
    if (ref == nullptr || ref->is_null()) {
      continue;  // as for a container without an image: nothing to mount yet
    }
    if (!ref->is_string()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + "/" + Index(i) +
                                  "/image/reference is not a string");
    }
    AddImage(v, *ref, where + "/" + Index(i) + "/image/reference", out);
  }
  return OkStatus();
}

}  // namespace

std::string PodSpecPointer(std::string_view group, std::string_view kind) {
  if (group.empty() && kind == "Pod") {
    return "/spec";
  }
  if (group.empty() && kind == "ReplicationController") {
    return "/spec/template/spec";
  }
  if (group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
                          kind == "DaemonSet")) {
    return "/spec/template/spec";
  }
  if (group == "batch" && kind == "Job") {
    return "/spec/template/spec";
  }
  if (group == "batch" && kind == "CronJob") {
    return "/spec/jobTemplate/spec/template/spec";
  }
  return "";
}

namespace {

// CollectImages appends the images of |object| (request.object or request.oldObject, named
// |what| in messages), an object of |request|'s kind, to |out|.
Status CollectImages(const Json& object, std::string_view what, const AdmissionRequest& request,
                     std::vector<ContainerImage>& out) {
  if (request.group.empty() && request.kind == "EphemeralContainers") {
    // Clusters before 1.22 send the pods/ephemeralcontainers subresource as this kind, with
    // the list at the object's top level.
    return CollectContainers(object, "", "ephemeralContainers", out);
  }
  if (request.pod_spec_pointer.empty()) {
    return OkStatus();
  }
  const Json* spec = JsonAt(object, request.pod_spec_pointer);
  if (spec == nullptr || spec->is_null()) {
    return OkStatus();
  }
  if (!spec->is_object()) {
    return InvalidArgumentError("AdmissionReview " + std::string(what) + request.pod_spec_pointer +
                                " is not an object");
  }
  for (std::string_view list : {"containers", "initContainers", "ephemeralContainers"}) {
    VOUCH_RETURN_IF_ERROR(CollectContainers(*spec, request.pod_spec_pointer, list, out));
  }
  return CollectVolumes(*spec, request.pod_spec_pointer, out);
}

}  // namespace

Result<AdmissionRequest> ParseAdmissionReview(std::string_view body) {
  if (body.size() > kMaxAdmissionBodyBytes) {
    return InvalidArgumentError("AdmissionReview body of " + std::to_string(body.size()) +
                                " bytes is over the limit of " +
                                std::to_string(kMaxAdmissionBodyBytes));
  }
  VOUCH_ASSIGN_OR_RETURN(Json doc, ParseJson(body, kWhat));
  if (!doc.is_object()) {
    return InvalidArgumentError("body is not an AdmissionReview (not a JSON object)");
  }
  AdmissionRequest out;
  VOUCH_ASSIGN_OR_RETURN(out.api_version, GetString(doc, "apiVersion", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string kind, GetString(doc, "kind", kWhat));
  if (kind != "AdmissionReview" ||
      (out.api_version != "admission.k8s.io/v1" && out.api_version != "admission.k8s.io/v1beta1")) {
    return InvalidArgumentError("body is not an AdmissionReview (apiVersion \"" + out.api_version +
                                "\", kind \"" + kind +
                                "\"; want admission.k8s.io/v1 AdmissionReview)");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* req, GetObject(doc, "request", kWhat));
  VOUCH_ASSIGN_OR_RETURN(out.uid, GetString(*req, "uid", "AdmissionReview request"));
  if (out.uid.empty()) {
    return InvalidArgumentError("AdmissionReview request.uid is empty");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* gvk, GetObject(*req, "kind", "AdmissionReview request"));
  VOUCH_ASSIGN_OR_RETURN(out.kind, GetString(*gvk, "kind", "AdmissionReview request.kind"));
  if (out.kind.empty()) {
    // The API server always names the kind; without one vouch cannot tell where the images are,
    // and answering "no images: allowed" would fail open.
    return InvalidArgumentError("AdmissionReview request.kind.kind is empty");
  }
  VOUCH_ASSIGN_OR_RETURN(auto group, OptString(*gvk, "group", "AdmissionReview request.kind"));
  VOUCH_ASSIGN_OR_RETURN(auto version, OptString(*gvk, "version", "AdmissionReview request.kind"));
  out.group = group.value_or("");
  out.version = version.value_or("");
  VOUCH_ASSIGN_OR_RETURN(auto ns, OptString(*req, "namespace", "AdmissionReview request"));
  VOUCH_ASSIGN_OR_RETURN(auto name, OptString(*req, "name", "AdmissionReview request"));
  VOUCH_ASSIGN_OR_RETURN(auto op, OptString(*req, "operation", "AdmissionReview request"));
  out.namespace_name = ns.value_or("");
  out.name = name.value_or("");
  out.operation = op.value_or("");
  VOUCH_ASSIGN_OR_RETURN(auto sub, OptString(*req, "subResource", "AdmissionReview request"));
  out.sub_resource = sub.value_or("");
  if (const Json* user = FindField(*req, "userInfo"); user != nullptr && user->is_object()) {
    // Who asked is recorded, never decided on: a malformed userInfo is logged as far as it reads.
    if (const Json* n = FindField(*user, "username"); n != nullptr && n->is_string()) {
      out.username = n->get<std::string>();
    }
    if (const Json* g = FindField(*user, "groups"); g != nullptr && g->is_array()) {
      for (const Json& e : *g) {
        if (e.is_string()) {
          out.groups.push_back(e.get<std::string>());
        }
      }
    }
  }
  out.pod_spec_pointer = PodSpecPointer(out.group, out.kind);
  out.known_kind =
      !out.pod_spec_pointer.empty() || (out.group.empty() && out.kind == "EphemeralContainers");

  const Json* object = FindField(*req, "object");
  if (object == nullptr || object->is_null()) {
    return out;  // DELETE and CONNECT carry no object
  }
  if (!object->is_object()) {
    return InvalidArgumentError("AdmissionReview request.object is not an object");
  }
  if (out.name.empty()) {
    if (const Json* meta = FindField(*object, "metadata"); meta != nullptr) {
      const Json* n = FindField(*meta, "name");
      if (n == nullptr || !n->is_string() || n->get_ref<const std::string&>().empty()) {
        n = FindField(*meta, "generateName");
      }
      if (n != nullptr && n->is_string()) {
        out.name = n->get<std::string>();
      }
    }
  }
  VOUCH_RETURN_IF_ERROR(CollectImages(*object, "request.object", out, out.images));
  const Json* old = FindField(*req, "oldObject");
  if (old != nullptr && old->is_object()) {
    // Read from the stored object, never the one sent: the API server resets a deletionTimestamp
    // a client writes, but only after the mutating webhooks have seen it.
    if (const Json* meta = FindField(*old, "metadata"); meta != nullptr && meta->is_object()) {
      const Json* ts = FindField(*meta, "deletionTimestamp");
      out.deleting = ts != nullptr && ts->is_string() && !ts->get_ref<const std::string&>().empty();
    }
  }
  if (out.known_kind && old != nullptr && old->is_object()) {
    // The old object comes from the API server's storage; one whose images do not parse leaves
    // old_images unset, so the UPDATE is verified rather than refused or skipped.
    std::vector<ContainerImage> old_images;
    if (CollectImages(*old, "request.oldObject", out, old_images).ok()) {
      out.old_images.emplace();
      for (ContainerImage& ci : old_images) {
        out.old_images->push_back(std::move(ci.image));
      }
    }
  }
  return out;
}

std::string_view SkipName(Skip skip) {
  switch (skip) {
    case Skip::kNone:
      return "";
    case Skip::kDelete:
      return "delete";
    case Skip::kConnect:
      return "connect";
    case Skip::kSubresource:
      return "subresource";
    case Skip::kDeleting:
      return "deleting";
    case Skip::kUnchanged:
      return "unchanged-images";
  }
  return "";
}

std::string SkipDescription(Skip skip, const AdmissionRequest& request) {
  switch (skip) {
    case Skip::kNone:
      return "";
    case Skip::kDelete:
      return "DELETE starts no image: not verified";
    case Skip::kConnect:
      return "CONNECT starts no image: not verified";
    case Skip::kSubresource:
      return "subresource " + request.sub_resource + " carries no new image: not verified";
    case Skip::kDeleting:
      return "the object is being deleted (deletionTimestamp set): not verified";
    case Skip::kUnchanged:
      return "UPDATE adds or changes no image: not verified";
  }
  return "";
}

Skip SkipFor(const AdmissionRequest& request) {
  if (request.operation == "DELETE") {
    return Skip::kDelete;
  }
  if (request.operation == "CONNECT") {
    return Skip::kConnect;
  }
  // pods/ephemeralcontainers adds containers to a running pod: verified like any other image.
  if (!request.sub_resource.empty() && request.sub_resource != "ephemeralcontainers") {
    return Skip::kSubresource;
  }
  if (request.deleting && request.operation == "UPDATE") {
    return Skip::kDeleting;
  }
  if (request.operation == "UPDATE" && request.known_kind && request.old_images) {
    const std::set<std::string> old(request.old_images->begin(), request.old_images->end());
    bool added = false;
    for (const ContainerImage& ci : request.images) {
      added = added || old.count(ci.image) == 0;
    }
    if (!added) {
      return Skip::kUnchanged;
    }
  }
  return Skip::kNone;
}

std::string RenderJsonPatch(const std::vector<PatchOperation>& ops) {
  OrderedJson arr = OrderedJson::array();
  for (const PatchOperation& op : ops) {
    OrderedJson o;
    o["op"] = "replace";
    o["path"] = op.path;
    o["value"] = op.value;
    arr.push_back(std::move(o));
  }
  return DumpJson(arr);
}

std::string RenderAdmissionReview(const AdmissionRequest& request,
                                  const AdmissionResponse& response) {
  OrderedJson r;
  r["uid"] = request.uid;
  r["allowed"] = response.allowed;
  if (!response.allowed) {
    OrderedJson st;
    st["code"] = response.code;
    st["message"] = response.message;
    // metav1.Status reason for 403 (what kubectl shows next to the message).
    st["reason"] = response.code == 403 ? "Forbidden" : "";
    r["status"] = std::move(st);
  }
  if (!response.warnings.empty()) {
    r["warnings"] = response.warnings;
  }
  if (!response.patch.empty()) {
    r["patchType"] = "JSONPatch";
    r["patch"] = Base64Encode(AsBytes(RenderJsonPatch(response.patch)));
  }
  OrderedJson doc;
  doc["apiVersion"] = request.api_version.empty() ? "admission.k8s.io/v1" : request.api_version;
  doc["kind"] = "AdmissionReview";
  doc["response"] = std::move(r);
  return DumpJson(doc);
}

}  // namespace vouch::serve
