// Keyless signing by vouch, end to end on loopback: a token endpoint shaped like GitHub Actions'
// (tests/fixtures/oidc_token_server.py) hands vouch an OIDC token, and the stand-in Fulcio, Rekor
// and TSA of ../shared/peers/node/sigstore-mock-server.mjs certify, log and timestamp. What vouch
// signs is verified by vouch and by sigstore-js (@sigstore/verify, sigstore-bundle.mjs verify)
// with the identity and issuer from the token, against the stand-in's trusted root.
//
// The stand-in logs a DSSE entry as proposed instead of as Rekor canonicalizes it (see
// keyless_test.cc mock_dsse_entry_is_rejected_like_sigstore_js), so DSSE bundles (attest-blob,
// image signatures, VSAs) are signed here with the TSA only and verified against the stand-in's
// root without its logs: the shape of GitHub's own Sigstore instance.
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "oci_layout.h"
#include "testutil/json_shape.h"
#include "testutil/sigstore_mock.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch {
namespace {

using testing::RunResult;
using testing::TempDir;
using testing::WriteText;

const std::string kSub = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const std::string kIssuer = "https://token.actions.githubusercontent.com";

// CiEnv is a GitHub Actions job's environment: the token endpoint's URL and request token, and
// none of the other token sources.
struct CiEnv {
  testing::OidcTokenServer tokens{kSub, kIssuer};

