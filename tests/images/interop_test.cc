// Image signatures interoperate with peer implementations, against the open fixture registry:
//   * legacy (.sig) signatures written by peers/sigstore-attach-sign.sh (curl + openssl + jq)
//     verify with `vouch verify`, and vouch's verify with peers/sigstore-attach-verify.sh;
//   * vouch's bundle verifies with sigstore-js (peers/node/sigstore-bundle.mjs verify, DSSE);
//   * a key-based DSSE bundle made by sigstore-js (key-attest) over a cosign/sign/v1 statement,
//     attached here as a referrer, verifies with `vouch verify`; one over another predicate type
//     is not a signature (not counted, not listed as an invalid one).
// Missing peers fail the suite (declared dependencies, never skips).
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "images/common.h"
#include "vouch/core/bytes.h"
#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"

namespace vouch::images_test {
namespace {

std::string Peers() { return vouch::testing::PeersDir(); }

RunOptions NodeOptions() {
  RunOptions o;
  const char* node = std::getenv("PEERS_NODE");
  BOOST_REQUIRE_MESSAGE(node != nullptr, "PEERS_NODE is not set (node_peers fixture)");
  o.env["PEERS_NODE"] = node;
  return o;
}

std::unique_ptr<registry::Repository> OpenRepo(registry::Client& client, const std::string& image) {
  auto ref = registry::ParseReference(image);
  BOOST_REQUIRE(ref.ok());
  auto repo = client.Open(*ref, registry::Access::kPullPush);
  BOOST_REQUIRE(repo.ok());
  return std::move(*repo);
}

// BundleOf returns the bundle blob of |image|'s only bundle referrer.
std::string BundleOf(const std::string& image) {
  registry::Client client{registry::ClientOptions()};
  auto repo = OpenRepo(client, image);
  auto root = repo->Resolve(repo->reference().Identifier());
  BOOST_REQUIRE(root.ok());
  auto refs = repo->ListReferrers(root->digest, "");
  BOOST_REQUIRE(refs.ok());
  BOOST_REQUIRE_EQUAL(refs->descriptors.size(), 1u);
  auto m = repo->FetchManifest(refs->descriptors[0].digest.ToString());
  BOOST_REQUIRE(m.ok());
  auto view = registry::ParseManifest(m->bytes, m->media_type);
  BOOST_REQUIRE(view.ok());
  BOOST_REQUIRE_EQUAL(view->layers.size(), 1u);
  BOOST_TEST(view->artifact_type == "application/vnd.dev.sigstore.bundle.v0.3+json");
  BOOST_TEST(view->annotations["dev.sigstore.bundle.predicateType"] ==
             "https://sigstore.dev/cosign/sign/v1");
  BOOST_TEST(view->annotations["dev.sigstore.bundle.content"] == "dsse-envelope");
  BOOST_TEST(view->subject.has_value());
  auto blob = repo->FetchBlob(view->layers[0].digest, view->layers[0].size);
  BOOST_REQUIRE(blob.ok());
  return std::string(AsChars(*blob));
}

// Attach pushes |bundle| as a referrer of |image| in the layout of formats.md 4.3.
void Attach(const std::string& image, const std::string& bundle, const std::string& predicate) {
  registry::Client client{registry::ClientOptions()};
  auto repo = OpenRepo(client, image);
  auto root = repo->Resolve(repo->reference().Identifier());
  BOOST_REQUIRE(root.ok());
  Digest bd = Digest::Of(AsBytes(bundle));
  BOOST_REQUIRE(repo->PushBlob(bd, AsBytes(bundle)).ok());
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes("{}")), AsBytes("{}")).ok());
  std::string m =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
      Digest::Of(AsBytes("{}")).ToString() +
      R"(","size":2},"layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":")" +
      bd.ToString() + R"(","size":)" + std::to_string(bundle.size()) +
      R"(}],"subject":{"mediaType":")" + root->media_type + R"(","digest":")" +
      root->digest.ToString() + R"(","size":)" + std::to_string(root->size) +
      R"(},"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":")" +
      predicate + R"(","org.opencontainers.image.created":"2026-01-01T00:00:00.000Z"}})";
  Status st = repo->PushReferrer(AsBytes(m), registry::kOciManifest);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
}

BOOST_AUTO_TEST_SUITE(ImageInterop)

BOOST_AUTO_TEST_CASE(PeerLegacySignaturesVerifyWithVouch) {
  Env env;
  std::string k1 = env.Key("k1"), k2 = env.Key("k2");
  std::string img = env.Image("single", RepoName("peer-legacy"));
  RunResult p = Run({"bash", Peers() + "/sigstore-attach-sign.sh", img, k1});
  BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
  RunResult v = env.Vouch({"verify", img, "--key", env.Pub("k1")});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k2")}).exit_code == 1);
  // A second peer signature appended (APPEND=1), then a vouch one on top: 2-of-2 verifies and
  // the peer still verifies its own.
  RunOptions append;
  append.env["APPEND"] = "1";
  RunResult p2 = Run({"bash", Peers() + "/sigstore-attach-sign.sh", img, k2}, append);
  BOOST_REQUIRE_MESSAGE(p2.exit_code == 0, p2.err);
  std::string k3 = env.Key("k3");
  env.MustVouch({"sign", img, "--key", k3, "--format", "legacy"});
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k1"), "--key", env.Pub("k2"), "--key",
                        env.Pub("k3"), "--threshold", "3"}).exit_code == 0);
  RunResult pv = Run({"bash", Peers() + "/sigstore-attach-verify.sh", img, env.Pub("k2")});
  BOOST_TEST(pv.exit_code == 0, pv.out << pv.err);
}

