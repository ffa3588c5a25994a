#include "fallback.h"

#include "core/internal/json.h"

namespace vouch::registry::internal {

Result<Descriptor> ReferrerDescriptor(ByteView bytes, std::string_view media_type,
                                      const Digest& digest) {
  VOUCH_ASSIGN_OR_RETURN(ManifestView m, ParseManifest(bytes, media_type));
  if (!m.subject) {
    return InvalidArgumentError("referrer manifest has no subject");
  }
  Descriptor d;
  d.media_type = m.media_type;
  d.digest = digest;
  d.size = static_cast<int64_t>(bytes.size());
  d.artifact_type = m.EffectiveArtifactType();
  d.annotations = m.annotations;
  // A small referrer manifest is embedded in its fallback-index entry (the descriptor `data`
  // field, image-spec descriptor.md): readers that know the field skip one manifest GET, and
  // check the bytes against digest and size exactly as if they had fetched them. Readers that do
  // not know it fetch by digest as before.
  if (bytes.size() <= kMaxEmbeddedReferrerBytes) {
    d.data = Bytes(bytes.begin(), bytes.end());
  }
  return d;
}

Result<std::vector<Descriptor>> ParseReferrersIndex(ByteView bytes,
                                                    std::string_view artifact_type,
                                                    bool lenient) {
  auto m = ParseManifest(bytes, "");
  if (!m.ok() || m->media_type != kOciIndex) {
    if (lenient) {
      return std::vector<Descriptor>();
    }
    return m.ok() ? DataLossError("referrers response is not an OCI index") : m.status();
  }
  std::vector<Descriptor> out;
  for (Descriptor& d : m->manifests) {
    if (artifact_type.empty() || d.artifact_type == artifact_type) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

namespace {

bool IndexContains(const OrderedJson& index, const std::string& digest) {
  for (const auto& d : index["manifests"]) {
    if (d.is_object() && d.contains("digest") && d["digest"] == digest) {
      return true;
    }
  }
  return false;
}

// LoadIndex parses the fallback index |cur| holds (an empty index when the tag is missing).
Result<OrderedJson> LoadIndex(const std::string& tag, const Manifest* cur) {
  std::string text = cur != nullptr ? ToString(cur->bytes) : EmptyIndexJson();
  auto j = ParseOrderedJson(text, "referrers fallback index");
  if (!j.ok() || !j->is_object() || !j->contains("manifests") || !(*j)["manifests"].is_array() ||
      j->value("mediaType", "") != kOciIndex) {
    // Step 2 of the spec: a tag that is not an index is a failure, never overwritten.
    return FailedPreconditionError("the referrers tag " + tag +
                                   " holds something that is not an OCI index; refusing to "
                                   "overwrite it");
  }
  return std::move(j).value();
}

}  // namespace

Status AddToFallbackIndex(Repository& repo, const std::string& tag, const Descriptor& entry,
                          const TagUpdateOptions& options) {
  const std::string digest = entry.digest.ToString();
  auto mutate = [&](const std::optional<Manifest>& cur) -> Result<std::optional<ManifestUpdate>> {
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, LoadIndex(tag, cur ? &*cur : nullptr));
    if (IndexContains(index, digest)) {
      return std::optional<ManifestUpdate>();
    }
    VOUCH_ASSIGN_OR_RETURN(OrderedJson entry_json,
                           ParseOrderedJson(DescriptorToJson(entry), "descriptor"));
    index["manifests"].push_back(std::move(entry_json));
    return std::optional<ManifestUpdate>(
        ManifestUpdate{ToBytes(DumpJson(index)), std::string(kOciIndex)});
  };
  auto present = [&](const Manifest& served) {
    auto index = LoadIndex(tag, &served);
    return index.ok() && IndexContains(*index, digest);
  };
  return UpdateTaggedManifest(repo, tag, mutate, present, options).WithContext(
      "referrers fallback index for " + entry.digest.ToString());
}

Status RemoveFromFallbackIndex(Repository& repo, const std::string& tag, const Digest& referrer,
                               const TagUpdateOptions& options) {
  const std::string digest = referrer.ToString();
  auto mutate = [&](const std::optional<Manifest>& cur) -> Result<std::optional<ManifestUpdate>> {
    if (!cur) {
      return std::optional<ManifestUpdate>();
    }
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, LoadIndex(tag, &*cur));
    if (!IndexContains(index, digest)) {
      return std::optional<ManifestUpdate>();
    }
    OrderedJson kept = OrderedJson::array();
    for (const auto& d : index["manifests"]) {
      if (!(d.is_object() && d.contains("digest") && d["digest"] == digest)) {
        kept.push_back(d);
      }
    }
    index["manifests"] = std::move(kept);
    return std::optional<ManifestUpdate>(
        ManifestUpdate{ToBytes(DumpJson(index)), std::string(kOciIndex)});
  };
  auto absent = [&](const Manifest& served) {
    auto index = LoadIndex(tag, &served);
    return index.ok() && !IndexContains(*index, digest);
  };
  return UpdateTaggedManifest(repo, tag, mutate, absent, options)
      .WithContext("referrers fallback index for " + digest);
}

}  // namespace vouch::registry::internal
