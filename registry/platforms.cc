// Platform selection and image expansion: the one place that decides which manifests of an
// index are the images a command signs, verifies or lists.
#include <optional>
#include <string>
#include <vector>

#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"

namespace vouch::registry {

bool IsPlatformImage(const Descriptor& entry) {
  return !entry.platform ||
         (entry.platform->os != "unknown" && entry.platform->architecture != "unknown");
}

std::optional<Digest> AttestationManifestSubject(const Descriptor& entry) {
  auto type = entry.annotations.find(std::string(kDockerReferenceTypeAnnotation));
  auto digest = entry.annotations.find(std::string(kDockerReferenceDigestAnnotation));
  if (type == entry.annotations.end() || type->second != kAttestationManifestType ||
      digest == entry.annotations.end()) {
    return std::nullopt;
  }
  auto parsed = Digest::Parse(digest->second);
  return parsed.ok() ? std::optional<Digest>(*parsed) : std::nullopt;
}

Result<Descriptor> SelectPlatform(const Manifest& manifest, const Platform& platform) {
  VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(manifest.bytes, manifest.media_type));
  if (!view.is_index) {
    return manifest.ToDescriptor();
  }
  std::vector<std::string> seen;
  for (const Descriptor& d : view.manifests) {
    if (!d.platform || !IsPlatformImage(d)) {
      continue;  // attestation manifests and entries without a platform
    }
    if (PlatformMatches(platform, *d.platform)) {
      return d;
    }
    seen.push_back(d.platform->ToString());
  }
  std::string list;
  for (const auto& s : seen) {
    list += (list.empty() ? "" : ", ") + s;
  }
  return NotFoundError("no " + platform.ToString() + " image in the index (has: " + list + ")");
}

Result<ImageSubjects> ExpandImage(Repository& repo, const ExpandOptions& options) {
  ImageSubjects out;
  const std::optional<Digest>& pinned = repo.reference().digest;
  if (options.resolved && pinned && options.resolved->digest == *pinned) {
    out.root = *options.resolved;
  } else {
    VOUCH_ASSIGN_OR_RETURN(out.root, repo.Resolve(repo.reference().Identifier()));
  }
  if (!IsIndexMediaType(out.root.media_type) || (!options.platform && !options.children)) {
    return out;
  }
  VOUCH_ASSIGN_OR_RETURN(Manifest index, repo.FetchManifest(out.root.digest.ToString()));
  if (options.platform) {
    VOUCH_ASSIGN_OR_RETURN(out.root, SelectPlatform(index, *options.platform));
    return out;
  }
  VOUCH_ASSIGN_OR_RETURN(ManifestView view, ParseManifest(index.bytes, index.media_type));
  out.entries = view.manifests;
  for (const Descriptor& d : view.manifests) {
    if (IsPlatformImage(d)) {
      out.children.push_back(d);
    }
  }
  return out;
}

}  // namespace vouch::registry
