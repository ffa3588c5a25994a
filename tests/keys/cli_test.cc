// `vouch key ...` through the binary: exit codes, files and modes, password sources, env:// keys.
#include <sys/stat.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

namespace bdata = boost::unit_test::data;

std::string TestData(const std::string& name) {
  const char* dir = std::getenv("VOUCH_KEYS_TESTDATA");
  BOOST_REQUIRE_MESSAGE(dir != nullptr, "VOUCH_KEYS_TESTDATA is not set (run through ctest)");
  return ReadText(std::string(dir) + "/" + name);
}

RunOptions WithPassword(const std::string& pw) {
  RunOptions o;
  o.env["VOUCH_PASSWORD"] = pw;
  o.unset_env.push_back("COSIGN_PASSWORD");
  return o;
}

RunOptions NoPassword() {
  RunOptions o;
  o.unset_env.push_back("COSIGN_PASSWORD");
  return o;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// OpensslKeyId computes the key id independently: sha256 of `openssl pkey -pubin -outform DER`.
std::string OpensslKeyId(const std::string& pub_path) {
  RunResult r = Run({"sh", "-c",
                     "openssl pkey -pubin -in \"$0\" -outform DER | sha256sum | cut -d' ' -f1",
                     pub_path});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out.substr(0, 64);
}

std::string JsonField(const std::string& json, const std::string& field) {
  std::string key = "\"" + field + "\":";
  size_t at = json.find(key);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, field << " in " << json);
  at = json.find('"', at + key.size()) + 1;  // the value's opening quote (indented output)
  return json.substr(at, json.find('"', at) - at);
}

BOOST_AUTO_TEST_SUITE(key_cli)

