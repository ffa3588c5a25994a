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

      RunResult inspect =
          pki.env.MustVouch({"inspect", image, "--notation", "--notation-dir", pki.notation_dir});
      BOOST_TEST(inspect.out.find("CN=release,O=Acme,ST=WA,C=US") != std::string::npos,
                 inspect.out);
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

// CaDatabase turns the Pki's CA into an `openssl ca` with an index, so that it can issue
// certificates naming an OCSP responder and a CRL, revoke them, and publish its CRL.
struct CaDatabase {
  const Pki& pki;
  std::string cnf;
  explicit CaDatabase(const Pki& p) : pki(p), cnf(p.env.dir.File("ca.cnf")) {
    const TempDir& d = pki.env.dir;
    WriteText(d.File("index.txt"), "");
    WriteText(d.File("serial"), "1000\n");
    WriteText(d.File("crlnumber"), "1000\n");
    WriteText(cnf, "[ca]\ndefault_ca = acme\n[acme]\ndatabase = " + d.File("index.txt") +
                       "\nnew_certs_dir = " + d.path() + "\ncertificate = " + pki.ca +
                       "\nprivate_key = " + pki.dir.File("ca.key") +
                       "\nserial = " + d.File("serial") + "\ncrlnumber = " + d.File("crlnumber") +
                       "\ndefault_md = sha256\ndefault_days = 10\ndefault_crl_days = 1\n"
                       "policy = any\npreserve = yes\nunique_subject = no\n[any]\n"
                       "countryName = optional\nstateOrProvinceName = optional\n"
                       "organizationName = optional\ncommonName = supplied\n");
  }
  // Issue makes NAME.pem (key) and NAME-chain.pem whose leaf carries the extensions |ext|.
  std::pair<std::string, std::string> Issue(const std::string& name, const std::string& ext) {
    const TempDir& d = pki.env.dir;
    std::string key = pki.env.Key(name);
    pki.Openssl({"req", "-new", "-key", key, "-subj", "/C=US/ST=WA/O=Acme/CN=" + name, "-out",
                 d.File(name + ".csr")});
    WriteText(d.File(name + ".ext"), "keyUsage=critical,digitalSignature\n"
                                     "extendedKeyUsage=codeSigning\n" + ext);
    pki.Openssl({"ca", "-batch", "-config", cnf, "-notext", "-in", d.File(name + ".csr"), "-out",
                 d.File(name + ".crt"), "-extfile", d.File(name + ".ext")});
    std::string chain = d.File(name + "-chain.pem");
    WriteText(chain, ReadText(d.File(name + ".crt")) + ReadText(pki.ca));
    return {key, chain};
  }
  void Revoke(const std::string& name) const {
    pki.Openssl({"ca", "-batch", "-config", cnf, "-revoke", pki.env.dir.File(name + ".crt")});
  }
  void PublishCrl(const std::string& dir) const {
    pki.Openssl({"ca", "-batch", "-config", cnf, "-gencrl", "-out", dir + "/ca.crl"});
  }
};

