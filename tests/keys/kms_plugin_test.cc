// KMS CLI plugin signer against tests/keys/plugins/sigstore-kms-vouchtest: reference parsing,
// signatures that vouch and `openssl` verify, and every fault the plugin can show.
#include "vouch/keys/kms_plugin.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>

#include "keys/printers.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;
using std::chrono::milliseconds;
using testing::ReadText;
using testing::Run;
using testing::RunResult;
using testing::TempDir;
using testing::WriteText;

std::string EnvOrFail(const char* name) {
  const char* v = std::getenv(name);
  BOOST_REQUIRE_MESSAGE(v != nullptr && *v != '\0', name << " is not set (run through CTest)");
  return v;
}
std::string TestData(const std::string& name) {
  return EnvOrFail("VOUCH_KEYS_TESTDATA") + "/" + name;
}

// PluginPath puts exactly the plugin directory in front of PATH, as a user installing a plugin
// would, and restores PATH and VOUCH_KMS_PLUGIN_TIMEOUT afterwards.
struct PluginPath {
  PluginPath() {
    const char* path = std::getenv("PATH");
    old_path = path != nullptr ? path : "";
    setenv("PATH", (EnvOrFail("VOUCH_KMS_PLUGIN_DIR") + ":" + old_path).c_str(), 1);
    unsetenv("VOUCH_KMS_PLUGIN_TIMEOUT");
  }
  ~PluginPath() {
    setenv("PATH", old_path.c_str(), 1);
    unsetenv("VOUCH_KMS_PLUGIN_TIMEOUT");
  }
  std::string old_path;
};

KmsPluginRef Ref(const std::string& spec) {
  std::optional<KmsPluginRef> ref = ParseKmsPluginRef(spec);
  BOOST_REQUIRE_MESSAGE(ref.has_value(), spec << " should be a plugin reference");
  return *ref;
}

KmsPluginRef KeyRef(const std::string& file) { return Ref("vouchtest://" + TestData(file)); }

// ---- ParseKmsPluginRef ----

struct ParseCase {
  std::string spec;
  bool plugin;
  std::string name;
  std::string key_id;
};
std::ostream& operator<<(std::ostream& os, const ParseCase& c) { return os << c.spec; }

const ParseCase kParseCases[] = {
    {"vouchtest:///keys/p256.pem", true, "vouchtest", "/keys/p256.pem"},
    {"my-hsm://my-key-id", true, "my-hsm", "my-key-id"},
    {"a.b_c-9://x", true, "a.b_c-9", "x"},
    {"Vault2://transit/keys/release", true, "Vault2", "transit/keys/release"},
    {"awskms://arn:aws:kms:eu-west-1:1:key/abc", true, "awskms", "arn:aws:kms:eu-west-1:1:key/abc"},
    {"x://a://b", true, "x", "a://b"},  // split at the first "://", as sigstore does
    {"x://", true, "x", ""},
    {"./a://b", false, "", ""},
    {"/tmp/a://b", false, "", ""},
    {"a/b://c", false, "", ""},
    {"../k://x", false, "", ""},
    {"://x", false, "", ""},
    {"-x://y", false, "", ""},
    {".x://y", false, "", ""},
    {"a b://c", false, "", ""},
    {"env://VOUCH_KEY", false, "", ""},
    {"pkcs11:token=ci;object=release", false, "", ""},
    {"release.key", false, "", ""},
    {"C:\\keys\\release.key", false, "", ""},
    {"x:/y", false, "", ""},
    {"", false, "", ""},
};

BOOST_AUTO_TEST_SUITE(kms_plugin)

BOOST_DATA_TEST_CASE(parse_reference, bdata::make(kParseCases), c) {
  std::optional<KmsPluginRef> ref = ParseKmsPluginRef(c.spec);
  BOOST_TEST(ref.has_value() == c.plugin);
  if (ref && c.plugin) {
    BOOST_TEST(ref->name == c.name);
    BOOST_TEST(ref->key_id == c.key_id);
    BOOST_TEST(ref->reference == c.spec);
    BOOST_TEST(ref->Executable() == "sigstore-kms-" + c.name);
  }
}

// ---- signing ----

struct KeyCase {
  const char* file;  // in testdata/
  KeyAlgorithm alg;
  const char* openssl_digest;  // nullptr: Ed25519, checked with pkeyutl -rawin
};
std::ostream& operator<<(std::ostream& os, const KeyCase& c) { return os << c.file; }

const KeyCase kKeys[] = {
    {"p256.pkcs8.pem", KeyAlgorithm::kEcdsaP256, "-sha256"},
    {"p384.pkcs8.pem", KeyAlgorithm::kEcdsaP384, "-sha384"},
    {"p521.pkcs8.pem", KeyAlgorithm::kEcdsaP521, "-sha512"},
    {"rsa2048.pkcs8.pem", KeyAlgorithm::kRsa2048, "-sha256"},
    {"ed25519.pkcs8.pem", KeyAlgorithm::kEd25519, nullptr},
};

