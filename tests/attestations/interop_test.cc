// Interop with sigstore-js (peers/node/sigstore-bundle.mjs, installed by the node_peers fixture):
// its key-based DSSE bundles verify with vouch verify-blob-attestation, and vouch attest-blob
// bundles verify with sigstore-js. Keys come from `openssl genpkey` (plain PKCS#8).
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

using testing::ReadText;
using testing::RunResult;
using testing::TempDir;
using testing::WriteText;

std::string Script() {
  std::string s = testing::PeersDir() + "/node/sigstore-bundle.mjs";
  BOOST_REQUIRE_MESSAGE(PathExists(s), s << " is missing");
  BOOST_REQUIRE_MESSAGE(std::getenv("PEERS_NODE") != nullptr,
                        "PEERS_NODE is not set (run through ctest: fixture node_peers)");
  return s;
}

struct Keys {
  TempDir dir;
  std::string priv = dir.File("ec.pem");
  std::string pub = dir.File("ec.pub");
  Keys() {
    RunResult g = testing::Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                                "ec_paramgen_curve:P-256", "-out", priv});
    BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
    RunResult p = testing::Run({"openssl", "pkey", "-in", priv, "-pubout", "-out", pub});
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
  }
};

std::string Statement(const std::string& artifact_text, const std::string& type) {
  return R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":)"
         R"({"sha256":")" +
         Digest::Of(AsBytes(artifact_text)).Hex() + R"("}}],"predicateType":")" + type +
         R"(","predicate":{"buildDefinition":{"buildType":"https://bt","externalParameters":{}},)"
         R"("runDetails":{"builder":{"id":"https://js.test/builder@v1"}}}})";
}

BOOST_AUTO_TEST_SUITE(interop)

BOOST_AUTO_TEST_CASE(sigstore_js_bundle_verifies_with_vouch) {
  Keys k;
  std::string artifact = k.dir.File("a.txt");
  WriteText(artifact, "from sigstore-js\n");
  std::string statement = k.dir.File("statement.json");
  WriteText(statement, Statement("from sigstore-js\n", "https://slsa.dev/provenance/v1"));
  std::string bundle = k.dir.File("js.sigstore.json");
  RunResult js = testing::Run({"node", Script(), "key-attest", statement, bundle, "--key", k.priv});
  BOOST_REQUIRE_MESSAGE(js.exit_code == 0, js.out << js.err);

  RunResult v =
      testing::Vouch({"verify-blob-attestation", artifact, "--bundle", bundle, "--key", k.pub,
                      "--type", "slsaprovenance", "--builder-id", "https://js.test/builder"});
  BOOST_TEST(v.exit_code == 0, v.err);
  BOOST_TEST(v.out.find("Verified OK") == 0u, v.out);
  // Mutated negative: another file does not verify.
  std::string other = k.dir.File("b.txt");
  WriteText(other, "something else\n");
  RunResult w = testing::Vouch({"verify-blob-attestation", other, "--bundle", bundle, "--key",
                                k.pub, "--type", "slsaprovenance"});
  BOOST_TEST(w.exit_code == 1);
  BOOST_TEST(w.err.find("subject") != std::string::npos, w.err);
}

BOOST_AUTO_TEST_CASE(vouch_bundle_verifies_with_sigstore_js) {
  Keys k;
  std::string artifact = k.dir.File("a.txt");
  WriteText(artifact, "from vouch\n");
  std::string predicate = k.dir.File("predicate.json");
  WriteText(predicate, R"({"result":"PASSED"})");
  std::string bundle = k.dir.File("vouch.sigstore.json");
  RunResult a =
      testing::Vouch({"attest-blob", artifact, "--key", k.priv, "--predicate", predicate, "--type",
                      "https://in-toto.io/attestation/test-result/v0.1", "--bundle", bundle});
  BOOST_REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  Json b = *ParseJson(ReadText(bundle), "bundle");
  std::string hint = b["verificationMaterial"]["publicKey"]["hint"];
  RunResult js =
      testing::Run({"node", Script(), "verify", bundle, "--pubkey", k.pub, "--hint", hint});
  BOOST_TEST(js.exit_code == 0, js.out << js.err);
  BOOST_TEST(js.out.find("VERIFIED") == 0u, js.out);
  // Mutated negative: a different key is rejected by sigstore-js.
  Keys other;
  RunResult bad =
      testing::Run({"node", Script(), "verify", bundle, "--pubkey", other.pub, "--hint", hint});
  BOOST_TEST(bad.exit_code == 1, bad.out << bad.err);
  BOOST_TEST(bad.out.find("REJECTED") == 0u, bad.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
