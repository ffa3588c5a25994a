// Key references end to end through the vouch binary: a key made on a real SoftHSM2 token and a
// key behind a sigstore KMS plugin (our own test plugin, tests/keys/plugins) each sign a blob, an
// image and an attestation on the registry fixture; vouch verifies every result with the exported
// public key, and `openssl dgst -verify` checks the blob signature. Failures of the token and the
// plugin reach the user as exit 2 or 3 with a message, never the PIN.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "images/common.h"

namespace vouch::images_test {
namespace {

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "4711";
constexpr const char* kWrongPin = "918273";

std::string PluginDir() {
  const char* dir = std::getenv("VOUCH_KMS_PLUGIN_DIR");
  BOOST_REQUIRE_MESSAGE(dir != nullptr, "VOUCH_KMS_PLUGIN_DIR is not set (run through ctest)");
  return dir;
}

// KeyEnv is a scratch directory and registry credentials (Env) plus what the key needs: a
// SoftHSM2 token (SOFTHSM2_CONF) and the test plugin in front of PATH.
struct KeyEnv : Env {
  std::map<std::string, std::string> extra;

  KeyEnv() {
    BOOST_REQUIRE_MESSAGE(access(kModule, R_OK) == 0,
                          std::string("SoftHSM2 is missing: ") + kModule +
                              " (install softhsm2; see scripts/deps)");
    BOOST_REQUIRE(Run({"mkdir", "-p", dir.File("tokens")}).exit_code == 0);
    WriteText(dir.File("softhsm2.conf"), "directories.tokendir = " + dir.File("tokens") +
                                             "\nobjectstore.backend = file\nlog.level = ERROR\n");
    extra["SOFTHSM2_CONF"] = dir.File("softhsm2.conf");
    extra["PATH"] = PluginDir() + ":" + std::getenv("PATH");
    RunOptions o = Options();
    RunResult init = Run({"softhsm2-util", "--init-token", "--free", "--label", "release", "--pin",
                          kPin, "--so-pin", "5678"},
                         o);
    BOOST_REQUIRE_MESSAGE(init.exit_code == 0, "softhsm2-util --init-token: " << init.err);
  }
  RunOptions Options(std::map<std::string, std::string> more = {}) const {
    RunOptions o = Env::Options();
    o.env.insert(extra.begin(), extra.end());
    for (auto& [k, v] : more) {
      o.env[k] = v;
    }
    o.unset_env.insert(o.unset_env.end(),
                       {"VOUCH_PKCS11_PIN", "VOUCH_PKCS11_MODULE", "VOUCH_KMS_PLUGIN_TIMEOUT"});
    return o;
  }
  RunResult Vouch(const std::vector<std::string>& args,
                  std::map<std::string, std::string> more = {}) const {
    return vouch::testing::Vouch(args, Options(std::move(more)));
  }
  RunResult MustVouch(const std::vector<std::string>& args) const {
    RunResult r = Vouch(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "vouch " << args[0] << " exited " << r.exit_code
                                                     << ": " << r.err);
    return r;
  }
};

std::string TokenUri(const std::string& object, const std::string& query = "") {
  return "pkcs11:token=release;object=" + object + "?module-path=" + kModule +
         (query.empty() ? "" : "&" + query);
}

// SignEverything signs a blob, an image and an attestation about it with |key| and checks each
// with the public key |pub|: vouch for all three, openssl (hashing with |dgst|, the key's
// default scheme) for the blob signature.
void SignEverything(const KeyEnv& env, const std::string& key, const std::string& pub,
                    const std::string& what, const std::string& dgst) {
  const std::string blob = env.dir.File("blob-" + what);
  WriteText(blob, "release artifact signed with a " + what + " key\n");
  const std::string bundle = blob + ".sigstore.json";
  const std::string sig = blob + ".sig";
  env.MustVouch({"sign-blob", blob, "--key", key, "--bundle", bundle, "--output-signature", sig});
  env.MustVouch({"verify-blob", blob, "--key", pub, "--bundle", bundle});
  RunResult der = Run({"sh", "-c", "base64 -d < \"$0\" > \"$0.der\"", sig});
  BOOST_REQUIRE(der.exit_code == 0);
  RunResult ossl =
      Run({"openssl", "dgst", dgst, "-verify", pub, "-signature", sig + ".der", blob});
  BOOST_TEST(ossl.exit_code == 0, what << ": openssl dgst -verify: " << ossl.out << ossl.err);

  const std::string pred = env.dir.File("pred.json");
  WriteText(pred, R"({"reviewed":true})");
  const std::string att = blob + ".att.json";
  env.MustVouch({"attest-blob", blob, "--key", key, "--predicate", pred, "--type",
                 "https://example.com/review/v1", "--bundle", att});
  env.MustVouch({"verify-blob-attestation", blob, "--bundle", att, "--key", pub, "--type",
                 "https://example.com/review/v1"});

  const std::string img = env.Image("single", RepoName("keyref-" + what));
  env.MustVouch({"sign", img, "--key", key});
  env.MustVouch({"attest", img, "--key", key, "--predicate", pred, "--type",
                 "https://example.com/review/v1"});
  RunResult v = env.Vouch({"verify", img, "--key", pub});
  BOOST_TEST(v.exit_code == 0, what << ": " << v.out << v.err);
  RunResult va =
      env.Vouch({"verify-attestation", img, "--key", pub, "--type", "https://example.com/review/v1"});
  BOOST_TEST(va.exit_code == 0, what << ": " << va.out << va.err);
  // And a tampered blob is rejected (exit 1), so the checks above can fail.
  WriteText(blob, "something else\n");
  BOOST_TEST(env.Vouch({"verify-blob", blob, "--key", pub, "--bundle", bundle}).exit_code == 1);
}

BOOST_AUTO_TEST_SUITE(key_refs)

BOOST_AUTO_TEST_CASE(token_key_made_by_vouch_signs_blob_image_and_attestation) {
  KeyEnv env;
  const std::string uri = TokenUri("release", std::string("pin-value=") + kPin);
  const std::string prefix = env.dir.File("release");
  RunResult gen = env.MustVouch({"key", "generate", "--algorithm", "ecdsa-p384", "--pkcs11", uri,
                                 "--output-key-prefix", prefix});
  BOOST_TEST(gen.err.find(kPin) == std::string::npos, gen.err);
  BOOST_TEST(!std::filesystem::exists(prefix + ".key"));  // the private key stays on the token
  // Generating over the same label is refused (exit 2) and changes nothing.
  BOOST_TEST(env.Vouch({"key", "generate", "--pkcs11", uri, "--output-key-prefix",
                        env.dir.File("again")})
                 .exit_code == 2);

  RunResult pub = env.MustVouch({"key", "public", "--key", uri});
  BOOST_TEST(pub.out == ReadText(prefix + ".pub"));
  RunResult info = env.MustVouch({"key", "info", "--key", uri, "--output", "json"});
  BOOST_TEST(info.out.find(R"("algorithm": "ecdsa-p384")") != std::string::npos, info.out);
  BOOST_TEST(info.out.find(R"("type": "private")") != std::string::npos, info.out);
  BOOST_TEST(info.out.find(R"("source": "pkcs11")") != std::string::npos, info.out);

  SignEverything(env, uri, prefix + ".pub", "pkcs11", "-sha384");

  // The PIN from VOUCH_PKCS11_PIN and the module from VOUCH_PKCS11_MODULE.
  const std::string bare = "pkcs11:token=release;object=release";
  WriteText(env.dir.File("b"), "b");
  RunResult by_env =
      env.Vouch({"sign-blob", env.dir.File("b"), "--key", bare, "--bundle", env.dir.File("b.json")},
                {{"VOUCH_PKCS11_PIN", kPin}, {"VOUCH_PKCS11_MODULE", kModule}});
  BOOST_TEST(by_env.exit_code == 0, by_env.err);
}

// Ed25519 on the token (CKM_EDDSA through the module's function list): pure Ed25519 over the
// whole blob, checked by vouch and by openssl pkeyutl.
BOOST_AUTO_TEST_CASE(ed25519_token_key_signs_a_blob) {
  KeyEnv env;
  const std::string uri = TokenUri("ed", std::string("pin-value=") + kPin);
  const std::string prefix = env.dir.File("ed");
  env.MustVouch({"key", "generate", "--algorithm", "ed25519", "--pkcs11", uri,
                 "--output-key-prefix", prefix});
  const std::string blob = env.dir.File("blob");
  WriteText(blob, "pure Ed25519 signs the message itself\n");
  env.MustVouch({"sign-blob", blob, "--key", uri, "--bundle", blob + ".json",
                 "--output-signature", blob + ".sig"});
  env.MustVouch({"verify-blob", blob, "--key", prefix + ".pub", "--bundle", blob + ".json"});
  BOOST_REQUIRE(Run({"sh", "-c", "base64 -d < \"$0\" > \"$0.raw\"", blob + ".sig"}).exit_code == 0);
  RunResult ossl = Run({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", prefix + ".pub",
                        "-rawin", "-in", blob, "-sigfile", blob + ".sig.raw"});
  BOOST_TEST(ossl.exit_code == 0, ossl.out << ossl.err);
}

BOOST_AUTO_TEST_CASE(token_failures_are_usage_errors_without_the_pin) {
  KeyEnv env;
  env.MustVouch({"key", "generate", "--pkcs11", TokenUri("k", std::string("pin-value=") + kPin),
                 "--output-key-prefix", env.dir.File("k")});
  WriteText(env.dir.File("b"), "b");
  auto sign = [&](const std::string& key) {
    return env.Vouch(
        {"sign-blob", env.dir.File("b"), "--key", key, "--bundle", env.dir.File("b.json")});
  };
  RunResult wrong = sign(TokenUri("k", std::string("pin-value=") + kWrongPin));
  BOOST_TEST(wrong.exit_code == 2, wrong.err);
  BOOST_TEST(wrong.err.find(kWrongPin) == std::string::npos, wrong.err);
  BOOST_TEST(wrong.err.find("PIN") != std::string::npos, wrong.err);
  RunResult missing = sign(TokenUri("nosuch", std::string("pin-value=") + kPin));
  BOOST_TEST(missing.exit_code == 2, missing.err);
  BOOST_TEST(missing.err.find(kPin) == std::string::npos, missing.err);
  RunResult no_pin = sign(TokenUri("k"));
  BOOST_TEST(no_pin.exit_code == 2, no_pin.err);
  BOOST_TEST(no_pin.err.find("VOUCH_PKCS11_PIN") != std::string::npos, no_pin.err);
  RunResult no_module = sign("pkcs11:token=release;object=k?module-path=/nonexistent/p11.so");
  BOOST_TEST(no_module.exit_code == 2, no_module.err);
  BOOST_TEST(!std::filesystem::exists(env.dir.File("b.json")));  // nothing written on failure
}

BOOST_AUTO_TEST_CASE(plugin_key_signs_blob_image_and_attestation) {
  KeyEnv env;
  const std::string priv = env.dir.File("kms.pem");
  BOOST_REQUIRE(Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-out", priv})
                    .exit_code == 0);
  const std::string ref = "vouchtest://" + priv;
  RunResult pub = env.MustVouch({"key", "public", "--key", ref});
  WriteText(env.dir.File("kms.pub"), pub.out);
  RunResult ossl_pub = Run({"openssl", "pkey", "-in", priv, "-pubout"});
  BOOST_TEST(pub.out == ossl_pub.out);
  RunResult info = env.MustVouch({"key", "info", "--key", ref, "--output", "json"});
  BOOST_TEST(info.out.find(R"("source": "kms-plugin")") != std::string::npos, info.out);
  SignEverything(env, ref, env.dir.File("kms.pub"), "plugin", "-sha256");
  // The verify side takes the plugin reference too.
  WriteText(env.dir.File("c"), "c");
  env.MustVouch({"sign-blob", env.dir.File("c"), "--key", ref, "--bundle", env.dir.File("c.json")});
  env.MustVouch({"verify-blob", env.dir.File("c"), "--key", ref, "--bundle", env.dir.File("c.json")});
}

BOOST_AUTO_TEST_CASE(plugin_failures_are_operational_errors) {
  KeyEnv env;
  WriteText(env.dir.File("b"), "b");
  auto sign = [&](const std::string& key) {
    return env.Vouch(
        {"sign-blob", env.dir.File("b"), "--key", key, "--bundle", env.dir.File("b.json")},
        {{"VOUCH_KMS_PLUGIN_TIMEOUT", "3s"}});
  };
  RunResult hang = sign("vouchtest://hang");
  BOOST_TEST(hang.exit_code == 3, hang.err);
  RunResult garbage = sign("vouchtest://garbage");
  BOOST_TEST(garbage.exit_code == 3, garbage.err);
  BOOST_TEST(garbage.err.find("sigstore-kms-vouchtest") != std::string::npos, garbage.err);
  RunResult error = sign("vouchtest://error");
  BOOST_TEST(error.exit_code == 3, error.err);
  RunResult wrongsig = sign("vouchtest://wrongsig");
  BOOST_TEST(wrongsig.exit_code == 3, wrongsig.err);
  RunResult absent = sign("nosuchkms://key");
  BOOST_TEST(absent.exit_code == 2, absent.err);
  BOOST_TEST(absent.err.find("sigstore-kms-nosuchkms") != std::string::npos, absent.err);
  BOOST_TEST(!std::filesystem::exists(env.dir.File("b.json")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::images_test