  testing::RunOptions Options() const {
    testing::RunOptions o;
    o.env = {{"ACTIONS_ID_TOKEN_REQUEST_URL", tokens.url()},
             {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", tokens.request_token()}};
    o.unset_env = {"SIGSTORE_ID_TOKEN", "BUILDKITE_AGENT_ACCESS_TOKEN", "CIRCLE_OIDC_TOKEN",
                   "CIRCLE_OIDC_TOKEN_V2"};
    return o;
  }
};

std::vector<std::string> Services(bool log = true) {
  const std::string url = testing::Server().url();
  std::vector<std::string> s = {"--fulcio-url", url, "--timestamp-server-url",
                                url + "/api/v1/timestamp"};
  if (log) {
    s.insert(s.end(), {"--rekor-url", url});
  }
  return s;
}

std::vector<std::string> Cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

RunResult JsVerify(const std::string& bundle, const std::string& root,
                   const std::vector<std::string>& extra) {
  return testing::Run(Cat({"node", testing::NodeScript("sigstore-bundle.mjs"), "verify", bundle,
                           "--trusted-root", root},
                          extra));
}

// LogFreeRoot is the stand-in's trusted root without its transparency and CT logs.
std::string LogFreeRoot(const TempDir& dir) {
  Json root = *ParseJson(testing::ReadText(testing::Server().root()), "root");
  root["tlogs"] = Json::array();
  root["ctlogs"] = Json::array();
  const std::string path = dir.File("log-free-root.json");
  WriteText(path, DumpJson(root));
  return path;
}

std::vector<std::string> Identity(const std::string& sub = kSub) {
  return {"--certificate-identity", sub, "--certificate-oidc-issuer", kIssuer};
}

// VouchSignForJs runs a vouch signing command that writes |bundle|, again while the bundle's
// timestamp has a time sigstore-js cannot parse (testutil/sigstore_mock.h SigstoreJsParsesTime:
// one time in ten from the stand-in TSA), so that sigstore-js judges the bundle, not its time.
RunResult VouchSignForJs(const std::vector<std::string>& args, const std::string& bundle,
                         const testing::RunOptions& options = {}) {
  RunResult r;
  for (int tries = 0; tries < 10; ++tries) {
    r = testing::Vouch(args, options);
    if (r.exit_code != 0 || testing::BundleTimestampsParseInJs(bundle)) {
      break;
    }
  }
  return r;
}

BOOST_AUTO_TEST_SUITE(keyless_signing, *boost::unit_test::fixture<testing::MockServerFixture>())

// The blob form: a Fulcio certificate, a Rekor v1 hashedrekord entry and a TSA timestamp. Both
// verifiers accept it with the token's identity and refuse another identity.
BOOST_AUTO_TEST_CASE(blob_signed_keyless_in_ci_verifies_with_vouch_and_sigstore_js) {
  CiEnv ci;
  TempDir dir;
  const std::string file = dir.File("app.tar");
  const std::string bundle = dir.File("app.tar.sigstore.json");
  WriteText(file, "release artifact\n");
  RunResult s = VouchSignForJs(Cat({"sign-blob", file, "--bundle", bundle, "-o", "json"},
                                   Services()),
                               bundle, ci.Options());
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  // -o json (docs/output.md) names the keyless signer and the log entry and timestamp added.
  for (const std::string& problem :
       testing::ShapeProblems(s.out, testing::DocumentedShape("sign-blob"))) {
    BOOST_ERROR(problem);
  }
  Json out = *ParseJson(s.out, "sign-blob output");
  BOOST_TEST(out["signer"]["type"] == "keyless");
  BOOST_TEST(out["signer"]["identity"] == kSub);
  BOOST_TEST(out["signer"]["issuer"] == kIssuer);
  BOOST_TEST(out["tlogEntries"].size() == 1u, s.out);
  BOOST_TEST(out["tlogEntries"][0]["kind"] == "hashedrekord", s.out);
  BOOST_TEST(out["timestamps"] == 1, s.out);
  // The claims are shown before signing; the token never is.
  BOOST_TEST(s.err.find("keyless as " + kSub) != std::string::npos, s.err);
  BOOST_TEST(s.err.find("GitHub Actions") != std::string::npos, s.err);
  BOOST_TEST(s.err.find("eyJ") == std::string::npos, s.err);

  Json b = *ParseJson(testing::ReadText(bundle), "bundle");
  BOOST_TEST(b["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json");
  BOOST_TEST(b["verificationMaterial"].contains("certificate"));
  BOOST_TEST(b["verificationMaterial"]["tlogEntries"].size() == 1u);
  BOOST_TEST(b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"].size() ==
             1u);

  RunResult v = testing::Vouch(Cat({"verify-blob", file, "--bundle", bundle, "--trusted-root",
                                    testing::Server().root(), "-o", "json"},
                                   Identity()));
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  for (const std::string& problem :
       testing::ShapeProblems(v.out, testing::DocumentedShape("verify-blob"))) {
    BOOST_ERROR(problem);
  }
  BOOST_TEST(v.out.find("\"verified\": true") != std::string::npos, v.out);
  RunResult js = JsVerify(bundle, testing::Server().root(),
                          {"--blob", file, "--identity-uri", kSub, "--issuer", kIssuer});
  BOOST_TEST(js.exit_code == 0, js.out << js.err);
  BOOST_TEST(js.out.find("VERIFIED") == 0u, js.out);

  RunResult wrong = testing::Vouch(Cat({"verify-blob", file, "--bundle", bundle,
                                        "--trusted-root", testing::Server().root()},
                                       Identity("https://github.com/evil/app/x.yml@refs/heads/main")));
  BOOST_TEST(wrong.exit_code == 1, wrong.out << wrong.err);
  RunResult js_wrong = JsVerify(bundle, testing::Server().root(),
                                {"--blob", file, "--identity-uri", "https://evil.example/x",
                                 "--issuer", kIssuer});
  BOOST_TEST(js_wrong.exit_code == 1, js_wrong.out << js_wrong.err);
}

// sign-bundle, the conformance protocol, with the token on the command line and a signing
// config naming the stand-in's services.
BOOST_AUTO_TEST_CASE(sign_bundle_follows_the_conformance_protocol_with_a_signing_config) {
  TempDir dir;
  const std::string url = testing::Server().url();
  const std::string config = dir.File("signing_config.json");
  WriteText(config, R"({"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    "caUrls": [{"url": ")" + url + R"(", "majorApiVersion": 1,
                "validFor": {"start": "2020-01-01T00:00:00Z"}}],
    "rekorTlogUrls": [{"url": ")" + url + R"(", "majorApiVersion": 1,
                       "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "test"}],
    "rekorTlogConfig": {"selector": "ANY"},
    "tsaUrls": [{"url": ")" + url + R"(/api/v1/timestamp", "majorApiVersion": 1,
                 "validFor": {"start": "2020-01-01T00:00:00Z"}, "operator": "test"}],
    "tsaConfig": {"selector": "ANY"}})");
  const std::string file = dir.File("a.txt");
  WriteText(file, "conformance\n");
  testing::OidcTokenServer tokens{kSub, kIssuer};
  // The token itself, as the conformance suite passes it: fetched here from the endpoint.
  RunResult t = testing::Run({"curl", "-fsS", "-H", "Authorization: bearer REQ",
                              tokens.url() + "&audience=sigstore"});
  BOOST_REQUIRE_MESSAGE(t.exit_code == 0, t.err);
  const std::string token = (*ParseJson(t.out, "token"))["value"].get<std::string>();
  const std::string bundle = dir.File("a.sigstore.json");
  RunResult s = testing::Vouch({"sign-bundle", "--identity-token", token, "--bundle", bundle,
                                "--signing-config", config, file});
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  BOOST_TEST(s.err.find(token) == std::string::npos);
  RunResult v = testing::Vouch(Cat({"verify-bundle", "--bundle", bundle, "--trusted-root",
                                    testing::Server().root()},
                                   Cat(Identity(), {file})));
  BOOST_TEST(v.exit_code == 0, v.out << v.err);

  // --in-toto: the statement is the input, signed as DSSE (TSA only: see the top of the file).
  const std::string statement = dir.File("st.json");
  WriteText(statement,
            R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":)"
            R"({"sha256":")" + Digest::Of(AsBytes(std::string("conformance\n"))).Hex() +
                R"("}}],"predicateType":"https://example.test/custom/v1","predicate":{}})");
  const std::string dsse = dir.File("st.sigstore.json");
  RunResult d = testing::Vouch({"sign-bundle", "--in-toto", "--identity-token", token,
                                "--bundle", dsse, "--signing-config", config,
                                "--tlog-upload=false", statement});
  BOOST_REQUIRE_MESSAGE(d.exit_code == 0, d.out << d.err);
  RunResult dv = testing::Vouch(Cat({"verify-bundle", "--bundle", dsse, "--trusted-root",
                                     LogFreeRoot(dir)},
                                    Cat(Identity(), {file})));
  BOOST_TEST(dv.exit_code == 0, dv.out << dv.err);
}

