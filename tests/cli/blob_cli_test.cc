// End-to-end tests of `vouch sign-blob` and `vouch verify-blob`: exit codes (0 verified, 1 not
// verified, 2 usage or key error, 3 file unreadable), messages, stdin, and a table of bad inputs
// that must each produce a clear error without crashing.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"

namespace vouch::testing {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kPassword = "correct horse";

RunOptions WithEnv(const std::string& name, const std::string& value) {
  RunOptions o;
  o.env[name] = value;
  return o;
}
RunOptions WithStdin(const std::string& data) {
  RunOptions o;
  o.stdin_data = data;
  return o;
}
const RunOptions kWithPassword = WithEnv("VOUCH_PASSWORD", kPassword);

// Keys is made once per process: key generation with scrypt is slow.
struct Keys {
  TempDir dir;
  std::string key, pub, other_key, other_pub, ed_key, ed_pub;
  Keys() {
    Make("k", key, pub, "ecdsa-p256");
    Make("other", other_key, other_pub, "ecdsa-p256");
    Make("ed", ed_key, ed_pub, "ed25519");
  }
  void Make(const std::string& name, std::string& k, std::string& p, const std::string& alg) {
    RunResult r =
        Vouch({"key", "generate", "--algorithm", alg, "--output-key-prefix", dir.File(name)},
              kWithPassword);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    k = dir.File(name + ".key");
    p = dir.File(name + ".pub");
  }
};
const Keys& K() {
  static Keys keys;
  return keys;
}

// Checks that |r| is a clean failure: the expected exit code, one "vouch: ..." message that
// mentions |mentions|, and no crash.
void ExpectFailure(const RunResult& r, int exit_code, const std::string& mentions) {
  BOOST_TEST(r.exit_code == exit_code, "stderr: " << r.err);
  BOOST_TEST(r.err.rfind("vouch: ", 0) == 0u, r.err);
  BOOST_TEST(r.err.find(mentions) != std::string::npos,
             "\"" << r.err << "\" should mention \"" << mentions << "\"");
  BOOST_TEST(r.out.find("Verified OK") == std::string::npos);
}

struct Signed {
  TempDir dir;
  std::string file, bundle, sig;
  explicit Signed(const std::string& content, const std::string& key = K().key) {
    file = dir.File("a.txt");
    bundle = dir.File("a.sigstore.json");
    sig = dir.File("a.sig");
    WriteText(file, content);
    RunResult r =
        Vouch({"sign-blob", file, "--key", key, "--bundle", bundle, "--output-signature", sig},
              kWithPassword);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

BOOST_AUTO_TEST_SUITE(blob_cli)

BOOST_AUTO_TEST_CASE(sign_and_verify_round_trip) {
  Signed s("hello\n");
  RunResult r = Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", s.bundle});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Verified OK\n");
  r = Vouch({"verify-blob", s.file, "--key", K().pub, "--signature", s.sig});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == "Verified OK\n");
  // A private key is accepted as the verification key (its public half is used).
  r = Vouch({"verify-blob", s.file, "--key", K().key, "--bundle", s.bundle}, kWithPassword);
  BOOST_TEST(r.exit_code == 0, r.err);
  // The bundle is a v0.3 key bundle.
  const std::string bundle = ReadText(s.bundle);
  BOOST_TEST(bundle.find(R"("mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json")") !=
             std::string::npos);
  BOOST_TEST(bundle.find(R"("publicKey":{"hint":")") != std::string::npos);
  BOOST_TEST(bundle.find(R"("algorithm":"SHA2_256")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sign_confirms_on_stderr) {
  TempDir dir;
  WriteText(dir.File("f"), "x");
  RunResult r = Vouch({"sign-blob", dir.File("f"), "--key", K().key, "--bundle", dir.File("b")},
                      kWithPassword);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.rfind("Signed ", 0) == 0u, r.err);
  BOOST_TEST(
      r.err.find("sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881") !=
      std::string::npos);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(rejections_say_which) {
  Signed s("original content\n");
  WriteText(s.dir.File("tampered"), "original content!\n");
  // A modified file contradicts the bundle's digest.
  ExpectFailure(
      Vouch({"verify-blob", s.dir.File("tampered"), "--key", K().pub, "--bundle", s.bundle}), 1,
      "modified");
  ExpectFailure(
      Vouch({"verify-blob", s.dir.File("tampered"), "--key", K().pub, "--signature", s.sig}), 1,
      "modified");
  // Another key: the bundle's hint names the signer.
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().other_pub, "--bundle", s.bundle}), 1,
                "different key");
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().other_pub, "--signature", s.sig}), 1,
                "different key");
  // A signature that is valid base64 but not a DER signature.
  WriteText(s.dir.File("junk.sig"), Base64Encode(AsBytes("not a DER signature")));
  ExpectFailure(
      Vouch({"verify-blob", s.file, "--key", K().pub, "--signature", s.dir.File("junk.sig")}), 1,
      "signature is malformed");
  // All rejections say "verification failed" first.
  RunResult r = Vouch({"verify-blob", s.file, "--key", K().other_pub, "--bundle", s.bundle});
  BOOST_TEST(r.err.rfind("vouch: verification failed: ", 0) == 0u, r.err);
}

