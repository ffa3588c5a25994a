// An OCI image layout written by the keyless tests (image_test.cc, keyless_test.cc): blobs under
// blobs/sha256 and an index.json whose manifests carry ref names, read by vouch as oci:DIR.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"

namespace vouch::testing {

struct Layout {
  TempDir dir;
  Json index = Json{{"schemaVersion", 2}, {"manifests", Json::array()}};

  Layout() {
    WriteText(dir.File("oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
    BOOST_REQUIRE(Run({"mkdir", "-p", dir.File("blobs/sha256")}).exit_code == 0);
  }
  Digest Blob(const std::string& bytes) {
    Digest d = Digest::Of(AsBytes(bytes));
    WriteText(dir.File("blobs/sha256/" + d.Hex()), bytes);
    return d;
  }
  // Add stores |bytes| and lists them in the index as |media_type|, named |ref| when not empty.
  Digest Add(const std::string& media_type, const std::string& bytes, const std::string& ref) {
    Digest d = Blob(bytes);
    Json e = {{"mediaType", media_type}, {"digest", d.ToString()}, {"size", bytes.size()}};
    if (!ref.empty()) {
      e["annotations"] = {{"org.opencontainers.image.ref.name", ref}};
    }
    index["manifests"].push_back(e);
    return d;
  }
  // AddMinimalImage stores a one-layer OCI image manifest (config "{}", layer "layer") named
  // |ref| and returns the manifest's bytes; its digest is Digest::Of of them.
  std::string AddMinimalImage(const std::string& ref) {
    Digest config = Blob("{}");
    Digest layer = Blob("layer");
    std::string manifest = DumpJson(Json{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config",
         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
          {"digest", config.ToString()},
          {"size", 2}}},
        {"layers", Json::array({Json{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                     {"digest", layer.ToString()},
                                     {"size", 5}}})}});
    Add("application/vnd.oci.image.manifest.v1+json", manifest, ref);
    return manifest;
  }
  // Finish writes index.json; call it again after more Adds.
  void Finish() { WriteText(dir.File("index.json"), DumpJson(index)); }
};

}  // namespace vouch::testing
