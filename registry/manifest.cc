// Manifest, index and descriptor parsing (image-spec descriptor.md, manifest.md, image-index.md).
#include "vouch/registry/manifest.h"

#include <cctype>

#include "core/internal/json.h"

namespace vouch::registry {
namespace {

Status Bad(const std::string& what) { return DataLossError("malformed manifest: " + what); }

// RFC 6838 restricted-name: [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}
bool IsRestrictedName(std::string_view s) {
  if (s.empty() || s.size() > 127 || !std::isalnum(static_cast<unsigned char>(s.front()))) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$&^_.+-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Result<std::map<std::string, std::string>> ParseAnnotations(const Json& obj,
                                                            const std::string& where) {
  std::map<std::string, std::string> out;
  const Json* a = FindField(obj, "annotations");
  if (a == nullptr) {
    return out;
  }
  if (!a->is_object()) {
    return Bad(where + ": annotations must be an object");
  }
  for (const auto& [k, v] : a->items()) {
    if (!v.is_string()) {
      return Bad(where + ": annotation \"" + k + "\" must be a string");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<std::string> OptionalString(const Json& obj, const char* field, const std::string& where) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return std::string();
  }
  if (!v->is_string()) {
    return Bad(where + ": " + field + " must be a string");
  }
  return v->get<std::string>();
}

Result<Platform> ParsePlatformJson(const Json& p, const std::string& where) {
  if (!p.is_object()) {
    return Bad(where + ": platform must be an object");
  }
  Platform out;
  VOUCH_ASSIGN_OR_RETURN(out.architecture, OptionalString(p, "architecture", where));
  VOUCH_ASSIGN_OR_RETURN(out.os, OptionalString(p, "os", where));
  VOUCH_ASSIGN_OR_RETURN(out.variant, OptionalString(p, "variant", where));
  VOUCH_ASSIGN_OR_RETURN(out.os_version, OptionalString(p, "os.version", where));
  if (out.architecture.empty() || out.os.empty()) {
    return Bad(where + ": platform needs architecture and os");
  }
  for (const char* list : {"os.features", "features"}) {
    if (const Json* f = FindField(p, list); f != nullptr) {
      if (!f->is_array()) {
        return Bad(where + ": platform " + list + " must be an array");
      }
      for (const Json& e : *f) {
        if (!e.is_string()) {
          return Bad(where + ": platform " + list + " entries must be strings");
        }
      }
    }
  }
  return out;
}

Result<Descriptor> ParseDescriptor(const Json& j, const std::string& where) {
  if (!j.is_object()) {
    return Bad(where + " is not an object");
  }
  Descriptor d;
  const Json* mt = FindField(j, "mediaType");
  if (mt == nullptr || !mt->is_string() || !IsValidMediaType(mt->get<std::string>())) {
    return Bad(where + ": mediaType missing or invalid");
  }
  d.media_type = mt->get<std::string>();
  const Json* dg = FindField(j, "digest");
  if (dg == nullptr || !dg->is_string()) {
    return Bad(where + ": digest missing");
  }
  auto digest = Digest::Parse(dg->get<std::string>());
  if (!digest.ok()) {
    return Bad(where + ": " + digest.status().message());
  }
  d.digest = *digest;
  const Json* size = FindField(j, "size");
  if (size == nullptr || !size->is_number_integer()) {
    return Bad(where + ": size missing or not an integer");
  }
  d.size = size->get<int64_t>();
  if (d.size < 0) {
    return Bad(where + ": negative size");
  }
  VOUCH_ASSIGN_OR_RETURN(d.artifact_type, OptionalString(j, "artifactType", where));
  if (!d.artifact_type.empty() && !IsValidMediaType(d.artifact_type)) {
    return Bad(where + ": artifactType is not a media type");
  }
  VOUCH_ASSIGN_OR_RETURN(d.annotations, ParseAnnotations(j, where));
  if (const Json* urls = FindField(j, "urls"); urls != nullptr) {
    if (!urls->is_array()) {
      return Bad(where + ": urls must be an array");
    }
    for (const Json& u : *urls) {
      if (!u.is_string()) {
        return Bad(where + ": urls entries must be strings");
      }
      std::string s = u.get<std::string>();
      size_t colon = s.find(':');
      if (colon == std::string::npos || colon == 0 ||
          !std::isalpha(static_cast<unsigned char>(s[0]))) {
        return Bad(where + ": url \"" + s + "\" is not an absolute URI");
      }
      d.urls.push_back(std::move(s));
    }
  }
  if (const Json* data = FindField(j, "data"); data != nullptr) {
    if (!data->is_string()) {
      return Bad(where + ": data must be a string");
    }
    auto bytes = Base64Decode(data->get<std::string>(), Base64Alphabet::kStd);
    if (!bytes.ok() || (data->get<std::string>().size() % 4) != 0) {
      return Bad(where + ": data is not padded standard base64");
    }
    if (static_cast<int64_t>(bytes->size()) != d.size ||
        !(Digest::Of(*bytes, d.digest.algorithm()) == d.digest)) {
      return DataLossError(where + ": data does not match digest and size");
    }
    d.data = std::move(bytes).value();
  }
  if (const Json* p = FindField(j, "platform"); p != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(d.platform, ParsePlatformJson(*p, where));
  }
  return d;
}

std::string StripParams(std::string_view ct) {
  size_t semi = ct.find(';');
  std::string_view s = ct.substr(0, semi);
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

bool IsIndexMediaType(std::string_view mt) { return mt == kOciIndex || mt == kDockerManifestList; }
bool IsManifestMediaType(std::string_view mt) { return mt == kOciManifest || mt == kDockerManifest; }

bool IsValidMediaType(std::string_view mt) {
  size_t slash = mt.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  std::string_view type = mt.substr(0, slash);
  std::string_view sub = mt.substr(slash + 1);
  // A parameter section is not allowed in descriptor media types (schema pattern).
  return IsRestrictedName(type) && IsRestrictedName(sub);
}

std::string Platform::ToString() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) {
    s += "/" + variant;
  }
  return s;
}

Result<Platform> ParsePlatform(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                           : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
      (parts.size() == 3 && parts[2].empty())) {
    return InvalidArgumentError("invalid platform \"" + std::string(text) +
                                "\" (want os/arch[/variant], e.g. linux/arm64/v8)");
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) {
    p.variant = parts[2];
  }
  return p;
}

bool PlatformMatches(const Platform& want, const Platform& have) {
  if (want.os != have.os || want.architecture != have.architecture) {
    return false;
  }
  if (want.variant.empty()) {
    return true;
  }
  if (want.variant == have.variant) {
    return true;
  }
  return want.architecture == "arm64" && want.variant == "v8" && have.variant.empty();
}

bool IsUnnamedArtifactType(std::string_view artifact_type) {
  return artifact_type.empty() || artifact_type == kOciEmpty;
}

std::string ManifestView::EffectiveArtifactType() const {
  if (!artifact_type.empty()) {
    return artifact_type;
  }
  return config ? config->media_type : "";
}

Result<ManifestView> ParseManifest(ByteView bytes, std::string_view content_type) {
  auto parsed = ParseJson(AsChars(bytes), "manifest");
  if (!parsed.ok()) {
    return Bad(parsed.status().message());
  }
  const Json& j = *parsed;
  if (!j.is_object()) {
    return Bad("not a JSON object");
  }
  ManifestView m;
  const Json* sv = FindField(j, "schemaVersion");
  if (sv != nullptr && sv->is_number_integer() && sv->get<int64_t>() == 1) {
    return UnimplementedError("Docker schema 1 manifests are not supported");
  }
  if (sv == nullptr || !sv->is_number_integer() || sv->get<int64_t>() != 2) {
    return Bad("schemaVersion must be 2");
  }
  VOUCH_ASSIGN_OR_RETURN(m.media_type, OptionalString(j, "mediaType", "manifest"));
  std::string ct = StripParams(content_type);
  if (!m.media_type.empty() && !ct.empty() && (IsIndexMediaType(ct) || IsManifestMediaType(ct)) &&
      ct != m.media_type) {
    return Bad("Content-Type " + ct + " does not match mediaType " + m.media_type);
  }
  if (m.media_type.empty()) {
    m.media_type = ct;
  }
  if (m.media_type.empty()) {
    // Neither says: decide by shape (image-spec allows a missing mediaType).
    m.media_type = FindField(j, "manifests") != nullptr ? std::string(kOciIndex)
                                                         : std::string(kOciManifest);
  }
  if (!IsIndexMediaType(m.media_type) && !IsManifestMediaType(m.media_type)) {
    return Bad("unsupported media type " + m.media_type);
  }
  m.is_index = IsIndexMediaType(m.media_type);
  VOUCH_ASSIGN_OR_RETURN(m.artifact_type, OptionalString(j, "artifactType", "manifest"));
  if (!m.artifact_type.empty() && !IsValidMediaType(m.artifact_type)) {
    return Bad("artifactType is not a media type");
  }
  VOUCH_ASSIGN_OR_RETURN(m.annotations, ParseAnnotations(j, "manifest"));
  if (const Json* s = FindField(j, "subject"); s != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(m.subject, ParseDescriptor(*s, "subject"));
  }
  if (m.is_index) {
    if (FindField(j, "config") != nullptr || FindField(j, "layers") != nullptr) {
      // Tolerated by some writers, but an index with layers is ambiguous: reject.
      return Bad("an index must not have config or layers");
    }
    const Json* ms = FindField(j, "manifests");
    if (ms == nullptr || !ms->is_array()) {
      return Bad("index needs a manifests array");
    }
    for (size_t i = 0; i < ms->size(); ++i) {
      VOUCH_ASSIGN_OR_RETURN(Descriptor d,
                             ParseDescriptor((*ms)[i], "manifests[" + std::to_string(i) + "]"));
      m.manifests.push_back(std::move(d));
    }
  } else {
    if (FindField(j, "manifests") != nullptr) {
      return Bad("a manifest must not have a manifests array");
    }
    const Json* c = FindField(j, "config");
    if (c == nullptr) {
      return Bad("manifest needs a config descriptor");
    }
    VOUCH_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*c, "config"));
    const Json* ls = FindField(j, "layers");
    if (ls == nullptr || !ls->is_array()) {
      return Bad("manifest needs a layers array");
    }
    if (ls->empty()) {
      return Bad("layers must have at least one entry (image-spec schema minItems)");
    }
    for (size_t i = 0; i < ls->size(); ++i) {
      VOUCH_ASSIGN_OR_RETURN(Descriptor d,
                             ParseDescriptor((*ls)[i], "layers[" + std::to_string(i) + "]"));
      m.layers.push_back(std::move(d));
    }
    if (m.config->media_type == kOciEmpty && m.artifact_type.empty() &&
        m.media_type == kOciManifest) {
      return Bad("artifactType must be set when config.mediaType is the empty type");
    }
  }
  return m;
}

Result<Descriptor> ParseDescriptorJson(ByteView bytes) {
  auto parsed = ParseJson(AsChars(bytes), "descriptor");
  if (!parsed.ok()) {
    return Bad(parsed.status().message());
  }
  return ParseDescriptor(*parsed, "descriptor");
}

std::string DescriptorToJson(const Descriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest.ToString();
  j["size"] = d.size;
  if (!d.artifact_type.empty()) {
    j["artifactType"] = d.artifact_type;
  }
  if (!d.annotations.empty()) {
    j["annotations"] = d.annotations;
  }
  if (d.platform) {
    OrderedJson p;
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->variant.empty()) {
      p["variant"] = d.platform->variant;
    }
    j["platform"] = p;
  }
  if (d.data) {
    j["data"] = Base64Encode(*d.data);
  }
  return DumpJson(j);
}

std::string EmptyIndexJson() {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
}

}  // namespace vouch::registry