void ExpectOpensslVerifies(const KeyCase& c, const std::string& pub, const std::string& blob,
                           ByteView sig, const TempDir& dir) {
  const std::string sig_path = dir.File("sig.bin");
  WriteText(sig_path, std::string(AsChars(sig)));
  RunResult r =
      c.openssl_digest != nullptr
          ? Run({"openssl", "dgst", c.openssl_digest, "-verify", pub, "-signature", sig_path, blob})
          : Run({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", blob,
                 "-sigfile", sig_path});
  BOOST_TEST(r.exit_code == 0, c.file << ": openssl: " << r.out << r.err);
}

BOOST_DATA_TEST_CASE(signs_like_the_in_process_signer, bdata::make(kKeys), c) {
  PluginPath path;
  TempDir dir;
  Result<std::unique_ptr<Signer>> local = LoadSignerPem(ReadText(TestData(c.file)), SecretString());
  BOOST_REQUIRE_MESSAGE(local.ok(), local.status().ToString());
  Result<std::unique_ptr<Signer>> signer = OpenKmsPluginSigner(KeyRef(c.file));
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  BOOST_TEST((*signer)->algorithm() == c.alg);
  BOOST_TEST((*signer)->PublicKey().KeyId() == (*local)->PublicKey().KeyId());

  Result<Verifier> pub_only = KmsPluginPublicKey(KeyRef(c.file));
  BOOST_REQUIRE_MESSAGE(pub_only.ok(), pub_only.status().ToString());
  BOOST_TEST(pub_only->KeyId() == (*local)->PublicKey().KeyId());

  const std::string blob = "vouch kms plugin test payload\n";
  const std::string blob_path = dir.File("blob");
  const std::string pub_path = dir.File("pub.pem");
  WriteText(blob_path, blob);
  WriteText(pub_path, (*signer)->PublicKey().ToPem());

  // Sign: the message goes to the plugin on stdin.
  Result<Bytes> sig = (*signer)->Sign(AsBytes(blob));
  BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  BOOST_TEST((*local)->PublicKey().Verify(*sig, AsBytes(blob)).ok());
  BOOST_TEST(IsVerificationFailed((*local)->PublicKey().Verify(*sig, AsBytes(blob + "x"))));
  ExpectOpensslVerifies(c, pub_path, blob_path, *sig, dir);

  std::optional<HashAlgorithm> hash = PrehashAlgorithm(c.alg, SignatureScheme::kDefault);
  if (!hash) {
    BOOST_TEST(IsInvalidArgument((*signer)->SignDigest(Digest::Of(AsBytes(blob))).status()));
    return;
  }
  // SignDigest: only the digest goes to the plugin.
  Result<Bytes> dsig = (*signer)->SignDigest(Digest::Of(AsBytes(blob), *hash));
  BOOST_REQUIRE_MESSAGE(dsig.ok(), dsig.status().ToString());
  BOOST_TEST((*local)->PublicKey().Verify(*dsig, AsBytes(blob)).ok());
  ExpectOpensslVerifies(c, pub_path, blob_path, *dsig, dir);
  // A digest of the wrong hash is refused before the plugin runs.
  HashAlgorithm other =
      *hash == HashAlgorithm::kSha256 ? HashAlgorithm::kSha512 : HashAlgorithm::kSha256;
  BOOST_TEST(IsInvalidArgument((*signer)->SignDigest(Digest::Of(AsBytes(blob), other)).status()));
}

BOOST_DATA_TEST_CASE(sign_source_of_a_large_file, bdata::make(kKeys), c) {
  PluginPath path;
  TempDir dir;
  std::string data(5u << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  }
  const std::string blob_path = dir.File("big.bin");
  WriteText(blob_path, data);
  Result<std::unique_ptr<Signer>> signer = OpenKmsPluginSigner(KeyRef(c.file));
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  Result<std::unique_ptr<ByteSource>> source = OpenFileSource(blob_path);
  BOOST_REQUIRE(source.ok());
  Result<Bytes> sig = (*signer)->SignSource(**source);
  BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  BOOST_TEST((*signer)->PublicKey().Verify(*sig, AsBytes(data)).ok());
  const std::string pub_path = dir.File("pub.pem");
  WriteText(pub_path, (*signer)->PublicKey().ToPem());
  ExpectOpensslVerifies(c, pub_path, blob_path, *sig, dir);
  if (c.alg == KeyAlgorithm::kRsa2048) {
    // PKCS#1 v1.5 is deterministic: the plugin's signature is the in-process signer's, byte for
    // byte.
    Result<std::unique_ptr<Signer>> local =
        LoadSignerPem(ReadText(TestData(c.file)), SecretString());
    BOOST_REQUIRE(local.ok());
    Result<std::unique_ptr<ByteSource>> again = OpenFileSource(blob_path);
    BOOST_REQUIRE(again.ok());
    Result<Bytes> local_sig = (*local)->SignSource(**again);
    BOOST_REQUIRE(local_sig.ok());
    BOOST_TEST((*local_sig == *sig));
  }
}