BOOST_AUTO_TEST_CASE(stdin_and_empty_files) {
  TempDir dir;
  const std::string content = "streamed through a pipe\n";
  RunOptions in = kWithPassword;
  in.stdin_data = content;
  RunResult r = Vouch({"sign-blob", "-", "--key", K().key, "--bundle", dir.File("b.json")}, in);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.err.find("Signed stdin") == 0u, r.err);
  WriteText(dir.File("f"), content);
  r = Vouch({"verify-blob", dir.File("f"), "--key", K().pub, "--bundle", dir.File("b.json")});
  BOOST_TEST(r.exit_code == 0, r.err);
  r = Vouch({"verify-blob", "-", "--key", K().pub, "--bundle", dir.File("b.json")},
            WithStdin(content));
  BOOST_TEST(r.exit_code == 0, r.err);
  r = Vouch({"verify-blob", "-", "--key", K().pub, "--bundle", dir.File("b.json")},
            WithStdin(content + "x"));
  ExpectFailure(r, 1, "modified");

  // A 0-byte file signs and verifies; any byte added is detected.
  Signed empty("");
  r = Vouch({"verify-blob", empty.file, "--key", K().pub, "--bundle", empty.bundle});
  BOOST_TEST(r.exit_code == 0, r.err);
  r = Vouch({"verify-blob", "-", "--key", K().pub, "--signature", empty.sig}, WithStdin(""));
  BOOST_TEST(r.exit_code == 0, r.err);
  WriteText(empty.file, "\n");
  ExpectFailure(Vouch({"verify-blob", empty.file, "--key", K().pub, "--bundle", empty.bundle}), 1,
                "modified");
}

BOOST_AUTO_TEST_CASE(ed25519_keys) {
  Signed s("ed25519 content", K().ed_key);
  RunResult r = Vouch({"verify-blob", s.file, "--key", K().ed_pub, "--bundle", s.bundle});
  BOOST_TEST(r.exit_code == 0, r.err);
  r = Vouch({"verify-blob", s.file, "--key", K().ed_pub, "--signature", s.sig});
  BOOST_TEST(r.exit_code == 0, r.err);
  WriteText(s.file, "ed25519 content.");
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().ed_pub, "--bundle", s.bundle}), 1,
                "modified");
  // An ECDSA key cannot verify an Ed25519 bundle: the hint already says so.
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", s.bundle}), 1,
                "different key");
  // Ed25519 needs the whole message at once, so stdin (a pipe) is refused with a clear error.
  RunOptions in = kWithPassword;
  in.stdin_data = "abc";
  ExpectFailure(Vouch({"sign-blob", "-", "--key", K().ed_key, "--bundle", s.dir.File("x")}, in), 2,
                "regular file");
}