BOOST_AUTO_TEST_CASE(generate_default_writes_encrypted_pair) {
  TempDir dir;
  RunOptions o = WithPassword("pw");
  o.cwd = dir.path();
  RunResult r = Vouch({"key", "generate"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string key = dir.File("vouch.key");
  const std::string pub = dir.File("vouch.pub");
  BOOST_TEST(Mode(key) == 0600u);
  BOOST_TEST(Mode(pub) == 0644u);
  BOOST_TEST(ReadText(key).rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0) == 0u);
  BOOST_TEST(ReadText(pub).rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0u);
  // The key id is the SHA-256 of the DER SPKI, as OpenSSL computes it, for both files.
  RunResult info = Vouch({"key", "info", "--key", pub, "--output", "json"}, NoPassword());
  BOOST_REQUIRE_MESSAGE(info.exit_code == 0, info.err);
  BOOST_TEST(JsonField(info.out, "keyId") == OpensslKeyId(pub));
  BOOST_TEST(JsonField(info.out, "algorithm") == "ecdsa-p256");
  BOOST_TEST(JsonField(info.out, "type") == "public");
  BOOST_TEST(JsonField(info.out, "sigstoreHint").size() == 44u);
  RunResult pinfo = Vouch({"key", "info", "--key", key, "--output", "json"}, WithPassword("pw"));
  BOOST_REQUIRE_MESSAGE(pinfo.exit_code == 0, pinfo.err);
  BOOST_TEST(JsonField(pinfo.out, "keyId") == OpensslKeyId(pub));
  BOOST_TEST(JsonField(pinfo.out, "type") == "private");
  BOOST_TEST(JsonField(pinfo.out, "sigstoreHint") == JsonField(info.out, "sigstoreHint"));
  // `key public` prints exactly the .pub file.
  RunResult p = Vouch({"key", "public", "--key", key}, WithPassword("pw"));
  BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
  BOOST_TEST(p.out == ReadText(pub));
  // A wrong password is a usage error (2) that does not echo the password.
  RunResult wrong = Vouch({"key", "public", "--key", key}, WithPassword("hunter2-wrong"));
  BOOST_TEST(wrong.exit_code == 2);
  BOOST_TEST(wrong.err.find("wrong password") != std::string::npos);
  BOOST_TEST(wrong.err.find("hunter2-wrong") == std::string::npos);
}

BOOST_DATA_TEST_CASE(generate_each_algorithm,
                     bdata::make({"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072", "rsa-4096"}),
                     alg) {
  TempDir dir;
  WriteText(dir.File("pw.txt"), "file-password\n");
  const std::string prefix = dir.File("k");
  RunResult r = Vouch({"key", "generate", "--algorithm", alg, "--output-key-prefix", prefix,
                       "--password-file", dir.File("pw.txt")},
                      NoPassword());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // One trailing newline of the password file is not part of the password.
  RunResult info =
      Vouch({"key", "info", "--key", prefix + ".key", "--output", "json"}, WithPassword("file-password"));
  BOOST_REQUIRE_MESSAGE(info.exit_code == 0, info.err);
  BOOST_TEST(JsonField(info.out, "algorithm") == alg);
  BOOST_TEST(JsonField(info.out, "keyId") == OpensslKeyId(prefix + ".pub"));
}

BOOST_AUTO_TEST_CASE(generate_refuses_to_overwrite_without_force) {
  TempDir dir;
  const std::string prefix = dir.File("k");
  BOOST_REQUIRE(Vouch({"key", "generate", "--output-key-prefix", prefix}, WithPassword("a")).exit_code == 0);
  const std::string key_before = ReadText(prefix + ".key");
  RunResult again = Vouch({"key", "generate", "--output-key-prefix", prefix}, WithPassword("a"));
  BOOST_TEST(again.exit_code == 2);
  BOOST_TEST(again.err.find("already exists") != std::string::npos);
  BOOST_TEST(again.err.find("--force") != std::string::npos);
  BOOST_TEST(ReadText(prefix + ".key") == key_before);
  // Only the .pub exists: neither file is written.
  const std::string other = dir.File("o");
  WriteText(other + ".pub", "keep");
  BOOST_TEST(Vouch({"key", "generate", "--output-key-prefix", other}, WithPassword("a")).exit_code == 2);
  BOOST_TEST(!std::filesystem::exists(other + ".key"));
  BOOST_TEST(ReadText(other + ".pub") == "keep");
  // --force replaces both.
  RunResult forced =
      Vouch({"key", "generate", "--output-key-prefix", prefix, "--force"}, WithPassword("a"));
  BOOST_REQUIRE_MESSAGE(forced.exit_code == 0, forced.err);
  BOOST_TEST(ReadText(prefix + ".key") != key_before);
  BOOST_TEST(Mode(prefix + ".key") == 0600u);
}

// A replacement cut between its two renames (keys::WriteKeyPairFiles; the fault itself is
// injected in key_pair_files_test.cc) leaves the new .pub, the old .key and the staged .key.new.
// The next run explains it: generate refuses before asking for a password, and the old key is
// not used to sign. Following the advice gives a matching pair.
BOOST_AUTO_TEST_CASE(interrupted_replacement_is_explained_on_the_next_run) {
  TempDir dir;
  const std::string prefix = dir.File("k");
  const std::string fresh = dir.File("fresh");
  BOOST_REQUIRE(Vouch({"key", "generate", "--output-key-prefix", prefix}, WithPassword("a")).exit_code == 0);
  BOOST_REQUIRE(Vouch({"key", "generate", "--output-key-prefix", fresh}, WithPassword("a")).exit_code == 0);
  std::filesystem::rename(fresh + ".pub", prefix + ".pub");
  std::filesystem::rename(fresh + ".key", prefix + ".key.new");

  RunResult gen = Vouch({"key", "generate", "--output-key-prefix", prefix, "--force"}, NoPassword());
  BOOST_TEST(gen.exit_code == 2, gen.err);
  BOOST_TEST(gen.err.find("interrupted key pair write") != std::string::npos, gen.err);
  BOOST_TEST(gen.err.find("mv " + prefix + ".key.new " + prefix + ".key") != std::string::npos,
             gen.err);
  RunResult pub = Vouch({"key", "public", "--key", prefix + ".key"}, WithPassword("a"));
  BOOST_TEST(pub.exit_code == 2, pub.err);
  BOOST_TEST(pub.err.find("do not match") != std::string::npos, pub.err);

  std::filesystem::rename(prefix + ".key.new", prefix + ".key");
  RunResult fixed = Vouch({"key", "public", "--key", prefix + ".key"}, WithPassword("a"));
  BOOST_REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.err);
  BOOST_TEST(fixed.out == ReadText(prefix + ".pub"));
  RunResult again =
      Vouch({"key", "generate", "--output-key-prefix", prefix, "--force"}, WithPassword("b"));
  BOOST_TEST(again.exit_code == 0, again.err);
}

