// The verify-bundle and verify-blob command lines over a conformance bundle (happy-path-v0.3,
// production root): exit codes 0 / 1 / 2 for verified, rejected and usage errors.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace vouch {
namespace {

const std::string kIdentity =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const std::string kIssuer = "https://token.actions.githubusercontent.com";

std::string Asset(const std::string& rel) {
  return testing::VectorsDir() + "/sigstore-conformance/assets/bundle-verify/" + rel;
}
std::string ProductionRoot() {
  return testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json";
}

testing::RunResult Run(const std::vector<std::string>& args) {
  testing::RunOptions o;
  o.unset_env = {"VOUCH_TRUSTED_ROOT"};
  return testing::Vouch(args, o);
}

BOOST_AUTO_TEST_SUITE(tlog_cli)

BOOST_AUTO_TEST_CASE(verify_bundle_exit_codes) {
  const std::string bundle = Asset("happy-path-v0.3/bundle.sigstore.json");
  auto ok = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                 "--certificate-oidc-issuer", kIssuer, "--trusted-root", ProductionRoot(),
                 Asset("a.txt")});
  BOOST_CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  BOOST_CHECK(ok.out.find("Verified OK") != std::string::npos);
  // Regexps (unanchored, as in cosign).
  auto re = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity-regexp",
                 "https://github\\.com/sigstore-conformance/.*", "--certificate-oidc-issuer-regexp",
                 "https://token\\.actions\\..*", "--trusted-root", ProductionRoot(),
                 Asset("a.txt")});
  BOOST_CHECK_MESSAGE(re.exit_code == 0, re.err);
  auto wrong_id = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity",
                       kIdentity + "x", "--certificate-oidc-issuer", kIssuer, "--trusted-root",
                       ProductionRoot(), Asset("a.txt")});
  BOOST_CHECK_EQUAL(wrong_id.exit_code, 1);
  auto wrong_issuer = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity",
                           kIdentity, "--certificate-oidc-issuer", "https://accounts.google.com",
                           "--trusted-root", ProductionRoot(), Asset("a.txt")});
  BOOST_CHECK_EQUAL(wrong_issuer.exit_code, 1);
  // A digest that names another artifact.
  auto other = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                    "--certificate-oidc-issuer", kIssuer, "--trusted-root", ProductionRoot(),
                    "sha256:" + std::string(64, '0')});
  BOOST_CHECK_EQUAL(other.exit_code, 1);
  // Keyless without a trusted root: a usage error that says what is missing.
  auto no_root = Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                      "--certificate-oidc-issuer", kIssuer, Asset("a.txt")});
  BOOST_CHECK_EQUAL(no_root.exit_code, 2);
  BOOST_CHECK(no_root.err.find("no trusted root") != std::string::npos);
  // $VOUCH_TRUSTED_ROOT stands in for the flag.
  testing::RunOptions env;
  env.env = {{"VOUCH_TRUSTED_ROOT", ProductionRoot()}};
  auto from_env = testing::Vouch({"verify-bundle", "--bundle", bundle, "--certificate-identity",
                                  kIdentity, "--certificate-oidc-issuer", kIssuer, Asset("a.txt")},
                                 env);
  BOOST_CHECK_MESSAGE(from_env.exit_code == 0, from_env.err);
  // Usage errors: identity without issuer, identity and key, a bad regexp.
  BOOST_CHECK_EQUAL(Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                         "--trusted-root", ProductionRoot(), Asset("a.txt")})
                        .exit_code,
                    2);
  BOOST_CHECK_EQUAL(Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                         "--certificate-oidc-issuer", kIssuer, "--key",
                         Asset("managed-key-happy-path/key.pub"), Asset("a.txt")})
                        .exit_code,
                    2);
  BOOST_CHECK_EQUAL(Run({"verify-bundle", "--bundle", bundle, "--certificate-identity-regexp", "(",
                         "--certificate-oidc-issuer", kIssuer, "--trusted-root", ProductionRoot(),
                         Asset("a.txt")})
                        .exit_code,
                    2);
  // An unreadable artifact is operational.
  BOOST_CHECK_EQUAL(Run({"verify-bundle", "--bundle", bundle, "--certificate-identity", kIdentity,
                         "--certificate-oidc-issuer", kIssuer, "--trusted-root", ProductionRoot(),
                         Asset("no-such-file")})
                        .exit_code,
                    3);
}

BOOST_AUTO_TEST_CASE(verify_blob_keyless) {
  const std::string bundle = Asset("happy-path-v0.3/bundle.sigstore.json");
  auto ok = Run({"verify-blob", Asset("a.txt"), "--bundle", bundle, "--certificate-identity",
                 kIdentity, "--certificate-oidc-issuer", kIssuer, "--trusted-root",
                 ProductionRoot()});
  BOOST_CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  auto tampered = Run({"verify-blob", Asset("happy-path-v0.3/bundle.sigstore.json"), "--bundle",
                       bundle, "--certificate-identity", kIdentity, "--certificate-oidc-issuer",
                       kIssuer, "--trusted-root", ProductionRoot()});
  BOOST_CHECK_EQUAL(tampered.exit_code, 1);
  auto no_root = Run({"verify-blob", Asset("a.txt"), "--bundle", bundle, "--certificate-identity",
                      kIdentity, "--certificate-oidc-issuer", kIssuer});
  BOOST_CHECK_EQUAL(no_root.exit_code, 2);
  // A key bundle with --key and --trusted-root goes through the log checks too.
  auto managed = Run({"verify-blob", Asset("a.txt"), "--bundle",
                      Asset("managed-key-and-trusted-root/bundle.sigstore.json"), "--key",
                      Asset("managed-key-and-trusted-root/key.pub"), "--trusted-root",
                      Asset("managed-key-and-trusted-root/trusted_root.json")});
  BOOST_CHECK_MESSAGE(managed.exit_code == 0, managed.err);
  // A certificate bundle with only --key and a trusted root is not a keyless check.
  auto cert_with_key = Run({"verify-blob", Asset("a.txt"), "--bundle", bundle, "--key",
                            Asset("managed-key-happy-path/key.pub"), "--trusted-root",
                            ProductionRoot()});
  BOOST_CHECK_EQUAL(cert_with_key.exit_code, 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