BOOST_AUTO_TEST_CASE(revoked_certificates_are_rejected_by_crl_and_by_ocsp) {
  Pki pki;
  CaDatabase ca(pki);
  vouch::testing::PortReservation ocsp_reserved, crl_reserved;
  const int ocsp_port = ocsp_reserved.port();
  const int crl_port = crl_reserved.port();
  const std::string ocsp = "authorityInfoAccess=OCSP;URI:http://127.0.0.1:" +
                           std::to_string(ocsp_port) + "\n";
  const std::string crl = "crlDistributionPoints=URI:http://127.0.0.1:" +
                          std::to_string(crl_port) + "/ca.crl\n";
  auto [good_key, good_chain] = ca.Issue("good", ocsp);
  auto [crl_key, crl_chain] = ca.Issue("crl-revoked", crl);
  auto [ocsp_key, ocsp_chain] = ca.Issue("ocsp-revoked", ocsp);
  ca.Revoke("crl-revoked");
  ca.Revoke("ocsp-revoked");
  const std::string www = pki.env.dir.File("www");
  std::filesystem::create_directories(www);
  ca.PublishCrl(www);

  auto signed_by = [&](const std::string& what, const std::string& key, const std::string& chain) {
    const std::string image = pki.env.Image("single", RepoName("notation-revocation-" + what));
    pki.env.MustVouch({"sign", image, "--key", key, "--cert-chain", chain, "--format",
                       "notation-jws"});
    return image;
  };
  const std::string good = signed_by("good", good_key, good_chain);
  const std::string by_crl = signed_by("crl", crl_key, crl_chain);
  const std::string by_ocsp = signed_by("ocsp", ocsp_key, ocsp_chain);

  // The OCSP responder is down: the status of "good" cannot be established, which under strict
  // is "could not check" (exit 3), never a rejection.
  RunResult down = pki.Verify(good);
  BOOST_TEST(down.exit_code == 3, down.out << down.err);
  BOOST_TEST(down.out.find("could not be checked") != std::string::npos, down.out);

  ocsp_reserved.Release();
  crl_reserved.Release();
  vouch::testing::Background responder(
      {"openssl", "ocsp", "-index", pki.env.dir.File("index.txt"), "-port",
       std::to_string(ocsp_port), "-rsigner", pki.ca, "-rkey", pki.dir.File("ca.key"), "-CA",
       pki.ca},
      pki.env.dir.File("ocsp.log"));
  vouch::testing::Background crls({"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                   "--directory", www, std::to_string(crl_port)},
                                  pki.env.dir.File("http.log"));
  // openssl's responder serves one connection at a time and waits on a connection that sends
  // nothing: a connect probe would wedge it. Its log says when it listens.
  const std::string ocsp_log = pki.env.dir.File("ocsp.log");
  auto listening = [&] {
    return std::filesystem::exists(ocsp_log) &&
           ReadText(ocsp_log).find("waiting for OCSP") != std::string::npos;
  };
  for (int i = 0; i < 400 && !listening(); ++i) {
    BOOST_REQUIRE_MESSAGE(!responder.Exited(), "openssl ocsp exited at start");
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  BOOST_REQUIRE_MESSAGE(listening(), "openssl ocsp did not start listening");
  vouch::testing::WaitForLoopbackPort(crl_port, &crls);

  RunResult ok = pki.Verify(good);
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  RunResult revoked_crl = pki.Verify(by_crl);
  BOOST_TEST(revoked_crl.exit_code == 1, revoked_crl.out << revoked_crl.err);
  BOOST_TEST(revoked_crl.out.find("is revoked (CRL http://127.0.0.1:") != std::string::npos,
             revoked_crl.out);
  RunResult revoked_ocsp = pki.Verify(by_ocsp);
  BOOST_TEST(revoked_ocsp.exit_code == 1, revoked_ocsp.out << revoked_ocsp.err);
  BOOST_TEST(revoked_ocsp.out.find("is revoked (OCSP http://127.0.0.1:") != std::string::npos,
             revoked_ocsp.out);
}

BOOST_AUTO_TEST_CASE(offline_a_crl_file_decides_and_without_one_the_status_is_unknown) {
  Pki pki;
  CaDatabase ca(pki);
  // The distribution point is never served: offline, only the given file can answer.
  auto [key, chain] = ca.Issue("offline-revoked", "crlDistributionPoints=URI:http://127.0.0.1:9/"
                                                  "ca.crl\n");
  ca.Revoke("offline-revoked");
  const std::string crls = pki.env.dir.File("crls");
  std::filesystem::create_directories(crls);
  ca.PublishCrl(crls);
  const std::string blob = pki.env.dir.File("app.tar");
  WriteText(blob, "the artifact");
  pki.env.MustVouch({"sign-blob", blob, "--key", key, "--cert-chain", chain, "--format",
                     "notation-jws"});
  WriteText(pki.notation_dir + "/trustpolicy.blob.json", R"({"version": "1.0", "trustPolicies": [{
      "name": "release", "globalPolicy": true, "signatureVerification": {"level": "strict"},
      "trustStores": ["ca:acme"], "trustedIdentities": ["*"]}]})");
  const std::vector<std::string> verify = {"verify-notation", "--signature", blob + ".jws.sig",
                                           "--notation-dir", pki.notation_dir, "--offline", blob};
  std::vector<std::string> with_file = verify;
  with_file.insert(with_file.end(), {"--crl", crls + "/ca.crl"});
  RunResult revoked = pki.env.Vouch(with_file);
  BOOST_TEST(revoked.exit_code == 1, revoked.out << revoked.err);
  BOOST_TEST(revoked.err.find("is revoked (CRL http://127.0.0.1:9/ca.crl)") != std::string::npos,
             revoked.err);
  RunResult unknown = pki.env.Vouch(verify);
  BOOST_TEST(unknown.exit_code == 3, unknown.out << unknown.err);
  BOOST_TEST(unknown.err.find("could not be checked") != std::string::npos, unknown.err);
}

BOOST_AUTO_TEST_CASE(a_leaf_whose_extended_key_usage_allows_tls_is_not_a_signer) {
  Pki pki;
  CaDatabase ca(pki);
  auto [key, chain] = ca.Issue("tls-leaf", "");
  // Issue's extensions say codeSigning; this one adds serverAuth.
  WriteText(pki.env.dir.File("tls.ext"), "keyUsage=critical,digitalSignature\n"
                                         "extendedKeyUsage=codeSigning,serverAuth\n");
  pki.Openssl({"ca", "-batch", "-config", ca.cnf, "-notext", "-in",
               pki.env.dir.File("tls-leaf.csr"), "-out", pki.env.dir.File("tls-leaf.crt"),
               "-extfile", pki.env.dir.File("tls.ext")});
  WriteText(chain, ReadText(pki.env.dir.File("tls-leaf.crt")) + ReadText(pki.ca));
  const std::string image = pki.env.Image("single", RepoName("notation-tls-leaf"));
  pki.env.MustVouch({"sign", image, "--key", key, "--cert-chain", chain, "--format",
                     "notation-cose"});
  RunResult r = pki.Verify(image);
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(r.out.find("extended key usage allows more than code signing") != std::string::npos,
             r.out);
}

}  // namespace
}  // namespace vouch::images_test
