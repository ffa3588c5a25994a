// Fuzz target for the OCI object readers of vouch::registry (manifest.h): ParseManifest (image
// manifests and indexes, with and without a Content-Type), ParseDescriptorJson, ParsePlatform and
// the referrers index reader. The first line of the input is the Content-Type, the rest the
// document.
// Invariants: a parsed view is an index exactly when its media type is an index type, has the
// parts its kind needs (a config and at least one layer, or a manifests array) and none of the
// other kind's; every descriptor has a valid media type, a non-negative size and, with data, data
// of that size and digest; DescriptorToJson of a parsed descriptor parses back to an equal one
// (urls and os.version, which it does not write, aside); parsing without a Content-Type agrees
// with the one with it on whether the document is an index; a platform that parses prints a string
// that parses to it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fallback.h"
#include "fuzz_check.h"
#include "vouch/core/bytes.h"
#include "vouch/registry/manifest.h"

namespace {

using vouch::registry::Descriptor;

bool SamePlatform(const vouch::registry::Platform& a, const vouch::registry::Platform& b) {
  return a.os == b.os && a.architecture == b.architecture && a.variant == b.variant;
}

void CheckDescriptor(const Descriptor& d) {
  FUZZ_CHECK(vouch::registry::IsValidMediaType(d.media_type));
  FUZZ_CHECK(d.size >= 0);
  FUZZ_CHECK(d.artifact_type.empty() || vouch::registry::IsValidMediaType(d.artifact_type));
  if (d.data) {
    FUZZ_CHECK(static_cast<int64_t>(d.data->size()) == d.size);
    FUZZ_CHECK(vouch::Digest::Of(*d.data, d.digest.algorithm()) == d.digest);
  }
  if (d.platform) {
    FUZZ_CHECK(!d.platform->os.empty() && !d.platform->architecture.empty());
  }
  // The writer's output reads back as the same descriptor.
  const std::string json = vouch::registry::DescriptorToJson(d);
  vouch::Result<Descriptor> again = vouch::registry::ParseDescriptorJson(vouch::AsBytes(json));
  if (!again.ok()) {
    std::fprintf(stderr, "ParseDescriptorJson(%s): %s\n", json.c_str(),
                 again.status().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->media_type == d.media_type && again->digest == d.digest &&
             again->size == d.size && again->artifact_type == d.artifact_type &&
             again->annotations == d.annotations && again->data == d.data);
  FUZZ_CHECK(again->platform.has_value() == d.platform.has_value());
  if (d.platform) {
    FUZZ_CHECK(SamePlatform(*again->platform, *d.platform));
  }
  FUZZ_CHECK(vouch::registry::DescriptorToJson(*again) == json);
  (void)vouch::registry::IsPlatformImage(d);
  (void)vouch::registry::AttestationManifestSubject(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view content_type = nl == std::string_view::npos ? "" : input.substr(0, nl);
  std::string_view doc = nl == std::string_view::npos ? input : input.substr(nl + 1);
  vouch::ByteView bytes = vouch::AsBytes(doc);

  // --platform values come from users, the same text is tried here.
  vouch::Result<vouch::registry::Platform> platform = vouch::registry::ParsePlatform(content_type);
  if (platform.ok()) {
    vouch::Result<vouch::registry::Platform> p2 =
        vouch::registry::ParsePlatform(platform->ToString());
    FUZZ_CHECK(p2.ok() && SamePlatform(*p2, *platform));
    FUZZ_CHECK(vouch::registry::PlatformMatches(*platform, *platform));
  }

  vouch::Result<Descriptor> desc = vouch::registry::ParseDescriptorJson(bytes);
  if (desc.ok()) {
    CheckDescriptor(*desc);
  } else {
    FUZZ_CHECK(vouch::IsDataLoss(desc.status()));
  }

  vouch::Result<vouch::registry::ManifestView> m =
      vouch::registry::ParseManifest(bytes, content_type);
  vouch::Result<vouch::registry::ManifestView> plain = vouch::registry::ParseManifest(bytes, "");
  // A Content-Type only fills in a missing mediaType and must fit the document's shape, so it
  // never turns a manifest into an index or back.
  if (m.ok() && plain.ok()) {
    FUZZ_CHECK(m->is_index == plain->is_index);
  }
  for (const auto* view : {&m, &plain}) {
    if (!view->ok()) {
      FUZZ_CHECK(vouch::IsDataLoss(view->status()) ||
                 view->status().code() == vouch::ErrorCode::kUnimplemented);
      continue;
    }
    const vouch::registry::ManifestView& v = **view;
    FUZZ_CHECK(v.is_index == vouch::registry::IsIndexMediaType(v.media_type));
    FUZZ_CHECK(v.is_index || vouch::registry::IsManifestMediaType(v.media_type));
    if (v.is_index) {
      FUZZ_CHECK(!v.config && v.layers.empty());
      for (const Descriptor& d : v.manifests) {
        CheckDescriptor(d);
      }
    } else {
      FUZZ_CHECK(v.config && !v.layers.empty() && v.manifests.empty());
      CheckDescriptor(*v.config);
      for (const Descriptor& d : v.layers) {
        CheckDescriptor(d);
      }
      FUZZ_CHECK(v.EffectiveArtifactType() ==
                 (v.artifact_type.empty() ? v.config->media_type : v.artifact_type));
    }
    if (v.subject) {
      CheckDescriptor(*v.subject);
    }
  }

  // The referrers API answer and the fallback tag are read through the same parser.
  for (bool lenient : {false, true}) {
    auto refs = vouch::registry::internal::ParseReferrersIndex(bytes, content_type, lenient);
    if (!refs.ok()) {
      FUZZ_CHECK(!lenient);
      continue;
    }
    for (const Descriptor& d : *refs) {
      FUZZ_CHECK(content_type.empty() || d.artifact_type == content_type);
    }
  }
  return 0;
}