// attest-blob keyless: a DSSE bundle with a certificate and a timestamp; sigstore-js and vouch
// verify it against the log-free root.
BOOST_AUTO_TEST_CASE(attestation_signed_keyless_verifies_with_vouch_and_sigstore_js) {
  CiEnv ci;
  TempDir dir;
  const std::string file = dir.File("app.bin");
  WriteText(file, "binary\n");
  WriteText(dir.File("pred.json"), R"({"note": "built on loopback"})");
  const std::string bundle = dir.File("app.intoto.sigstore.json");
  RunResult s = VouchSignForJs(Cat({"attest-blob", file, "--predicate", dir.File("pred.json"),
                                    "--type", "https://example.test/custom/v1", "--bundle",
                                    bundle},
                                   Services(false)),
                               bundle, ci.Options());
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  const std::string root = LogFreeRoot(dir);
  RunResult v = testing::Vouch(Cat({"verify-bundle", "--bundle", bundle, "--trusted-root", root},
                                   Cat(Identity(), {file})));
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  // sigstore-js takes the stand-in's full root (its CT log checks the SCT) without a log entry.
  RunResult js = JsVerify(bundle, testing::Server().root(),
                          {"--identity-uri", kSub, "--issuer", kIssuer, "--tlog-threshold", "0"});
  BOOST_TEST(js.exit_code == 0, js.out << js.err);
  RunResult wrong = testing::Vouch(
      Cat({"verify-bundle", "--bundle", bundle, "--trusted-root", root},
          Cat(Identity("https://github.com/evil/app/x.yml@refs/heads/main"), {file})));
  BOOST_TEST(wrong.exit_code == 1, wrong.out << wrong.err);
}

// An image signed keyless (cosign v3's bundle referrer) verifies with identity flags and under a
// policy `keyless` authority; promote signs its VSA keyless.
BOOST_AUTO_TEST_CASE(image_signed_keyless_verifies_and_promote_signs_its_vsa_keyless) {
  CiEnv ci;
  TempDir dir;
  testing::Layout layout;
  const Digest image = Digest::Of(AsBytes(layout.AddMinimalImage("app")));
  layout.Finish();
  const std::string ref = "oci:" + layout.dir.path() + "@" + image.ToString();

  RunResult s = testing::Vouch(Cat({"sign", ref}, Services(false)), ci.Options());
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  const std::string root = LogFreeRoot(dir);
  RunResult v = testing::Vouch(Cat({"verify", ref, "--trusted-root", root}, Identity()));
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  RunResult wrong = testing::Vouch(
      Cat({"verify", ref, "--trusted-root", root},
          Identity("https://github.com/evil/app/x.yml@refs/heads/main")));
  BOOST_TEST(wrong.exit_code == 1, wrong.out << wrong.err);

  const std::string policy = dir.File("policy.json");
  WriteText(policy, R"({"version": 1, "authorities": {"ci": {"keyless": {"identity": ")" + kSub +
                        R"(", "issuer": ")" + kIssuer + R"(", "trustedRoot": ")" + root +
                        R"("}}}, "policies": [{"name": "p", "scope": "*", "mode": "enforce",
                        "signatures": {"authorities": ["ci"]}}]})");
  RunResult p = testing::Vouch({"verify", "--policy", policy, ref});
  BOOST_TEST(p.exit_code == 0, p.out << p.err);

  TempDir dst;
  RunResult promoted = testing::Vouch(
      Cat({"promote", ref, "oci:" + dst.path() + ":app", "--policy", policy, "--keyless"},
          Services(false)),
      ci.Options());
  BOOST_REQUIRE_MESSAGE(promoted.exit_code == 0, promoted.out << promoted.err);
  RunResult vsa = testing::Vouch({"verify-attestation", "oci:" + dst.path() + "@" + image.ToString(),
                                  "--type", "https://slsa.dev/verification_summary/v1",
                                  "--certificate-identity", kSub, "--certificate-oidc-issuer",
                                  kIssuer, "--trusted-root", root});
  BOOST_TEST(vsa.exit_code == 0, vsa.out << vsa.err);
}

