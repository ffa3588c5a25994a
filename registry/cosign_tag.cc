// Adding layers to cosign's `.sig` / `.att` manifests (cosign_tag.h, formats.md 3.2 - 3.4).
#include "vouch/registry/cosign_tag.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "vouch/registry/manifest.h"

namespace vouch::registry {
namespace {

// LayerKey identifies a layer by its digest and its annotations (in any key order): what makes
// two signatures of one payload by two keys two layers.
std::string LayerKey(const OrderedJson& layer) {
  std::string key;
  if (auto d = layer.find("digest"); d != layer.end() && d->is_string()) {
    key = d->get<std::string>();
  }
  std::map<std::string, std::string> annotations;
  if (auto a = layer.find("annotations"); a != layer.end() && a->is_object()) {
    for (const auto& [k, v] : a->items()) {
      annotations[k] = DumpJson(v);
    }
  }
  for (const auto& [k, v] : annotations) {
    key += '\n' + k + '=' + v;
  }
  return key;
}

Result<OrderedJson> AdditionLayers(ByteView addition) {
  auto doc = ParseOrderedJson(AsChars(addition), "layers to add");
  if (!doc.ok()) {
    return InvalidArgumentError(doc.status().message());
  }
  auto layers = doc->find("layers");
  if (!doc->is_object() || layers == doc->end() || !layers->is_array()) {
    return InvalidArgumentError("the layers to add are not a manifest with a layers array");
  }
  for (const auto& l : *layers) {
    if (!l.is_object() || !l.contains("digest") || !l["digest"].is_string()) {
      return InvalidArgumentError("a layer to add has no digest");
    }
  }
  return std::move(*layers);
}

std::set<std::string> LayerKeys(const OrderedJson& layers) {
  std::set<std::string> keys;
  for (const auto& l : layers) {
    if (l.is_object()) {
      keys.insert(LayerKey(l));
    }
  }
  return keys;
}

}  // namespace

Status PushBlobIfMissing(Repository& repo, const Digest& digest, ByteView data) {
  VOUCH_ASSIGN_OR_RETURN(bool present, repo.BlobExists(digest));
  if (present) {
    return OkStatus();
  }
  return repo.PushBlob(digest, data);
}

Result<std::optional<ManifestUpdate>> AppendCosignLayers(Repository& repo,
                                                        const std::optional<Manifest>& current,
                                                        ByteView addition) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson extra, AdditionLayers(addition));
  OrderedJson m = OrderedJson::object();
  if (current) {
    if (!IsManifestMediaType(current->media_type)) {
      return FailedPreconditionError("the cosign tag holds a " + current->media_type +
                                     ", not an image manifest; refusing to overwrite it");
    }
    auto parsed = ParseOrderedJson(AsChars(current->bytes), "cosign tag manifest");
    if (!parsed.ok() || !parsed->is_object()) {
      return FailedPreconditionError(
          "the cosign tag does not hold a JSON object; refusing to overwrite it");
    }
    m = std::move(*parsed);
  } else {
    m["schemaVersion"] = 2;
    m["mediaType"] = kOciManifest;
  }
  OrderedJson layers = OrderedJson::array();
  if (auto it = m.find("layers"); it != m.end() && it->is_array()) {
    layers = *it;
  }
  std::set<std::string> have = LayerKeys(layers);
  bool added = false;
  for (auto& l : extra) {
    if (have.insert(LayerKey(l)).second) {
      layers.push_back(std::move(l));
      added = true;
    }
  }
  if (!added && current) {
    return std::optional<ManifestUpdate>();
  }
  OrderedJson diff_ids = OrderedJson::array();
  for (const auto& l : layers) {
    if (l.is_object() && l.contains("digest") && l["digest"].is_string()) {
      diff_ids.push_back(l["digest"]);
    }
  }
  // cosign's config blob (formats.md 3.2), in Go's field order.
  OrderedJson config = OrderedJson::object();
  config["architecture"] = "";
  config["created"] = "0001-01-01T00:00:00Z";
  config["history"] = OrderedJson::array({{{"created", "0001-01-01T00:00:00Z"}}});
  config["os"] = "";
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  config["config"] = OrderedJson::object();
  const std::string config_bytes = DumpJson(config);
  const Digest config_digest = Digest::Of(AsBytes(config_bytes));
  VOUCH_RETURN_IF_ERROR(PushBlobIfMissing(repo, config_digest, AsBytes(config_bytes)));
  OrderedJson cfg = OrderedJson::object();
  cfg["mediaType"] = kCosignConfigMediaType;
  cfg["size"] = static_cast<int64_t>(config_bytes.size());
  cfg["digest"] = config_digest.ToString();
  m["config"] = std::move(cfg);
  m["layers"] = std::move(layers);
  std::string media_type = m.contains("mediaType") && m["mediaType"].is_string()
                               ? m["mediaType"].get<std::string>()
                               : std::string(kOciManifest);
  return std::optional<ManifestUpdate>(ManifestUpdate{ToBytes(DumpJson(m)), media_type});
}

bool HasCosignLayers(const Manifest& served, ByteView addition) {
  auto extra = AdditionLayers(addition);
  auto doc = ParseOrderedJson(AsChars(served.bytes), "cosign tag manifest");
  if (!extra.ok() || !doc.ok() || !doc->is_object()) {
    return false;
  }
  auto layers = doc->find("layers");
  if (layers == doc->end() || !layers->is_array()) {
    return false;
  }
  const std::set<std::string> have = LayerKeys(*layers);
  for (const auto& l : *extra) {
    if (have.count(LayerKey(l)) == 0) {
      return false;
    }
  }
  return true;
}

}  // namespace vouch::registry