// ---- faults ----

BOOST_AUTO_TEST_CASE(missing_plugin_is_a_precondition) {
  PluginPath path;
  Result<std::unique_ptr<Signer>> s = OpenKmsPluginSigner(Ref("nosuchhsm-3f9a://key"));
  BOOST_TEST(s.status().code() == ErrorCode::kFailedPrecondition, s.status().ToString());
  BOOST_TEST(s.status().message().find("sigstore-kms-nosuchhsm-3f9a") != std::string::npos);
  BOOST_TEST(KmsPluginPublicKey(Ref("nosuchhsm-3f9a://key")).status().code() ==
             ErrorCode::kFailedPrecondition);
}

BOOST_AUTO_TEST_CASE(hanging_plugin_is_killed_at_the_deadline) {
  PluginPath path;
  KmsPluginOptions options;
  options.deadline = milliseconds(500);
  Result<std::unique_ptr<Signer>> s = OpenKmsPluginSigner(Ref("vouchtest://hang"), options);
  BOOST_TEST(s.status().code() == ErrorCode::kDeadlineExceeded, s.status().ToString());
  BOOST_TEST(s.status().message().find("sigstore-kms-vouchtest") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deadline_message_quotes_stderr) {
  // The plugin writes its stderr line right at start-up, before any import; the deadline leaves
  // it ample time even on a loaded machine (3 s was once not enough with five builds running).
  PluginPath path;
  KmsPluginOptions options;
  options.deadline = milliseconds(15000);
  Result<Verifier> v = KmsPluginPublicKey(Ref("vouchtest://hang"), options);
  BOOST_TEST(v.status().code() == ErrorCode::kDeadlineExceeded, v.status().ToString());
  BOOST_TEST(
      v.status().message().find("waiting for an HSM that never answers") != std::string::npos,
      v.status().message());
}

BOOST_AUTO_TEST_CASE(deadline_from_the_environment) {
  PluginPath path;
  setenv("VOUCH_KMS_PLUGIN_TIMEOUT", "500ms", 1);
  Result<Verifier> v = KmsPluginPublicKey(Ref("vouchtest://hang"));
  BOOST_TEST(v.status().code() == ErrorCode::kDeadlineExceeded, v.status().ToString());
  setenv("VOUCH_KMS_PLUGIN_TIMEOUT", "soon", 1);
  BOOST_TEST(IsInvalidArgument(KmsPluginPublicKey(Ref("vouchtest://hang")).status()));
  setenv("VOUCH_KMS_PLUGIN_TIMEOUT", "0", 1);
  BOOST_TEST(IsInvalidArgument(KmsPluginPublicKey(Ref("vouchtest://hang")).status()));
}

BOOST_AUTO_TEST_CASE(garbage_output_quotes_stderr) {
  PluginPath path;
  Result<std::unique_ptr<Signer>> s = OpenKmsPluginSigner(Ref("vouchtest://garbage"));
  BOOST_TEST(IsUnavailable(s.status()), s.status().ToString());
  BOOST_TEST(s.status().message().find("the HSM said something strange") != std::string::npos,
             s.status().message());
}

BOOST_AUTO_TEST_CASE(error_message_is_reported) {
  PluginPath path;
  Result<std::unique_ptr<Signer>> s = OpenKmsPluginSigner(Ref("vouchtest://error"));
  BOOST_TEST(IsUnavailable(s.status()), s.status().ToString());
  BOOST_TEST(s.status().message().find("key \"error\" is disabled in the vouchtest HSM") !=
                 std::string::npos,
             s.status().message());
  Result<Verifier> missing = KmsPluginPublicKey(Ref("vouchtest:///nonexistent/key.pem"));
  BOOST_TEST(IsUnavailable(missing.status()), missing.status().ToString());
  BOOST_TEST(missing.status().message().find("not found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_signatures_are_rejected) {
  PluginPath path;
  TempDir dir;
  const std::string blob = "payload";
  for (const char* spec : {"vouchtest://wrongsig", "vouchtest://badder"}) {
    Result<std::unique_ptr<Signer>> s = OpenKmsPluginSigner(Ref(spec));
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    Result<Bytes> sig = (*s)->Sign(AsBytes(blob));
    BOOST_TEST(IsUnavailable(sig.status()), spec << ": " << sig.status().ToString());
    BOOST_TEST(sig.status().message().find("does not verify") != std::string::npos);
    Result<Bytes> dsig = (*s)->SignDigest(Digest::Of(AsBytes(blob)));
    BOOST_TEST(IsUnavailable(dsig.status()), spec << ": " << dsig.status().ToString());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
