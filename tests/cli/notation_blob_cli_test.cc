// `vouch sign-blob --format notation-jws|notation-cose` end to end: the envelope file (named as
// `notation blob sign` names it, 0644), verified by `vouch verify-notation` with a blob trust
// policy; a tampered file and wrong user metadata are rejected with their checks; usage errors
// are exit 2, and an unreachable timestamp authority is exit 3 with nothing written.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "testutil/notation_pki.h"
#include "testutil/testutil.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

namespace vouch::testing {
namespace {

// BlobPki adds to NotationPki a blob trust policy (globalPolicy) trusting its CA for any
// identity, and the two commands.
struct BlobPki : NotationPki {
  explicit BlobPki(const std::string& curve = "P-256") : NotationPki(curve) {
    WriteText(notation_dir + "/trustpolicy.blob.json", R"({"version": "1.0", "trustPolicies": [{
      "name": "release", "globalPolicy": true, "signatureVerification": {"level": "strict"},
      "trustStores": ["ca:acme"], "trustedIdentities": ["*"]}]})");
  }

  RunResult Sign(const std::string& file, const std::string& format,
                 const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> argv = {"sign-blob", file,   "--key",        key,
                                     "--format",  format, "--cert-chain", chain};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Vouch(argv);
  }

  // Verify runs verify-notation with JSON output and returns the exit code and the document.
  std::pair<int, nlohmann::json> Verify(const std::string& file, const std::string& signature,
                                        const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> argv = {"verify-notation", "--signature", signature, "--notation-dir",
                                     notation_dir,      "-o",          "json",    file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunResult r = Vouch(argv);
    BOOST_TEST_MESSAGE(r.out << r.err);
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    BOOST_REQUIRE_MESSAGE(j.is_object(), "not JSON: " << r.out << r.err);
    return {r.exit_code, j};
  }
};

std::string DigestOf(const std::string& content, HashAlgorithm alg) {
  return Digest::Of(ToBytes(content), alg).ToString();
}

BOOST_AUTO_TEST_SUITE(notation_blob)