struct UsageCase {
  std::string name;
  std::vector<std::string> args;
  std::string mentions;
};
std::ostream& operator<<(std::ostream& os, const UsageCase& c) { return os << c.name; }

const UsageCase kUsage[] = {
    {"sign_no_file", {"sign-blob", "--key", "K", "--bundle", "B"}, "exactly one FILE"},
    {"sign_two_files", {"sign-blob", "F", "G", "--key", "K", "--bundle", "B"}, "exactly one FILE"},
    {"sign_no_key", {"sign-blob", "F", "--bundle", "B"}, "--key"},
    {"sign_no_output", {"sign-blob", "F", "--key", "K"}, "--bundle FILE and/or"},
    {"sign_unknown_flag", {"sign-blob", "F", "--key", "K", "--bundel", "B"}, "bundel"},
    {"verify_no_file", {"verify-blob", "--key", "K", "--bundle", "B"}, "exactly one FILE"},
    {"verify_no_key", {"verify-blob", "F", "--bundle", "B"}, "--key"},
    {"verify_neither", {"verify-blob", "F", "--key", "K"}, "exactly one of --bundle"},
    {"verify_both",
     {"verify-blob", "F", "--key", "K", "--bundle", "B", "--signature", "S"},
     "exactly one of --bundle"},
    {"verify_flag_without_value", {"verify-blob", "F", "--key", "K", "--bundle"}, "bundle"},
};

BOOST_DATA_TEST_CASE(usage_errors_exit_2, bdata::make(kUsage), c) {
  ExpectFailure(Vouch(c.args), 2, c.mentions);
}

BOOST_AUTO_TEST_CASE(unreadable_files_exit_3) {
  Signed s("x");
  const std::string missing = s.dir.File("missing");
  ExpectFailure(Vouch({"verify-blob", missing, "--key", K().pub, "--bundle", s.bundle}), 3,
                missing);
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", missing}), 3, missing);
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().pub, "--signature", missing}), 3,
                missing);
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", missing, "--bundle", s.bundle}), 3, missing);
  ExpectFailure(
      Vouch({"sign-blob", missing, "--key", K().key, "--bundle", s.dir.File("o")}, kWithPassword),
      3, missing);
  ExpectFailure(
      Vouch({"sign-blob", s.file, "--key", K().key, "--bundle", s.dir.File("no/such/dir/o")},
            kWithPassword),
      3, "no/such/dir/o");
  // A directory where a file is expected is a usage error.
  ExpectFailure(Vouch({"verify-blob", s.dir.path(), "--key", K().pub, "--bundle", s.bundle}), 2,
                "directory");
}

// A FIFO with no writer, or a device, where a file is expected is refused at once (exit 2), not
// waited on: the timeout turns a regression into a failure instead of a hung test.
BOOST_AUTO_TEST_CASE(fifo_and_device_inputs_exit_2_promptly) {
  Signed s("x");
  const std::string fifo = s.dir.File("pipe");
  BOOST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  RunOptions quick = kWithPassword;
  quick.timeout_seconds = 10;
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", fifo}, quick), 2,
                fifo + " is a FIFO, not a file");
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", fifo, "--bundle", s.bundle}, quick), 2,
                "is a FIFO, not a file");
  ExpectFailure(Vouch({"verify-blob", fifo, "--key", K().pub, "--bundle", s.bundle}, quick), 2,
                "is a FIFO, not a file");
  ExpectFailure(Vouch({"sign-blob", s.file, "--key", K().key, "--password-file", fifo, "--bundle",
                       s.dir.File("o")},
                      quick),
                2, "is a FIFO, not a file");
  ExpectFailure(Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", "/dev/zero"}, quick),
                2, "/dev/zero is a device, not a file");
}

