// Direct registry access for the suites that check what lies in the fixture registry beside
// vouch's own view: raw manifests by tag (curl), cosign tag names, and a cosign-style SBOM.
#pragma once

#include <string>
#include <vector>

#include "images/common.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/registry/client.h"
#include "vouch/registry/reference.h"

namespace vouch::images_test {

// Curl runs curl -fsS with |args| and returns its output (fails the test on error).
inline std::string Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-fsS"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = Run(argv);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "curl " << args.back() << ": " << r.err);
  return r.out;
}

// TagManifest GETs |image|'s repository's manifest |tag| directly (not through vouch).
inline std::string TagManifest(const std::string& image, const std::string& tag) {
  return Curl({"-H",
               "Accept: application/vnd.oci.image.manifest.v1+json, "
               "application/vnd.oci.image.index.v1+json",
               "http://" + Reg() + "/v2/" + RepoOf(image) + "/manifests/" + tag});
}

inline std::string CosignTag(const std::string& digest, const std::string& suffix) {
  return "sha256-" + digest.substr(7) + suffix;
}

// PushSbom stores a cosign-style .sbom manifest (one SPDX layer) for |image|'s digest.
inline void PushSbom(const std::string& image, const std::string& spdx) {
  registry::Client client({});
  auto repo = client.Open(*registry::ParseReference(image), registry::Access::kPullPush);
  BOOST_REQUIRE(repo.ok());
  const std::string config = "{}";
  BOOST_REQUIRE((*repo)->PushBlob(Digest::Of(AsBytes(config)), AsBytes(config)).ok());
  BOOST_REQUIRE((*repo)->PushBlob(Digest::Of(AsBytes(spdx)), AsBytes(spdx)).ok());
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":")" +
      Digest::Of(AsBytes(config)).ToString() +
      R"("},"layers":[{"mediaType":"text/spdx+json","size":)" + std::to_string(spdx.size()) +
      R"(,"digest":")" + Digest::Of(AsBytes(spdx)).ToString() + R"("}]})";
  auto pushed = (*repo)->PushManifest(CosignTag(Known("single"), ".sbom"), AsBytes(manifest),
                                      registry::kOciManifest);
  BOOST_REQUIRE_MESSAGE(pushed.ok(), pushed.status().ToString());
}

}  // namespace vouch::images_test
