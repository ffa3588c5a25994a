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

Status AddToFallbackIndex(const FallbackStore& store, const Descriptor& entry) {
  const std::string digest = entry.digest.ToString();
  auto contains = [&](const OrderedJson& index) {
    const auto& ms = index["manifests"];
    for (const auto& d : ms) {
      if (d.is_object() && d.contains("digest") && d["digest"] == digest) {
        return true;
      }
    }
    return false;
  };
  auto load = [&](const std::optional<FallbackIndex>& cur) -> Result<OrderedJson> {
    std::string text = cur ? ToString(cur->bytes) : EmptyIndexJson();
    auto j = ParseOrderedJson(text, "referrers fallback index");
    if (!j.ok() || !j->is_object() || !j->contains("manifests") ||
        !(*j)["manifests"].is_array() || j->value("mediaType", "") != kOciIndex) {
      // Step 2 of the spec: a tag that is not an index is a failure, never overwritten.
      return FailedPreconditionError("the referrers tag holds something that is not an OCI "
                                     "index; refusing to overwrite it");
    }
    return std::move(j).value();
  };
  for (int round = 0; round < kMaxFallbackRounds; ++round) {
    VOUCH_ASSIGN_OR_RETURN(auto current, store.read());
    VOUCH_ASSIGN_OR_RETURN(OrderedJson index, load(current));
    if (contains(index)) {
      return OkStatus();
    }
    auto entry_json = ParseOrderedJson(DescriptorToJson(entry), "descriptor");
    if (!entry_json.ok()) {
      return entry_json.status();
    }
    index["manifests"].push_back(*entry_json);
    std::string text = DumpJson(index);
    Status w = store.write(ToBytes(text), current ? current->etag : "");
    if (w.code() == ErrorCode::kAborted) {
      continue;  // 412: someone else wrote first; re-read and merge again
    }
    VOUCH_RETURN_IF_ERROR(w);
    // Confirm: a registry that ignores If-Match may have let a concurrent writer replace our
    // index with one that lacks our entry.
    VOUCH_ASSIGN_OR_RETURN(auto after, store.read());
    if (after) {
      VOUCH_ASSIGN_OR_RETURN(OrderedJson check, load(after));
      if (contains(check)) {
        return OkStatus();
      }
    }
  }
  return AbortedError("referrers fallback index for " + digest +
                      " kept changing under concurrent writers; gave up after " +
                      std::to_string(kMaxFallbackRounds) + " rounds");
}

}  // namespace vouch::registry::internal
