// `vouch verify` (the built binary, as a user runs it) against the open fixture registry behind
// the fault proxy (tests/fixtures/fault_proxy.py through testutil's FaultProxy). A signature
// that cannot be read because every download of it is cut short or reset is "could not check"
// (exit 3), never a rejection; a signature layer that arrives whole but is not the bytes its
// digest names is tampered (exit 1); a signature tag the registry says does not exist is
// "unsigned" (exit 1); a fault that passes is retried away (exit 0).
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "images/common.h"
#include "vouch/core/digest.h"

namespace vouch::images_test {
namespace {

using vouch::testing::FaultProxy;
using vouch::testing::FaultRule;

// Signed is a copy of the single-platform fixture image signed with key k1 in |format|, and a
// proxy in front of the registry that holds it.
struct Signed {
  Env env;
  std::string repo;
  std::string format;
  std::string tag_hex;  // the image digest's hex, as in the signature tags sha256-<hex>[.sig]
  FaultProxy proxy{Reg()};
  explicit Signed(const std::string& format_) : format(format_) {
    std::string k1 = env.Key("k1");
    repo = RepoName("verify-faults-" + format);
    std::string image = env.Image("single", repo);
    env.MustVouch({"sign", image, "--key", k1, "--format", format});
    tag_hex = Digest::Parse(Known("single"))->Hex();
  }
  // Verify runs `vouch verify` through the proxy with |rules| in place, and checks that some
  // fault was injected when there are rules.
  RunResult Verify(const std::string& rules) {
    proxy.SetRules(rules);
    const int before = proxy.Faults();
    RunResult r = env.Vouch({"verify", proxy.host_port() + "/" + repo + ":v1", "--key",
                             env.Pub("k1"), "--signature-format", format});
    BOOST_TEST((rules == "[]" || proxy.Faults() > before), "no fault injected: " << rules);
    return r;
  }
};

void ExpectCouldNotCheck(const RunResult& r, const std::string& what) {
  BOOST_TEST(r.exit_code == 3, what << ": exit " << r.exit_code << "\n" << r.out << r.err);
  BOOST_TEST((r.out + r.err).find("could not check") != std::string::npos, what << ": " << r.err);
  if (what.find("truncated") == 0) {
    BOOST_TEST(r.err.find("truncated response") != std::string::npos, what << ": " << r.err);
  }
  BOOST_TEST_MESSAGE(what << ": " << r.err);
}

BOOST_AUTO_TEST_CASE(LegacySignatureDownloadFaults) {
  Signed s("legacy");
  const std::string sig_manifest = "/manifests/sha256-" + s.tag_hex + "\\\\.sig$";
  RunResult ok = s.Verify("[]");
  BOOST_REQUIRE_MESSAGE(ok.exit_code == 0, ok.out << ok.err);

  ExpectCouldNotCheck(s.Verify(FaultRule(sig_manifest, "truncate")), "truncated .sig manifest");
  ExpectCouldNotCheck(s.Verify(FaultRule(sig_manifest, "reset", R"(, "bytes": 20)")),
                      "reset .sig manifest");
  ExpectCouldNotCheck(s.Verify(FaultRule("/blobs/", "truncate")), "truncated signature layer");
  ExpectCouldNotCheck(s.Verify(FaultRule("/blobs/", "reset")), "reset signature layer");

  RunResult once = s.Verify(FaultRule("/blobs/", "truncate", R"(, "count": 1)"));
  BOOST_TEST(once.exit_code == 0, "one truncation is retried: " << once.out << once.err);

  RunResult tampered = s.Verify(FaultRule("/blobs/", "wrong-digest"));
  BOOST_TEST(tampered.exit_code == 1, "wrong-digest layer: " << tampered.out << tampered.err);

  RunResult unsigned_ = s.Verify(FaultRule(
      sig_manifest, "status",
      R"(, "code": 404, "body": "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}")"));
  BOOST_TEST(unsigned_.exit_code == 1, "404 .sig tag: " << unsigned_.out << unsigned_.err);
  BOOST_TEST(unsigned_.err.find("no signatures found") != std::string::npos, unsigned_.err);
}

BOOST_AUTO_TEST_CASE(BundleSignatureDownloadFaults) {
  Signed s("bundle");
  const std::string fallback_index = "/manifests/sha256-" + s.tag_hex + "$";
  RunResult ok = s.Verify("[]");
  BOOST_REQUIRE_MESSAGE(ok.exit_code == 0, ok.out << ok.err);

  ExpectCouldNotCheck(s.Verify(FaultRule("/referrers/", "truncate")), "truncated referrers answer");
  ExpectCouldNotCheck(s.Verify(FaultRule(fallback_index, "truncate")), "truncated fallback index");
  ExpectCouldNotCheck(s.Verify(FaultRule(fallback_index, "reset", R"(, "bytes": 20)")),
                      "reset fallback index");
  ExpectCouldNotCheck(s.Verify(FaultRule("/blobs/", "truncate")), "truncated bundle layer");
  ExpectCouldNotCheck(s.Verify(FaultRule("/blobs/", "reset", R"(, "bytes": 20)")),
                      "reset bundle layer");

  RunResult tampered = s.Verify(FaultRule("/blobs/", "wrong-digest"));
  BOOST_TEST(tampered.exit_code == 1, "wrong-digest bundle: " << tampered.out << tampered.err);
}

}  // namespace
}  // namespace vouch::images_test
