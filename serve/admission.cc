#include "vouch/serve/admission.h"

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
    ContainerImage ci;
    ci.image = image->get<std::string>();
    if (const Json* name = FindField(c, "name"); name != nullptr && name->is_string()) {
      ci.container = name->get<std::string>();
    }
    ci.pointer = where + "/" + Index(i) + "/image";
    out.push_back(std::move(ci));
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
  if (out.group.empty() && out.kind == "EphemeralContainers") {
    // Clusters before 1.22 send the pods/ephemeralcontainers subresource as this kind, with
    // the list at the object's top level.
    VOUCH_RETURN_IF_ERROR(CollectContainers(*object, "", "ephemeralContainers", out.images));
    return out;
  }
  out.pod_spec_pointer = PodSpecPointer(out.group, out.kind);
  if (out.pod_spec_pointer.empty()) {
    return out;
  }
  const Json* spec = JsonAt(*object, out.pod_spec_pointer);
  if (spec == nullptr || spec->is_null()) {
    return out;
  }
  if (!spec->is_object()) {
    return InvalidArgumentError("AdmissionReview request.object" + out.pod_spec_pointer +
                                " is not an object");
  }
  for (std::string_view list : {"containers", "initContainers", "ephemeralContainers"}) {
    VOUCH_RETURN_IF_ERROR(CollectContainers(*spec, out.pod_spec_pointer, list, out.images));
  }
  return out;
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