// A key signature witnessed on request: --tlog-upload and --timestamp put a log entry and a
// timestamp beside the key hint; vouch and sigstore-js verify it with the key.
BOOST_AUTO_TEST_CASE(key_signature_logged_and_timestamped_on_request) {
  TempDir dir;
  testing::RunOptions pw;
  pw.env = {{"VOUCH_PASSWORD", "pw"}};
  RunResult k = testing::Vouch({"key", "generate", "--output-key-prefix", dir.File("k")}, pw);
  BOOST_REQUIRE_MESSAGE(k.exit_code == 0, k.out << k.err);
  const std::string file = dir.File("f.txt");
  WriteText(file, "keyed\n");
  const std::string url = testing::Server().url();
  const std::string bundle = dir.File("f.sigstore.json");
  RunResult s = VouchSignForJs({"sign-blob", file, "--key", dir.File("k.key"), "--bundle", bundle,
                                "--tlog-upload", "--rekor-url", url, "--timestamp",
                                "--timestamp-server-url", url + "/api/v1/timestamp"},
                               bundle, pw);
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.out << s.err);
  Json b = *ParseJson(testing::ReadText(bundle), "bundle");
  BOOST_TEST(b["verificationMaterial"].contains("publicKey"));
  BOOST_TEST(b["verificationMaterial"]["tlogEntries"].size() == 1u);
  RunResult v = testing::Vouch({"verify-bundle", "--bundle", bundle, "--key", dir.File("k.pub"),
                                "--trusted-root", testing::Server().root(), file, "-o", "json"});
  BOOST_TEST(v.exit_code == 0, v.out << v.err);
  Json verdict = *ParseJson(v.out, "verify-bundle output");
  BOOST_TEST(verdict["verified"] == true, v.out);
  BOOST_TEST(verdict["verifiedTimes"].size() >= 1u, v.out);  // the log's and the TSA's
  RunResult js = JsVerify(bundle, testing::Server().root(),
                          {"--blob", file, "--pubkey", dir.File("k.pub"), "--hint",
                           b["verificationMaterial"]["publicKey"]["hint"].get<std::string>(),
                           "--tlog-threshold", "1", "--ts-threshold", "1"});
  BOOST_TEST(js.exit_code == 0, js.out << js.err);

  // Without the flags a key signature contacts nothing: asking for a log with none named is a
  // usage error.
  RunResult none = testing::Vouch({"sign-blob", file, "--key", dir.File("k.key"), "--bundle",
                                   dir.File("g.json"), "--tlog-upload"},
                                  pw);
  BOOST_TEST(none.exit_code == 2, none.out << none.err);
  BOOST_TEST(none.err.find("--rekor-url") != std::string::npos, none.err);
}

// Failures: no token source is a usage error naming the sources; a log that is down after Fulcio
// issued the certificate is exit 3 naming the log, and leaves no bundle behind.
BOOST_AUTO_TEST_CASE(no_token_is_a_usage_error_and_a_failed_upload_writes_nothing) {
  TempDir dir;
  const std::string file = dir.File("f.txt");
  WriteText(file, "x\n");
  testing::RunOptions bare;
  bare.unset_env = {"SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "BUILDKITE_AGENT_ACCESS_TOKEN",
                    "CIRCLE_OIDC_TOKEN", "CIRCLE_OIDC_TOKEN_V2"};
  RunResult none = testing::Vouch(
      Cat({"sign-blob", file, "--bundle", dir.File("b.json")}, Services()), bare);
  BOOST_TEST(none.exit_code == 2, none.out << none.err);
  BOOST_TEST(none.err.find("SIGSTORE_ID_TOKEN") != std::string::npos, none.err);
  BOOST_TEST(none.err.find("ACTIONS_ID_TOKEN_REQUEST_URL") != std::string::npos, none.err);

  CiEnv ci;
  testing::PortReservation closed;
  const std::string dead_log = "http://127.0.0.1:" + std::to_string(closed.port());
  const std::string url = testing::Server().url();
  const std::string bundle = dir.File("never.json");
  RunResult down = testing::Vouch({"sign-blob", file, "--bundle", bundle, "--fulcio-url", url,
                                   "--rekor-url", dead_log, "--timestamp-server-url",
                                   url + "/api/v1/timestamp"},
                                  ci.Options());
  BOOST_TEST(down.exit_code == 3, down.out << down.err);
  BOOST_TEST(down.err.find(dead_log) != std::string::npos, down.err);
  BOOST_TEST(!PathExists(bundle));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