BOOST_AUTO_TEST_CASE(no_tty_and_no_password_is_exit_2) {
  TempDir dir;
  RunOptions o = NoPassword();
  o.cwd = dir.path();
  RunResult r = Vouch({"key", "generate"}, o);
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("VOUCH_PASSWORD") != std::string::npos);
  BOOST_TEST(r.err.find("--password-file") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(dir.File("vouch.key")));
  BOOST_TEST(!std::filesystem::exists(dir.File("vouch.pub")));
  // Reading an encrypted key needs a password too.
  WriteText(dir.File("enc.key"), TestData("p256.pbkdf2.pem"));
  RunResult pub = Vouch({"key", "public", "--key", dir.File("enc.key")}, NoPassword());
  BOOST_TEST(pub.exit_code == 2);
  BOOST_TEST(pub.err.find("VOUCH_PASSWORD") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(password_asked_only_for_encrypted_keys) {
  TempDir dir;
  WriteText(dir.File("plain.key"), TestData("p256.pkcs8.pem"));
  RunResult r = Vouch({"key", "public", "--key", dir.File("plain.key")}, NoPassword());
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == TestData("p256.pub.pem"));
  WriteText(dir.File("enc.key"), TestData("p256.pbkdf2.pem"));
  RunResult e = Vouch({"key", "public", "--key", dir.File("enc.key")}, WithPassword("fixture"));
  BOOST_REQUIRE_MESSAGE(e.exit_code == 0, e.err);
  BOOST_TEST(e.out == TestData("p256.pub.pem"));
}