BOOST_AUTO_TEST_CASE(VouchLegacySignaturesVerifyWithPeer) {
  Env env;
  std::string k1 = env.Key("k1");
  env.Key("k2");
  std::string img = env.Image("single", RepoName("vouch-legacy"));
  env.MustVouch({"sign", img, "--key", k1, "--format", "legacy"});
  RunResult ok = Run({"bash", Peers() + "/sigstore-attach-verify.sh", img, env.Pub("k1")});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(ok.out.find("VERIFIED") != std::string::npos, ok.out);
  RunResult wrong = Run({"bash", Peers() + "/sigstore-attach-verify.sh", img, env.Pub("k2")});
  BOOST_TEST(wrong.exit_code == 1, wrong.out);
  // With annotations the payload's optional object is what the peer parses too.
  std::string img2 = env.Image("single", RepoName("vouch-legacy-ann"));
  env.MustVouch({"sign", img2, "--key", k1, "--format", "legacy", "-a", "team=a&b<c>"});
  BOOST_TEST(Run({"bash", Peers() + "/sigstore-attach-verify.sh", img2, env.Pub("k1")}).exit_code == 0);
  BOOST_TEST(env.Vouch({"verify", img2, "--key", env.Pub("k1"), "-a", "team=a&b<c>"}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(VouchBundleVerifiesWithSigstoreJs) {
  Env env;
  std::string k1 = env.Key("k1");
  env.Key("k2");
  std::string img = env.Image("single", RepoName("vouch-bundle"));
  env.MustVouch({"sign", img, "--key", k1});
  std::string bundle = BundleOf(img);
  WriteText(env.dir.File("bundle.json"), bundle);
  size_t h = bundle.find("\"hint\":\"");
  BOOST_REQUIRE(h != std::string::npos);
  std::string hint = bundle.substr(h + 8, bundle.find('"', h + 8) - h - 8);
  std::string mjs = Peers() + "/node/sigstore-bundle.mjs";
  RunResult ok = Run({"node", mjs, "verify", env.dir.File("bundle.json"), "--pubkey",
                      env.Pub("k1"), "--hint", hint}, NodeOptions());
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(ok.out.find("VERIFIED") != std::string::npos, ok.out);
  RunResult bad = Run({"node", mjs, "verify", env.dir.File("bundle.json"), "--pubkey",
                       env.Pub("k2"), "--hint", hint}, NodeOptions());
  BOOST_TEST(bad.exit_code == 1, bad.out << bad.err);
}

BOOST_AUTO_TEST_CASE(SigstoreJsBundleVerifiesWithVouch) {
  Env env;
  std::string k1 = env.Key("k1");
  env.Key("k2");
  std::string img = env.Image("single", RepoName("js-bundle"));
  std::string hex = Known("single").substr(7);
  std::string mjs = Peers() + "/node/sigstore-bundle.mjs";
  // A cosign/sign/v1 statement for the image, signed by sigstore-js with the key.
  WriteText(env.dir.File("st.json"),
            R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":")" + hex +
                R"("},"annotations":{"env":"prod"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}})");
  RunResult s = Run({"node", mjs, "key-attest", env.dir.File("st.json"), env.dir.File("js.json"),
                     "--key", k1}, NodeOptions());
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  Attach(img, ReadText(env.dir.File("js.json")), "https://sigstore.dev/cosign/sign/v1");
  RunResult v = env.Vouch({"verify", img, "--key", env.Pub("k1"), "-a", "env=prod"});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  BOOST_TEST(env.Vouch({"verify", img, "--key", env.Pub("k2")}).exit_code == 1);
  // An attestation (another predicate type) by the same key is not a signature: never counted,
  // and not listed as an invalid signature either.
  std::string img2 = env.Image("single", RepoName("js-attestation"));
  WriteText(env.dir.File("att.json"),
            R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":")" + hex +
                R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}})");
  RunResult a = Run({"node", mjs, "key-attest", env.dir.File("att.json"), env.dir.File("att-b.json"),
                     "--key", k1}, NodeOptions());
  BOOST_REQUIRE_MESSAGE(a.exit_code == 0, a.out << a.err);
  // Attached with the signature's predicate label, so vouch must read the statement itself.
  Attach(img2, ReadText(env.dir.File("att-b.json")), "https://sigstore.dev/cosign/sign/v1");
  RunResult av = env.Vouch({"verify", img2, "--key", env.Pub("k1")});
  BOOST_TEST(av.exit_code == 1, av.out << av.err);
  BOOST_TEST(av.err.find("no signatures found") != std::string::npos, av.err);
  BOOST_TEST(av.out.find("invalid") == std::string::npos, av.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