BOOST_AUTO_TEST_CASE(both_envelopes_on_p256_and_p384_verify_with_the_blob_trust_policy) {
  struct Case {
    std::string curve;
    HashAlgorithm hash;
  };
  for (const Case& c :
       {Case{"P-256", HashAlgorithm::kSha256}, Case{"P-384", HashAlgorithm::kSha384},
        Case{"P-521", HashAlgorithm::kSha512}}) {
    BlobPki pki(c.curve);
    for (const std::string ext : {"jws", "cose"}) {
      BOOST_TEST_CONTEXT(c.curve << " " << ext) {
        const std::string file = pki.dir.File("app-" + ext + ".tar");
        const std::string content = "release artifact " + ext;
        WriteText(file, content);
        RunResult s = pki.Sign(file, "notation-" + ext, {"-m", "buildId=42", "--expiry", "24h"});
        BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
        const std::string sig = file + "." + ext + ".sig";
        BOOST_TEST(s.err.find("wrote " + sig) != std::string::npos, s.err);
        struct stat st {};
        BOOST_REQUIRE(stat(sig.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0644u);

        auto [code, j] = pki.Verify(file, sig, {"-m", "buildId=42"});
        BOOST_TEST(code == 0, j.dump());
        BOOST_TEST(j["verified"] == true);
        BOOST_TEST(j["target"]["digest"] == DigestOf(content, c.hash));
        BOOST_TEST(j["target"]["size"] == content.size());
        BOOST_TEST(j["target"]["mediaType"] == "application/octet-stream");
        BOOST_TEST(j["target"]["annotations"]["buildId"] == "42");
        BOOST_TEST(j["mediaType"] == (ext == "jws" ? "application/jose+json" : "application/cose"));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_tampered_file_and_wrong_user_metadata_are_rejected_with_their_checks) {
  BlobPki pki;
  const std::string file = pki.dir.File("app.tar");
  WriteText(file, "the artifact");
  const std::string sig = pki.dir.File("out/app.sig");
  std::filesystem::create_directories(pki.dir.File("out"));
  RunResult s =
      pki.Sign(file, "notation-cose",
               {"--signature", sig, "-m", "buildId=42", "--media-type", "application/x-tar"});
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  BOOST_TEST(!std::filesystem::exists(file + ".cose.sig"));

  auto [ok, j] = pki.Verify(file, sig, {"--media-type", "application/x-tar"});
  BOOST_TEST(ok == 0, j.dump());

  auto [meta, jm] = pki.Verify(file, sig, {"-m", "buildId=7"});
  BOOST_TEST(meta == 1);
  BOOST_TEST(jm["failingCheck"] == "userMetadata", jm.dump());

  WriteText(file, "the artifact, changed");
  auto [tampered, jt] = pki.Verify(file, sig);
  BOOST_TEST(tampered == 1);
  BOOST_TEST(jt["failingCheck"] == "artifact", jt.dump());
}

BOOST_AUTO_TEST_CASE(a_tampered_payload_and_a_wrong_descriptor_size_are_rejected) {
  BlobPki pki;
  const std::string file = pki.dir.File("app.tar");
  const std::string content = "the artifact";
  WriteText(file, content);
  RunResult s = pki.Sign(file, "notation-jws");
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  const std::string sig = file + ".jws.sig";

  // The payload re-encoded to name one byte more: the signature no longer covers it.
  nlohmann::json env = nlohmann::json::parse(ReadText(sig));
  Result<Bytes> payload = Base64Decode(env["payload"].get<std::string>(), Base64Alphabet::kUrl);
  BOOST_REQUIRE(payload.ok());
  nlohmann::json target = nlohmann::json::parse(payload->begin(), payload->end());
  target["targetArtifact"]["size"] = content.size() + 1;
  env["payload"] = Base64UrlEncode(ToBytes(target.dump()));
  const std::string tampered = pki.dir.File("tampered.jws.sig");
  WriteText(tampered, env.dump());
  auto [code, j] = pki.Verify(file, tampered);
  BOOST_TEST(code == 1, j.dump());
  BOOST_TEST(j["failingCheck"] == "integrity", j.dump());

  // The signed descriptor is the blob's; a caller that resolved another size is refused.
  nlohmann::json descriptor = {{"mediaType", "application/octet-stream"},
                               {"digest", DigestOf(content, HashAlgorithm::kSha256)},
                               {"size", content.size() + 1}};
  WriteText(pki.notation_dir + "/trustpolicy.oci.json", R"({"version": "1.0", "trustPolicies": [{
      "name": "any", "registryScopes": ["*"], "signatureVerification": {"level": "strict"},
      "trustStores": ["ca:acme"], "trustedIdentities": ["*"]}]})");
  RunResult r = Vouch({"verify-notation", "--signature", sig, "--notation-dir", pki.notation_dir,
                       "-o", "json", "--descriptor", descriptor.dump(), "--reference",
                       "registry.example/app@" + DigestOf(content, HashAlgorithm::kSha256)});
  BOOST_TEST(r.exit_code == 1, r.out << r.err);
  BOOST_TEST(r.out.find(R"("failingCheck":"artifact")") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(stdin_is_signed_with_an_explicit_signature_path) {
  BlobPki pki;
  const std::string content = "from a pipe";
  const std::string sig = pki.dir.File("stdin.jws.sig");
  RunOptions in;
  in.stdin_data = content;
  RunResult s = Vouch({"sign-blob", "-", "--key", pki.key, "--format", "notation-jws",
                       "--cert-chain", pki.chain, "--signature", sig},
                      in);
  BOOST_REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  const std::string file = pki.dir.File("copy.txt");
  WriteText(file, content);
  auto [code, j] = pki.Verify(file, sig);
  BOOST_TEST(code == 0, j.dump());
  BOOST_TEST(j["target"]["size"] == content.size());

  RunResult no_path = Vouch(
      {"sign-blob", "-", "--key", pki.key, "--format", "notation-jws", "--cert-chain", pki.chain},
      in);
  BOOST_TEST(no_path.exit_code == 2, no_path.err);
  BOOST_TEST(no_path.err.find("needs --signature") != std::string::npos, no_path.err);
}

BOOST_AUTO_TEST_CASE(usage_errors_are_exit_2_and_write_nothing) {
  BlobPki pki;
  const std::string file = pki.dir.File("app.tar");
  WriteText(file, "x");
  struct Bad {
    std::vector<std::string> argv;
    std::string mentions;
  };
  const std::vector<Bad> bad = {
      {{"sign-blob", file, "--key", pki.key, "--format", "notation-jws"}, "needs --cert-chain"},
      {{"sign-blob", file, "--key", pki.key, "--format", "notation-jws", "--cert-chain", pki.chain,
        "--bundle", pki.dir.File("b.json")},
       "--bundle and --output-signature are for"},
      {{"sign-blob", file, "--key", pki.key, "--cert-chain", pki.chain, "--bundle",
        pki.dir.File("b.json")},
       "are for --format notation-jws|notation-cose"},
      {{"sign-blob", file, "--key", pki.key, "--format", "notation-xml", "--cert-chain", pki.chain},
       "unknown signature format"},
      {{"sign-blob", file, "--key", pki.key, "--format", "notation-jws", "--cert-chain", pki.chain,
        "--timestamp-url", "ftp://tsa.example"},
       "--timestamp-url must be an http:// or https:// URL"},
      {{"sign-blob", file, "--key", pki.key, "--format", "notation-jws", "--cert-chain", pki.ca},
       "the leaf certificate does not hold the signer's public key"},
  };
  for (const Bad& b : bad) {
    RunResult r = Vouch(b.argv);
    BOOST_TEST(r.exit_code == 2, r.err);
    BOOST_TEST(r.err.find(b.mentions) != std::string::npos, r.err);
  }
  BOOST_TEST(!std::filesystem::exists(file + ".jws.sig"));
  BOOST_TEST(!std::filesystem::exists(pki.dir.File("b.json")));
}

BOOST_AUTO_TEST_CASE(an_unreachable_timestamp_authority_is_exit_3_naming_it_and_writes_nothing) {
  BlobPki pki;
  const std::string file = pki.dir.File("app.tar");
  WriteText(file, "x");
  int port = 0;
  int fd = ListenOnLoopback(port);
  close(fd);  // nothing listens there any more: the connection is refused
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/timestamp";
  RunResult r = pki.Sign(file, "notation-jws", {"--timestamp-url", url});
  BOOST_TEST(r.exit_code == 3, r.err);
  BOOST_TEST(r.err.find("timestamp authority " + url) != std::string::npos, r.err);
  BOOST_TEST(!std::filesystem::exists(file + ".jws.sig"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
