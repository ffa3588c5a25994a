// Notation signatures end to end on the docker-registry fixture: vouch signs with both
// envelopes (a certificate chain made by openssl), and verifies with a Notation trust policy
// (`verify --notation`, `verify-notation`) and with a vouch policy; each way a signature must be
// refused is refused with its reason, and a cosign bundle plus a Notation signature meet a
// two-authority threshold.
#include <filesystem>
#include <thread>

#include "common.h"
#include "testutil/notation_pki.h"

namespace vouch::images_test {
namespace {

// Pki is testing::NotationPki (a CA, a code-signing leaf and a notation folder whose store
// ca:acme holds the CA) with a trust policy for every repository, in an Env to run vouch.
struct Pki : testing::NotationPki {
  Env env;

  Pki() { Policy("x509.subject:C=US,ST=WA,O=Acme"); }

  // Policy writes the folder's trustpolicy.oci.json for every repository of this run.
  void Policy(const std::string& identity, const std::string& store = "ca:acme") const {
    WriteText(notation_dir + "/trustpolicy.oci.json", R"({"version": "1.0", "trustPolicies": [{
      "name": "acme", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
      "trustStores": [")" + store + R"("], "trustedIdentities": [")" + identity + R"("]}]})");
  }

  RunResult Verify(const std::string& image) const {
    return env.Vouch({"verify", image, "--notation", "--notation-dir", notation_dir});
  }

  std::string Sign(const std::string& image, const std::string& format,
                   std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {"sign", image, "--key", key, "--format", format,
                                     "--cert-chain", chain};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return env.MustVouch(argv).out;
  }
};

BOOST_AUTO_TEST_CASE(vouch_signs_both_envelopes_and_verifies_them_with_a_notation_trust_policy) {
  Pki pki;
  for (const std::string format : {"notation-jws", "notation-cose"}) {
    const std::string image = pki.env.Image("single", RepoName("notation-" + format));
    BOOST_TEST_CONTEXT(format) {
      RunResult unsigned_run = pki.Verify(image);
      BOOST_TEST(unsigned_run.exit_code == 1, unsigned_run.out << unsigned_run.err);
      std::string out = pki.Sign(image, format, {"-a", "buildId=42"});
      BOOST_TEST(out.find("-> notation referrer sha256:") != std::string::npos, out);

      RunResult v = pki.Verify(image);
      BOOST_TEST(v.exit_code == 0, v.out << v.err);
      BOOST_TEST(v.out.find("CN=release,O=Acme,ST=WA,C=US") != std::string::npos, v.out);
      RunResult meta = pki.env.Vouch({"verify", image, "--notation", "--notation-dir",
                                      pki.notation_dir, "-a", "buildId=42"});
      BOOST_TEST(meta.exit_code == 0, meta.out << meta.err);
      RunResult wrong_meta = pki.env.Vouch({"verify", image, "--notation", "--notation-dir",
                                            pki.notation_dir, "-a", "buildId=7"});
      BOOST_TEST(wrong_meta.exit_code == 1, wrong_meta.out << wrong_meta.err);

      RunResult tree = pki.env.MustVouch({"tree", image});
      BOOST_TEST(tree.out.find("[notation signature, read]") != std::string::npos, tree.out);
      // A key authority does not count a Notation signature.
      RunResult by_key = pki.env.Vouch({"verify", image, "--key", pki.pub});
      BOOST_TEST(by_key.exit_code == 1, by_key.out << by_key.err);
    }
  }
}

BOOST_AUTO_TEST_CASE(untrusted_identities_stores_and_expired_envelopes_are_rejected_with_reasons) {
  Pki pki;
  const std::string image = pki.env.Image("single", RepoName("notation-rejects"));
  pki.Sign(image, "notation-jws", {"--expiry", "1s"});
  pki.Sign(image, "notation-cose");

  pki.Policy("x509.subject:C=US,ST=WA,O=Other");
  RunResult identity = pki.Verify(image);
  BOOST_TEST(identity.exit_code == 1);
  BOOST_TEST(identity.out.find("is not among the trusted identities") != std::string::npos,
             identity.out);

  std::filesystem::create_directories(pki.notation_dir + "/truststore/x509/ca/other");
  pki.Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-keyout", pki.env.dir.File("other.key"), "-out",
               pki.notation_dir + "/truststore/x509/ca/other/other.pem", "-days", "30", "-subj",
               "/C=US/ST=WA/O=Other/CN=Other Root"});
  pki.Policy("x509.subject:C=US,ST=WA,O=Acme", "ca:other");
  RunResult ca = pki.Verify(image);
  BOOST_TEST(ca.exit_code == 1);
  BOOST_TEST(ca.out.find("no certificate of the chain is in the trust stores ca:other") !=
                 std::string::npos,
             ca.out);

  pki.Policy("x509.subject:C=US,ST=WA,O=Acme");
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the JWS signature expires after 1 s
  RunResult both = pki.Verify(image);  // the COSE one still counts
  BOOST_TEST(both.exit_code == 0, both.out << both.err);
  BOOST_TEST(both.out.find("expiry: the signature expired at") != std::string::npos, both.out);
}

BOOST_AUTO_TEST_CASE(a_cosign_bundle_and_a_notation_signature_meet_a_two_authority_threshold) {
  Pki pki;
  const std::string both = pki.env.Image("single", RepoName("notation-threshold-both"));
  const std::string cosign_only = pki.env.Image("single", RepoName("notation-threshold-one"));
  const std::string release = pki.env.Key("release");
  for (const std::string& image : {both, cosign_only}) {
    pki.env.MustVouch({"sign", image, "--key", release});
  }
  pki.Sign(both, "notation-cose");
  const std::string policy = pki.env.dir.File("policy.json");
  WriteText(policy, R"({"version": 1,
    "authorities": {
      "release": {"key": {"path": ")" + pki.env.Pub("release") + R"("}},
      "registry": {"notation": {"trustStores": ["ca:acme"],
                                "trustedIdentities": ["x509.subject:C=US,ST=WA,O=Acme"],
                                "trustStore": ")" + pki.notation_dir + R"(/truststore"}}},
    "policies": [{"name": "prod", "scope": "*",
                  "signatures": {"authorities": ["release", "registry"], "threshold": 2}}]})");
  RunResult ok = pki.env.Vouch({"verify", "--policy", policy, both});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  RunResult one = pki.env.Vouch({"verify", "--policy", policy, cosign_only});
  BOOST_TEST(one.exit_code == 1, one.out << one.err);

  RunResult lint = pki.env.MustVouch({"policy", "lint", policy});
  BOOST_TEST(lint.exit_code == 0);
}

}  // namespace
}  // namespace vouch::images_test