// EACCES on the artifact, bundle, signature or key is exit 3. Root reads anything, so as root the
// binary runs as "nobody" through setpriv (util-linux).
BOOST_AUTO_TEST_CASE(permission_denied_exit_3) {
  Signed s("secret");
  std::filesystem::permissions(s.dir.path(), std::filesystem::perms(0755));
  std::filesystem::copy_file(K().pub, s.dir.File("k.pub"));
  std::filesystem::permissions(s.dir.File("k.pub"), std::filesystem::perms(0644));
  for (const std::string& f : {s.file, s.bundle, s.sig}) {
    std::filesystem::permissions(f, std::filesystem::perms(0644));
  }
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv;
    if (geteuid() == 0) {
      argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    }
    argv.push_back(VouchBin());
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  };
  RunResult ok = run({"verify-blob", s.file, "--key", s.dir.File("k.pub"), "--bundle", s.bundle});
  BOOST_REQUIRE_MESSAGE(ok.exit_code == 0, ok.err);
  for (const std::string& f : {s.file, s.bundle, s.sig, s.dir.File("k.pub")}) {
    std::filesystem::permissions(f, std::filesystem::perms::none);
    const bool use_sig = f == s.sig;
    ExpectFailure(run({"verify-blob", s.file, "--key", s.dir.File("k.pub"),
                       use_sig ? "--signature" : "--bundle", use_sig ? s.sig : s.bundle}),
                  3, "Permission denied");
    std::filesystem::permissions(f, std::filesystem::perms(0644));
  }
}

BOOST_AUTO_TEST_CASE(wrong_password_exit_2) {
  TempDir dir;
  WriteText(dir.File("f"), "x");
  RunResult r = Vouch({"sign-blob", dir.File("f"), "--key", K().key, "--bundle", dir.File("b")},
                      WithEnv("VOUCH_PASSWORD", "wrong"));
  ExpectFailure(r, 2, "password");
  BOOST_TEST(!PathExists(dir.File("b")));
}

// The bad input table: every kind of broken key, bundle and signature file gives a clear error
// and the right exit code. Keys are usage errors (2); bundles and signatures are rejections (1).
enum class Input { kPublicKey, kPrivateKey, kBundle, kSignature };
enum class Damage { kEmpty, kTruncated, kGarbage, kOversized };

struct BadInput {
  Input input;
  Damage damage;
};
std::ostream& operator<<(std::ostream& os, const BadInput& c) {
  const char* inputs[] = {"public_key", "private_key", "bundle", "signature"};
  const char* damages[] = {"empty", "truncated", "garbage", "oversized"};
  return os << inputs[static_cast<int>(c.input)] << "_" << damages[static_cast<int>(c.damage)];
}

std::vector<BadInput> AllBadInputs() {
  std::vector<BadInput> out;
  for (Input i : {Input::kPublicKey, Input::kPrivateKey, Input::kBundle, Input::kSignature}) {
    for (Damage d : {Damage::kEmpty, Damage::kTruncated, Damage::kGarbage, Damage::kOversized}) {
      out.push_back({i, d});
    }
  }
  return out;
}

std::string Damaged(const std::string& good, Damage d, size_t cap) {
  switch (d) {
    case Damage::kEmpty:
      return "";
    case Damage::kTruncated:
      return good.substr(0, good.size() / 2);
    case Damage::kGarbage: {
      std::string g;
      for (int i = 0; i < 300; ++i) {
        g += static_cast<char>((i * 73 + 11) % 256);
      }
      return g;
    }
    case Damage::kOversized:
      return good + std::string(cap + 1 - good.size(), '\n');
  }
  return good;
}

