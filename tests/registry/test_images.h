// Small images for the unit tests, built from literal JSON (exact bytes).
#pragma once

#include <ostream>
#include <string>

#include "registry/fake_registry.h"
#include "vouch/core/digest.h"
#include "vouch/registry/client.h"

namespace vouch {
inline std::ostream& operator<<(std::ostream& os, ErrorCode c) { return os << ErrorCodeName(c); }
}  // namespace vouch

namespace vouch::registry {
inline std::ostream& operator<<(std::ostream& os, ReferrersScheme s) {
  return os << (s == ReferrersScheme::kApi ? "api" : "fallback-tag");
}
}  // namespace vouch::registry

namespace vouch::registry::testing {

inline std::string Sha(const std::string& s) { return Digest::Of(AsBytes(s)).ToString(); }

inline std::string ImageManifest(const std::string& config, const std::string& layer) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         Sha(config) + R"(","size":)" + std::to_string(config.size()) +
         R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
         Sha(layer) + R"(","size":)" + std::to_string(layer.size()) + "}]}";
}

// PushImage stores a single-platform image (config + one layer) under |tag|; returns its digest.
inline std::string PushImage(FakeRegistry& reg, const std::string& repo, const std::string& tag,
                             const std::string& arch) {
  std::string config = R"({"architecture":")" + arch + R"(","os":"linux"})";
  std::string layer = "layer bytes for " + arch;
  reg.AddBlob(repo, config);
  reg.AddBlob(repo, layer);
  return reg.AddManifest(repo, tag, ImageManifest(config, layer),
                         "application/vnd.oci.image.manifest.v1+json");
}

inline std::string IndexOf(const std::string& amd64_manifest, const std::string& arm64_manifest) {
  auto entry = [](const std::string& m, const std::string& plat) {
    return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + Sha(m) +
           R"(","size":)" + std::to_string(m.size()) + R"(,"platform":)" + plat + "}";
  };
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
         entry(amd64_manifest, R"({"architecture":"amd64","os":"linux"})") + "," +
         entry(arm64_manifest, R"({"architecture":"arm64","os":"linux","variant":"v8"})") +
         R"(,{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
         Sha("attestation") + R"(","size":11,"platform":{"architecture":"unknown","os":"unknown"}}]})";
}

// PushMultiArchCopyable stores amd64 and arm64 children and an index under |tag| and returns the
// index digest. Unlike IndexOf, the index has no unknown/unknown attestation entry, so every
// child it names exists.
inline std::string PushMultiArchCopyable(FakeRegistry& reg, const std::string& repo,
                                         const std::string& tag) {
  std::string a = PushImage(reg, repo, "", "amd64");
  std::string b = PushImage(reg, repo, "", "arm64");
  std::string ma = *reg.ManifestBytes(repo, a);
  std::string mb = *reg.ManifestBytes(repo, b);
  auto entry = [](const std::string& m, const std::string& plat) {
    return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + Sha(m) +
           R"(","size":)" + std::to_string(m.size()) + R"(,"platform":)" + plat + "}";
  };
  std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
      entry(ma, R"({"architecture":"amd64","os":"linux"})") + "," +
      entry(mb, R"({"architecture":"arm64","os":"linux","variant":"v8"})") + "]}";
  return reg.AddManifest(repo, tag, index, "application/vnd.oci.image.index.v1+json");
}

// ReferrerManifest is an artifact manifest whose subject is |subject_manifest|.
inline std::string ReferrerManifest(const std::string& subject_manifest,
                                    const std::string& artifact_type, const std::string& layer,
                                    const std::string& annotation = "a") {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":")" +
         artifact_type +
         R"(","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":")" +
         artifact_type + R"(","digest":")" + Sha(layer) + R"(","size":)" +
         std::to_string(layer.size()) +
         R"(}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
         Sha(subject_manifest) + R"(","size":)" + std::to_string(subject_manifest.size()) +
         R"(},"annotations":{"note":")" + annotation + R"("}})";
}

// BuildKitImage is what PushBuildKitImage stored: digests of the index, its image, and the
// attestation manifest about that image.
struct BuildKitImage {
  std::string index;
  std::string image;
  std::string attestation;
};

// PushBuildKitImage stores, as BuildKit does (formats.md section 2), an index under |tag| with a
// linux/amd64 image and an attestation manifest about it (platform unknown/unknown, annotations
// vnd.docker.reference.type: attestation-manifest and vnd.docker.reference.digest: <image>)
// whose one layer is an unsigned in-toto statement of |predicate_type| about the image, carrying
// |predicate| and the in-toto.io/predicate-type annotation.
inline BuildKitImage PushBuildKitImage(FakeRegistry& reg, const std::string& repo,
                                       const std::string& tag, const std::string& predicate_type,
                                       const std::string& predicate) {
  BuildKitImage out;
  out.image = PushImage(reg, repo, "", "amd64");
  const std::string image = *reg.ManifestBytes(repo, out.image);
  const std::string statement =
      R"({"_type":"https://in-toto.io/Statement/v0.1","predicateType":")" + predicate_type +
      R"(","subject":[{"name":"pkg:docker/reg.test/)" + repo +
      R"(@v1?platform=linux%2Famd64","digest":{"sha256":")" + out.image.substr(7) +
      R"("}}],"predicate":)" + predicate + "}";
  const std::string config = R"({"architecture":"unknown","os":"unknown","config":{},)"
                             R"("rootfs":{"type":"layers","diff_ids":[")" +
                             Sha(statement) + R"("]}})";
  reg.AddBlob(repo, statement);
  reg.AddBlob(repo, config);
  const std::string attestation =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      Sha(config) + R"(","size":)" + std::to_string(config.size()) +
      R"(},"layers":[{"mediaType":"application/vnd.in-toto+json","digest":")" + Sha(statement) +
      R"(","size":)" + std::to_string(statement.size()) +
      R"(,"annotations":{"in-toto.io/predicate-type":")" + predicate_type + R"("}}]})";
  out.attestation =
      reg.AddManifest(repo, "", attestation, "application/vnd.oci.image.manifest.v1+json");
  const std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      out.image + R"(","size":)" + std::to_string(image.size()) +
      R"(,"platform":{"architecture":"amd64","os":"linux"}},)"
      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
      out.attestation + R"(","size":)" + std::to_string(attestation.size()) +
      R"(,"annotations":{"vnd.docker.reference.digest":")" + out.image +
      R"(","vnd.docker.reference.type":"attestation-manifest"},)"
      R"("platform":{"architecture":"unknown","os":"unknown"}}]})";
  out.index = reg.AddManifest(repo, tag, index, "application/vnd.oci.image.index.v1+json");
  return out;
}

// FastOptions returns client options over |reg| with no real sleeping (sleeps are recorded).
inline ClientOptions FastOptions(std::shared_ptr<FakeRegistry> reg,
                                 std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
  ClientOptions o;
  o.transport = reg;
  o.credentials = NewStaticCredentialStore("none.test", Credentials());
  o.retry.sleep = [sleeps](std::chrono::milliseconds d) {
    if (sleeps != nullptr) {
      sleeps->push_back(d);
    }
  };
  o.retry.jitter = [] { return 0.5; };
  return o;
}

inline Credentials UserPass(const std::string& u, const std::string& p) {
  Credentials c;
  c.username = u;
  c.password = SecretString(p);
  return c;
}

}  // namespace vouch::registry::testing