BOOST_AUTO_TEST_CASE(empty_password_only_when_explicit) {
  TempDir dir;
  const std::string prefix = dir.File("k");
  RunResult r = Vouch({"key", "generate", "--output-key-prefix", prefix}, WithPassword(""));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(Vouch({"key", "public", "--key", prefix + ".key"}, WithPassword("")).exit_code == 0);
  WriteText(dir.File("empty.txt"), "");
  BOOST_TEST(Vouch({"key", "public", "--key", prefix + ".key", "--password-file",
                    dir.File("empty.txt")},
                   NoPassword())
                 .exit_code == 0);
  BOOST_TEST(Vouch({"key", "public", "--key", prefix + ".key"}, WithPassword("x")).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(env_key_spec) {
  RunOptions o = NoPassword();
  o.env["VOUCH_TEST_KEY"] = TestData("p256.pkcs8.pem");
  RunResult r = Vouch({"key", "public", "--key", "env://VOUCH_TEST_KEY"}, o);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == TestData("p256.pub.pem"));
  o.env["VOUCH_TEST_PUB"] = TestData("ed25519.pub.pem");
  RunResult info = Vouch({"key", "info", "--key", "env://VOUCH_TEST_PUB", "--output", "json"}, o);
  BOOST_REQUIRE_MESSAGE(info.exit_code == 0, info.err);
  BOOST_TEST(JsonField(info.out, "algorithm") == "ed25519");
  RunResult unset = Vouch({"key", "public", "--key", "env://VOUCH_TEST_UNSET"}, NoPassword());
  BOOST_TEST(unset.exit_code == 2);
  BOOST_TEST(unset.err.find("VOUCH_TEST_UNSET") != std::string::npos);
  // The error names the spec, never the key content.
  RunOptions bad = NoPassword();
  bad.env["VOUCH_TEST_BAD"] = "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n";
  RunResult b = Vouch({"key", "public", "--key", "env://VOUCH_TEST_BAD"}, bad);
  BOOST_TEST(b.exit_code == 2);
  BOOST_TEST(b.err.find("env://VOUCH_TEST_BAD") != std::string::npos);
  BOOST_TEST(b.err.find("U0VDUkVU") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(exit_codes_for_bad_input) {
  TempDir dir;
  WriteText(dir.File("garbage.key"), "garbage");
  const std::pair<std::vector<std::string>, int> cases[] = {
      {{"key"}, 2},
      {{"key", "frobnicate"}, 2},
      {{"key", "generate", "--algorithm", "ecdsa-p521"}, 2},
      {{"key", "generate", "--algorithm", "dsa"}, 2},
      {{"key", "generate", "--no-such-flag"}, 2},
      {{"key", "public"}, 2},
      {{"key", "public", "--key", dir.File("missing.key")}, 3},
      {{"key", "public", "--key", dir.File("garbage.key")}, 2},
      {{"key", "info", "--key", dir.File("garbage.key")}, 2},
      {{"key", "info", "--key", dir.File("garbage.key"), "--output", "yaml"}, 2},
      {{"key", "import-cosign", dir.File("garbage.key")}, 2},
      {{"key", "import-cosign"}, 2},
      {{"key", "export-cosign", "--key", dir.File("garbage.key")}, 2},
      {{"key", "--help"}, 0},
  };
  RunOptions o = WithPassword("pw");
  o.cwd = dir.path();
  for (const auto& [args, code] : cases) {
    RunResult r = Vouch(args, o);
    BOOST_TEST(r.exit_code == code, args.back() << ": " << r.err);
  }
}

BOOST_AUTO_TEST_CASE(cosign_export_import_round_trip) {
  TempDir dir;
  const std::string k = dir.File("k");
  BOOST_REQUIRE(Vouch({"key", "generate", "--algorithm", "ecdsa-p384", "--output-key-prefix", k},
                      WithPassword("vouch-pw"))
                    .exit_code == 0);
  // COSIGN_PASSWORD wins for the cosign file; the vouch key still opens with VOUCH_PASSWORD.
  RunOptions exp = WithPassword("vouch-pw");
  exp.env["COSIGN_PASSWORD"] = "cosign-pw";
  exp.unset_env.clear();
  const std::string c = dir.File("c");
  RunResult e = Vouch({"key", "export-cosign", "--key", k + ".key", "--output-key-prefix", c}, exp);
  BOOST_REQUIRE_MESSAGE(e.exit_code == 0, e.err);
  BOOST_TEST(ReadText(c + ".key").rfind("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n", 0) == 0u);
  BOOST_TEST(Mode(c + ".key") == 0600u);
  BOOST_TEST(ReadText(c + ".pub") == ReadText(k + ".pub"));
  // Import with the wrong cosign password: exit 2, nothing written.
  RunOptions bad = WithPassword("new-pw");
  bad.env["COSIGN_PASSWORD"] = "nope";
  bad.unset_env.clear();
  const std::string i = dir.File("i");
  BOOST_TEST(Vouch({"key", "import-cosign", c + ".key", "--output-key-prefix", i}, bad).exit_code == 2);
  BOOST_TEST(!std::filesystem::exists(i + ".key"));
  RunOptions imp = WithPassword("new-pw");
  imp.env["COSIGN_PASSWORD"] = "cosign-pw";
  imp.unset_env.clear();
  RunResult r = Vouch({"key", "import-cosign", c + ".key", "--output-key-prefix", i}, imp);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(ReadText(i + ".key").rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0) == 0u);
  BOOST_TEST(ReadText(i + ".pub") == ReadText(k + ".pub"));
  // The imported key is protected by the vouch password, not the cosign one.
  BOOST_TEST(Vouch({"key", "public", "--key", i + ".key"}, WithPassword("new-pw")).exit_code == 0);
  BOOST_TEST(Vouch({"key", "public", "--key", i + ".key"}, WithPassword("cosign-pw")).exit_code == 2);
  // Refuses to overwrite without --force; without COSIGN_PASSWORD the vouch password is used.
  BOOST_TEST(Vouch({"key", "import-cosign", c + ".key", "--output-key-prefix", i}, imp).exit_code == 2);
  RunResult fallback =
      Vouch({"key", "export-cosign", "--key", i + ".key", "--output-key-prefix", dir.File("c2")},
            WithPassword("new-pw"));
  BOOST_REQUIRE_MESSAGE(fallback.exit_code == 0, fallback.err);
  BOOST_TEST(Vouch({"key", "public", "--key", dir.File("c2.key")}, WithPassword("new-pw")).exit_code == 0);
  // No password source at all: exit 2 with the usual hint.
  RunResult none = Vouch({"key", "import-cosign", c + ".key", "--output-key-prefix",
                          dir.File("n")}, NoPassword());
  BOOST_TEST(none.exit_code == 2);
  BOOST_TEST(none.err.find("VOUCH_PASSWORD") != std::string::npos);
}

// A cosign key file signs directly with COSIGN_PASSWORD (as with cosign); VOUCH_PASSWORD wins
// when both are set, and a vouch key file never reads COSIGN_PASSWORD.
BOOST_AUTO_TEST_CASE(cosign_password_opens_cosign_key_files_for_signing) {
  TempDir dir;
  const std::string k = dir.File("k");
  BOOST_REQUIRE(Vouch({"key", "generate", "--output-key-prefix", k}, WithPassword("vouch-pw"))
                    .exit_code == 0);
  RunOptions exp = WithPassword("vouch-pw");
  exp.env["COSIGN_PASSWORD"] = "cosign-pw";
  exp.unset_env.clear();
  const std::string c = dir.File("c");
  BOOST_REQUIRE(
      Vouch({"key", "export-cosign", "--key", k + ".key", "--output-key-prefix", c}, exp)
          .exit_code == 0);
  WriteText(dir.File("blob"), "payload");
  auto sign = [&](const std::string& key, const std::map<std::string, std::string>& env) {
    RunOptions o;
    o.env = env;
    for (const char* var : {"VOUCH_PASSWORD", "COSIGN_PASSWORD"}) {
      if (env.find(var) == env.end()) {
        o.unset_env.push_back(var);
      }
    }
    return Vouch({"sign-blob", dir.File("blob"), "--key", key, "--bundle", dir.File("b.json")},
                 o);
  };
  RunResult only_cosign = sign(c + ".key", {{"COSIGN_PASSWORD", "cosign-pw"}});
  BOOST_TEST(only_cosign.exit_code == 0, only_cosign.err);
  BOOST_TEST(Vouch({"verify-blob", dir.File("blob"), "--key", c + ".pub", "--bundle",
                    dir.File("b.json")})
                 .exit_code == 0);
  // VOUCH_PASSWORD wins: a wrong VOUCH_PASSWORD beside a right COSIGN_PASSWORD fails (exit 2).
  BOOST_TEST(sign(c + ".key", {{"VOUCH_PASSWORD", "wrong"}, {"COSIGN_PASSWORD", "cosign-pw"}})
                 .exit_code == 2);
  BOOST_TEST(sign(c + ".key", {{"VOUCH_PASSWORD", "cosign-pw"}, {"COSIGN_PASSWORD", "wrong"}})
                 .exit_code == 0);
  // A vouch key file is not opened with COSIGN_PASSWORD: no source, exit 2 naming the options.
  RunResult vouch_key = sign(k + ".key", {{"COSIGN_PASSWORD", "vouch-pw"}});
  BOOST_TEST(vouch_key.exit_code == 2);
  BOOST_TEST(vouch_key.err.find("VOUCH_PASSWORD") != std::string::npos);
}

// `vouch key generate` writes a file that the openssl CLI and Python's cryptography open with the
// password alone (default scrypt memory limits), holding the same key.
BOOST_DATA_TEST_CASE(generated_key_files_open_in_openssl_and_python,
                     bdata::make({"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-3072"}), alg) {
  TempDir dir;
  const std::string k = dir.File("k");
  BOOST_REQUIRE(Vouch({"key", "generate", "--algorithm", alg, "--output-key-prefix", k},
                      WithPassword("s3cret pw"))
                    .exit_code == 0);
  RunResult pub = Run({"openssl", "pkey", "-in", k + ".key", "-passin", "pass:s3cret pw",
                       "-pubout"});
  BOOST_REQUIRE_MESSAGE(pub.exit_code == 0, pub.err);
  BOOST_TEST(pub.out == ReadText(k + ".pub"));
  BOOST_TEST(Run({"openssl", "pkey", "-in", k + ".key", "-passin", "pass:wrong", "-noout"})
                 .exit_code != 0);
  RunResult py = Run({"python3", "-c",
                      "import sys\n"
                      "from cryptography.hazmat.primitives import serialization as s\n"
                      "k = s.load_pem_private_key(open(sys.argv[1], 'rb').read(), b's3cret pw')\n"
                      "sys.stdout.write(k.public_key().public_bytes(s.Encoding.PEM,\n"
                      "    s.PublicFormat.SubjectPublicKeyInfo).decode())\n",
                      k + ".key"});
  BOOST_REQUIRE_MESSAGE(py.exit_code == 0, py.err);
  BOOST_TEST(py.out == ReadText(k + ".pub"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
