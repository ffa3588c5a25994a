// VerifyBundle's log-side rules on conformance bundles (read from ${VOUCH_VECTORS}, mutated in
// memory): a Rekor v2 entry has no integrated time, so without an RFC 3161 timestamp there is no
// verified signing time; a v0.1 bundle needs its SET.
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/digest.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {
namespace {

std::string CaseDir(const std::string& name) {
  return testing::VectorsDir() + "/sigstore-conformance/assets/bundle-verify/" + name;
}

BundleVerifyOptions Keyless(const std::string& root_path) {
  auto root = ParseTrustedRoot(testing::ReadText(root_path));
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().ToString());
  BundleVerifyOptions o;
  o.trusted_root = *root;
  CertificateIdentity id;
  id.san =
      "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
      "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
  id.issuer = "https://token.actions.githubusercontent.com";
  o.identities.push_back(id);
  return o;
}

Result<BundleVerification> VerifyMutated(const std::string& bundle_path,
                                         void (*mutate)(Json&), const BundleVerifyOptions& o) {
  auto j = ParseJson(testing::ReadText(bundle_path), "bundle");
  BOOST_REQUIRE(j.ok());
  mutate(*j);
  auto bundle = attest::ParseBundle(DumpJson(*j));
  BOOST_REQUIRE_MESSAGE(bundle.ok(), bundle.status().ToString());
  Artifact a;
  a.digest = *ArtifactDigest::Parse(
      "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf");  // a.txt
  return VerifyBundle(*bundle, a, o);
}

BOOST_AUTO_TEST_SUITE(tlog_bundle)

BOOST_AUTO_TEST_CASE(rekor_v2_entry_without_timestamp_rejected) {
  auto o = Keyless(CaseDir("rekor2-happy-path") + "/trusted_root.json");
  auto r = VerifyMutated(CaseDir("rekor2-happy-path") + "/bundle.sigstore.json",
                         [](Json& b) { b["verificationMaterial"].erase("timestampVerificationData"); },
                         o);
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(IsVerificationFailed(r.status()));
  BOOST_CHECK_MESSAGE(r.status().message().find("RFC 3161") != std::string::npos,
                      r.status().message());
}

BOOST_AUTO_TEST_CASE(v01_bundle_without_set_rejected) {
  auto o = Keyless(testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json");
  auto ok = VerifyMutated(CaseDir("happy-path-v0.1") + "/bundle.sigstore.json", [](Json&) {}, o);
  BOOST_REQUIRE_MESSAGE(ok.ok(), ok.status().ToString());
  BOOST_CHECK_EQUAL(ok->verified_times.size(), 1u);
  auto r = VerifyMutated(CaseDir("happy-path-v0.1") + "/bundle.sigstore.json",
                         [](Json& b) {
                           b["verificationMaterial"]["tlogEntries"][0].erase("inclusionPromise");
                         },
                         o);
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(IsVerificationFailed(r.status()));
  BOOST_CHECK_MESSAGE(r.status().message().find("signed entry timestamp") != std::string::npos,
                      r.status().message());
}

// Two entries of one log are one log: --tlog-threshold counts logs, not entries.
BOOST_AUTO_TEST_CASE(two_entries_from_one_log_count_once) {
  auto o = Keyless(testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json");
  auto twice = [](Json& b) {
    Json& entries = b["verificationMaterial"]["tlogEntries"];
    entries.push_back(entries[0]);
  };
  const std::string bundle = CaseDir("happy-path-v0.1") + "/bundle.sigstore.json";
  o.tlog_threshold = 2;
  auto r = VerifyMutated(bundle, twice, o);
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(IsVerificationFailed(r.status()));
  BOOST_CHECK_MESSAGE(r.status().message().find("1 distinct transparency log(s), 2 required") !=
                          std::string::npos,
                      r.status().message());
  o.tlog_threshold = 1;
  auto ok = VerifyMutated(bundle, twice, o);
  BOOST_CHECK_MESSAGE(ok.ok(), ok.status().ToString());
}

BOOST_AUTO_TEST_CASE(keyless_without_trusted_root_is_a_usage_error) {
  BundleVerifyOptions o = Keyless(testing::VectorsDir() +
                                  "/sigstore-trust-roots/production/trusted_root.json");
  o.trusted_root = nullptr;
  auto r = VerifyMutated(CaseDir("happy-path-v0.1") + "/bundle.sigstore.json", [](Json&) {}, o);
  BOOST_CHECK(IsInvalidArgument(r.status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
