// The sigstore-conformance bundle-verify suite, offline, through the CLI protocol
// (formats.md 5.10; ${VOUCH_VECTORS}/sigstore-conformance/README.md and cases.json).
//
// Upstream runs each case twice, with the artifact's PATH and with its sha256 DIGEST; so does
// this runner: 64 cases, 128 invocations of `vouch verify-bundle`. A pass case must exit 0. A
// fail case must be rejected: exit 1 (verification failed) or 2 (a bad key or flag, which only
// managed-key-wrong-key_fail's deliberately invalid key.pub may give). Exit 3 ("could not
// check") or a crash is a mismatch for every case. There is no xfail list.
#define BOOST_TEST_MODULE vouch_conformance_sigstore
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"

namespace vouch {
namespace {

using testing::ReadText;
using testing::VectorsDir;
using testing::Vouch;

// The fields of a cases.json entry; any other field fails the suite (a reader must not skip
// what it does not understand).
const std::set<std::string> kKnownFields = {
    "name",    "expect",   "bundle",          "trusted_root",      "needs_production_trusted_root",
    "key",     "identity", "issuer",          "artifact",          "artifact_sha256",
    "bundle_media_type",   "verification_material", "content",    "tlog_kinds",
    "rfc3161_timestamps",  "description", "parse_error"};

// kExpectedCases is the size of the pinned suite (sigstore-conformance a73de497).
constexpr size_t kExpectedCases = 64;

std::string Str(const Json& c, const char* field) {
  const Json* v = FindField(c, field);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

BOOST_AUTO_TEST_CASE(every_case_by_path_and_by_digest) {
  const std::string base = VectorsDir() + "/sigstore-conformance";
  const std::string production =
      VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json";
  Result<Json> doc = ParseJson(ReadText(base + "/cases.json"), "cases.json");
  BOOST_REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
  const Json* cases = FindField(*doc, "cases");
  BOOST_REQUIRE(cases != nullptr && cases->is_array());
  BOOST_REQUIRE_EQUAL(cases->size(), kExpectedCases);

  size_t runs = 0, pass_ok = 0, fail_ok = 0, mismatches = 0;
  std::set<std::string> names;
  for (const Json& c : *cases) {
    for (const auto& [field, value] : c.items()) {
      BOOST_REQUIRE_MESSAGE(kKnownFields.count(field) == 1, "unknown cases.json field " << field);
    }
    const std::string name = Str(c, "name");
    const std::string expect = Str(c, "expect");
    BOOST_REQUIRE_MESSAGE(names.insert(name).second, "duplicate case " << name);
    BOOST_REQUIRE_MESSAGE(expect == "pass" || expect == "fail", name << ": expect " << expect);
    // The directory name says it too: upstream fails every *_fail directory.
    BOOST_REQUIRE_EQUAL(expect == "fail", name.size() > 5 && name.substr(name.size() - 5) == "_fail");

    std::vector<std::string> args = {"verify-bundle", "--bundle", base + "/" + Str(c, "bundle")};
    if (!Str(c, "key").empty()) {
      args.insert(args.end(), {"--key", base + "/" + Str(c, "key")});
    } else {
      BOOST_REQUIRE(!Str(c, "identity").empty() && !Str(c, "issuer").empty());
      args.insert(args.end(), {"--certificate-identity", Str(c, "identity"),
                               "--certificate-oidc-issuer", Str(c, "issuer")});
    }
    const std::string root = Str(c, "trusted_root");
    const Json* needs_prod = FindField(c, "needs_production_trusted_root");
    BOOST_REQUIRE(needs_prod != nullptr && needs_prod->is_boolean());
    BOOST_REQUIRE_EQUAL(needs_prod->get<bool>(), root.empty());
    args.insert(args.end(), {"--trusted-root", root.empty() ? production : base + "/" + root});

    for (std::string_view mode : {"PATH", "DIGEST"}) {
      std::vector<std::string> a = args;
      a.push_back(mode == "PATH" ? base + "/" + Str(c, "artifact") : Str(c, "artifact_sha256"));
      testing::RunResult r = Vouch(a);
      ++runs;
      bool ok = false;
      if (expect == "pass") {
        ok = r.exit_code == 0;
        pass_ok += ok;
      } else {
        ok = r.exit_code == 1 ||
             (r.exit_code == 2 && name == "managed-key-wrong-key_fail");
        fail_ok += ok;
      }
      if (!ok) {
        ++mismatches;
      }
      BOOST_CHECK_MESSAGE(ok, "test_verify[" << mode << "-" << name << "]: expected " << expect
                                  << ", exit " << r.exit_code << ": " << r.err);
    }
  }
  std::cout << "sigstore-conformance: " << runs << " invocations (" << cases->size()
            << " cases x PATH/DIGEST): " << pass_ok << " pass as expected, " << fail_ok
            << " fail as expected, " << mismatches << " mismatches, 0 xfail\n";
  BOOST_TEST_MESSAGE("sigstore-conformance: " << pass_ok << " pass, " << fail_ok << " fail, "
                                              << mismatches << " mismatches of " << runs);
  BOOST_CHECK_EQUAL(mismatches, 0u);
}

}  // namespace
}  // namespace vouch