BOOST_DATA_TEST_CASE(bad_inputs, bdata::make(AllBadInputs()), c) {
  Signed s("payload\n");
  const std::string bad = s.dir.File("bad");
  RunResult r;
  int want = 0;
  std::string mentions;
  constexpr size_t kKeyCap = 64 * 1024;
  switch (c.input) {
    case Input::kPublicKey:
      WriteText(bad, Damaged(ReadText(K().pub), c.damage, kKeyCap));
      r = Vouch({"verify-blob", s.file, "--key", bad, "--bundle", s.bundle});
      want = 2;
      mentions = "key " + bad;
      break;
    case Input::kPrivateKey:
      WriteText(bad, Damaged(ReadText(K().key), c.damage, kKeyCap));
      r = Vouch({"sign-blob", s.file, "--key", bad, "--bundle", s.dir.File("out")}, kWithPassword);
      want = 2;
      mentions = "key " + bad;
      BOOST_TEST(!PathExists(s.dir.File("out")));
      break;
    case Input::kBundle:
      WriteText(bad, Damaged(ReadText(s.bundle), c.damage, 16 * 1024 * 1024));
      r = Vouch({"verify-blob", s.file, "--key", K().pub, "--bundle", bad});
      want = 1;
      mentions = c.damage == Damage::kOversized ? "bundle file " + bad + " is larger than 16 MiB"
                                                : "bundle is malformed";
      break;
    case Input::kSignature:
      WriteText(bad, Damaged(ReadText(s.sig), c.damage, 64 * 1024));
      r = Vouch({"verify-blob", s.file, "--key", K().pub, "--signature", bad});
      want = 1;
      mentions = c.damage == Damage::kOversized ? "is larger than 64 KiB" : "malformed";
      break;
  }
  ExpectFailure(r, want, mentions);
}

// sigstore-conformance managed-key bundles (messageSignature, P-256 key given out of band):
// vouch checks the key signature and the hint; their Rekor entries are a later verifier's job.
BOOST_AUTO_TEST_CASE(sigstore_conformance_managed_key_bundles) {
  const std::string dir = VectorsDir() + "/sigstore-conformance/assets/bundle-verify";
  const std::string artifact = dir + "/a.txt";
  for (const std::string c : {"managed-key-happy-path", "managed-key-and-trusted-root"}) {
    RunResult r = Vouch({"verify-blob", artifact, "--key", dir + "/" + c + "/key.pub", "--bundle",
                         dir + "/" + c + "/bundle.sigstore.json"});
    BOOST_TEST(r.exit_code == 0, c << ": " << r.err);
    BOOST_TEST(r.out == "Verified OK\n");
  }
  // Its key.pub is deliberately not a valid point: a key error.
  ExpectFailure(
      Vouch({"verify-blob", artifact, "--key", dir + "/managed-key-wrong-key_fail/key.pub",
             "--bundle", dir + "/managed-key-wrong-key_fail/bundle.sigstore.json"}),
      2, "key");
  // The right bundle with another key: the hint does not match.
  ExpectFailure(Vouch({"verify-blob", artifact, "--key", K().pub, "--bundle",
                       dir + "/managed-key-happy-path/bundle.sigstore.json"}),
                1, "different key");
  // A modified artifact contradicts the bundle digest.
  TempDir tmp;
  WriteText(tmp.File("a.txt"), ReadText(artifact) + "x");
  ExpectFailure(
      Vouch({"verify-blob", tmp.File("a.txt"), "--key", dir + "/managed-key-happy-path/key.pub",
             "--bundle", dir + "/managed-key-happy-path/bundle.sigstore.json"}),
      1, "modified");
  // Keyless and malformed bundles from the suite are rejected with exit 1.
  ExpectFailure(Vouch({"verify-blob", artifact, "--key", dir + "/managed-key-happy-path/key.pub",
                       "--bundle", dir + "/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"}),
                1, "use verify-blob-attestation");
  ExpectFailure(Vouch({"verify-blob", artifact, "--key", dir + "/managed-key-happy-path/key.pub",
                       "--bundle", dir + "/bundle-unknown-version_fail/bundle.sigstore.json"}),
                1, "unsupported bundle media type");
  ExpectFailure(Vouch({"verify-blob", artifact, "--key", dir + "/managed-key-happy-path/key.pub",
                       "--bundle", dir + "/happy-path-v0.3/bundle.sigstore.json"}),
                1, "signature does not verify");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
