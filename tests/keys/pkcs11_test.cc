// PKCS#11 signers against a real SoftHSM2 token: generation, imported keys, the three digest
// entry points, PIN sources, and the error codes the CLI maps to exit statuses. Each test case
// gets a fresh token in its own TempDir (SOFTHSM2_CONF is set in-process before the module loads;
// the module is unloaded between cases because no Signer outlives its case).
#include "vouch/keys/pkcs11.h"

#include <unistd.h>

#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "printers.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;
using vouch::testing::ReadText;
using vouch::testing::Run;
using vouch::testing::RunResult;
using vouch::testing::TempDir;
using vouch::testing::WriteText;

constexpr const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "1234";
const Bytes kMessage = ToBytes("signed on a token, verified anywhere");

std::string Dump(const Status& s) { return s.ToString(); }

// SoftHsm initialises a token labelled "vouch-test" (user PIN 1234, SO PIN 5678) in a fresh
// directory. A missing SoftHSM2 is a failure, never a skip.
class SoftHsm {
 public:
  SoftHsm() {
    BOOST_REQUIRE_MESSAGE(access(kModule, R_OK) == 0,
                          std::string("SoftHSM2 is missing: ") + kModule +
                              " not found (install softhsm2; see scripts/deps)");
    conf_ = dir_.File("softhsm2.conf");
    RunResult mk = Run({"mkdir", "-p", dir_.File("tokens")});
    BOOST_REQUIRE_EQUAL(mk.exit_code, 0);
    WriteText(conf_, "directories.tokendir = " + dir_.File("tokens") +
                         "\nobjectstore.backend = file\nlog.level = ERROR\n");
    BOOST_REQUIRE_EQUAL(setenv("SOFTHSM2_CONF", conf_.c_str(), 1), 0);
    unsetenv("VOUCH_PKCS11_PIN");
    unsetenv("VOUCH_PKCS11_MODULE");
    RunResult init = SoftHsmUtil(
        {"--init-token", "--free", "--label", "vouch-test", "--pin", kPin, "--so-pin", "5678"});
    BOOST_REQUIRE_MESSAGE(
        init.exit_code == 0,
        "softhsm2-util --init-token failed (is softhsm2 installed?): " + init.err);
  }
  ~SoftHsm() {
    unsetenv("VOUCH_PKCS11_PIN");
    unsetenv("VOUCH_PKCS11_MODULE");
  }
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  RunResult SoftHsmUtil(std::vector<std::string> args) const {
    args.insert(args.begin(), "softhsm2-util");
    vouch::testing::RunOptions opt;
    opt.env["SOFTHSM2_CONF"] = conf_;
    return Run(args, opt);
  }

  // Uri builds "pkcs11:token=vouch-test;<path>?module-path=...&<query>".
  static std::string Uri(const std::string& path, const std::string& query = "pin-value=1234") {
    std::string uri = "pkcs11:token=vouch-test";
    if (!path.empty()) {
      uri += ";" + path;
    }
    uri += "?module-path=" + std::string(kModule);
    if (!query.empty()) {
      uri += "&" + query;
    }
    return uri;
  }

  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string conf_;
};

// OpensslVerify checks |sig| over kMessage with `openssl dgst` and the signer's public PEM.
void OpensslVerify(const TempDir& dir, const Signer& signer, const Bytes& sig) {
  std::string hash =
      PrehashAlgorithm(signer.algorithm(), SignatureScheme::kDefault) == HashAlgorithm::kSha384
          ? "-sha384"
          : "-sha256";
  WriteText(dir.File("pub.pem"), signer.PublicKey().ToPem());
  WriteText(dir.File("msg"), std::string(kMessage.begin(), kMessage.end()));
  WriteText(dir.File("sig"), std::string(sig.begin(), sig.end()));
  RunResult r = Run({"openssl", "dgst", hash, "-verify", dir.File("pub.pem"), "-signature",
                     dir.File("sig"), dir.File("msg")});
  BOOST_TEST(r.exit_code == 0, "openssl dgst -verify: " << r.out << r.err);
  BOOST_TEST(r.out.find("Verified OK") != std::string::npos);
}

// CheckSigner signs through all three entry points, verifies each with vouch and with openssl,
// and checks a changed message is rejected.
void CheckSigner(const TempDir& dir, const Signer& signer) {
  const Verifier& pub = signer.PublicKey();
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(sig.ok(), Dump(sig.status()));
  BOOST_TEST(pub.Verify(*sig, kMessage).ok());
  Result<Verifier> from_pem = Verifier::FromPem(pub.ToPem());
  BOOST_REQUIRE(from_pem.ok());
  BOOST_TEST(from_pem->Verify(*sig, kMessage).ok());
  Bytes other = kMessage;
  other[0] ^= 1;
  BOOST_TEST(IsVerificationFailed(pub.Verify(*sig, other)));
  OpensslVerify(dir, signer, *sig);

  HashAlgorithm hash = *PrehashAlgorithm(signer.algorithm(), SignatureScheme::kDefault);
  Result<Bytes> by_digest = signer.SignDigest(Digest::Of(kMessage, hash));
  BOOST_REQUIRE_MESSAGE(by_digest.ok(), Dump(by_digest.status()));
  BOOST_TEST(pub.Verify(*by_digest, kMessage).ok());
  std::unique_ptr<ByteSource> src = MemorySource(kMessage);
  Result<Bytes> by_source = signer.SignSource(*src);
  BOOST_REQUIRE_MESSAGE(by_source.ok(), Dump(by_source.status()));
  BOOST_TEST(pub.Verify(*by_source, kMessage).ok());
  // RSA PKCS#1 v1.5 is deterministic: the three entry points give the same bytes.
  if (signer.algorithm() == KeyAlgorithm::kRsa2048 ||
      signer.algorithm() == KeyAlgorithm::kRsa3072 ||
      signer.algorithm() == KeyAlgorithm::kRsa4096) {
    BOOST_TEST(*by_digest == *sig);
    BOOST_TEST(*by_source == *sig);
  }
  // A digest of the wrong hash is refused, not signed.
  HashAlgorithm wrong =
      hash == HashAlgorithm::kSha256 ? HashAlgorithm::kSha512 : HashAlgorithm::kSha256;
  BOOST_TEST(IsInvalidArgument(signer.SignDigest(Digest::Of(kMessage, wrong)).status()));
}

const KeyAlgorithm kOnToken[] = {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEcdsaP384,
                                 KeyAlgorithm::kRsa3072};

BOOST_AUTO_TEST_SUITE(pkcs11)

BOOST_DATA_TEST_CASE(generate_sign_verify, bdata::make(kOnToken), alg) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> gen =
      GeneratePkcs11Key(SoftHsm::Uri("object=gen;id=%01%02"), alg);
  BOOST_REQUIRE_MESSAGE(gen.ok(), Dump(gen.status()));
  const Signer& signer = **gen;
  BOOST_TEST(signer.algorithm() == alg);
  CheckSigner(hsm.dir(), signer);

  // Opened again by label, and its public key read without a PIN (from the public object).
  Result<std::unique_ptr<Signer>> again = OpenPkcs11Signer(SoftHsm::Uri("object=gen"));
  BOOST_REQUIRE_MESSAGE(again.ok(), Dump(again.status()));
  BOOST_TEST((*again)->PublicKey().KeyId() == signer.PublicKey().KeyId());
  Result<Bytes> sig = (*again)->Sign(kMessage);
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(signer.PublicKey().Verify(*sig, kMessage).ok());
  Result<Verifier> pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=gen;type=public", ""));
  BOOST_REQUIRE_MESSAGE(pub.ok(), Dump(pub.status()));
  BOOST_TEST(pub->KeyId() == signer.PublicKey().KeyId());
}

BOOST_AUTO_TEST_CASE(generate_without_id_picks_one_and_reopens) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> gen =
      GeneratePkcs11Key(SoftHsm::Uri("object=noid"), KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE_MESSAGE(gen.ok(), Dump(gen.status()));
  Result<Verifier> pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=noid", ""));
  BOOST_REQUIRE_MESSAGE(pub.ok(), Dump(pub.status()));
  BOOST_TEST(pub->KeyId() == (*gen)->PublicKey().KeyId());
}

BOOST_AUTO_TEST_CASE(generate_over_existing_label_or_id_is_already_exists) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> first =
      GeneratePkcs11Key(SoftHsm::Uri("object=taken;id=%aa"), KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE_MESSAGE(first.ok(), Dump(first.status()));
  Result<std::unique_ptr<Signer>> same_label =
      GeneratePkcs11Key(SoftHsm::Uri("object=taken"), KeyAlgorithm::kEcdsaP384);
  BOOST_TEST(same_label.status().code() == ErrorCode::kAlreadyExists, Dump(same_label.status()));
  Result<std::unique_ptr<Signer>> same_id =
      GeneratePkcs11Key(SoftHsm::Uri("object=other;id=%AA"), KeyAlgorithm::kEcdsaP256);
  BOOST_TEST(same_id.status().code() == ErrorCode::kAlreadyExists, Dump(same_id.status()));
  // Nothing was created by the refused calls.
  Result<std::unique_ptr<Signer>> still_one = OpenPkcs11Signer(SoftHsm::Uri("object=taken"));
  BOOST_REQUIRE_MESSAGE(still_one.ok(), Dump(still_one.status()));
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("object=other")).status()));
}

BOOST_AUTO_TEST_CASE(generate_refuses_unsupported_algorithms_and_missing_label) {
  SoftHsm hsm;
  BOOST_TEST(IsInvalidArgument(
      GeneratePkcs11Key(SoftHsm::Uri("object=p521"), KeyAlgorithm::kEcdsaP521).status()));
  BOOST_TEST(
      IsInvalidArgument(GeneratePkcs11Key(SoftHsm::Uri(""), KeyAlgorithm::kEcdsaP256).status()));
}

// ---- Ed25519: through the module's function list (CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA) ----

// UnmappableSource is a stream that cannot be mapped, as a pipe or stdin.
class UnmappableSource final : public ByteSource {
 public:
  explicit UnmappableSource(ByteView data) : data_(data) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(pos_), n, buf.begin());
    pos_ += n;
    return n;
  }
  std::string Name() const override { return "a pipe"; }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

// OpensslVerifyEd25519 checks |sig| over |message| with `openssl pkeyutl -verify -rawin`.
void OpensslVerifyEd25519(const TempDir& dir, const Verifier& pub, const Bytes& message,
                          const Bytes& sig, bool want_ok) {
  WriteText(dir.File("pub.pem"), pub.ToPem());
  WriteText(dir.File("msg"), std::string(message.begin(), message.end()));
  WriteText(dir.File("sig"), std::string(sig.begin(), sig.end()));
  RunResult r = Run({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", dir.File("pub.pem"),
                     "-rawin", "-in", dir.File("msg"), "-sigfile", dir.File("sig")});
  if (want_ok) {
    BOOST_TEST(r.exit_code == 0, "openssl pkeyutl -verify: " << r.out << r.err);
    BOOST_TEST(r.out.find("Signature Verified Successfully") != std::string::npos, r.out);
  } else {
    BOOST_TEST(r.exit_code != 0, "openssl pkeyutl -verify accepted: " << r.out);
  }
}

// CheckEd25519Signer signs through the three entry points and checks each signature with vouch
// and openssl; a changed message, a digest and an unmappable source are refused.
void CheckEd25519Signer(const TempDir& dir, const Signer& signer) {
  BOOST_TEST(signer.algorithm() == KeyAlgorithm::kEd25519);
  const Verifier& pub = signer.PublicKey();
  BOOST_TEST(pub.algorithm() == KeyAlgorithm::kEd25519);
  Result<Bytes> sig = signer.Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(sig.ok(), Dump(sig.status()));
  BOOST_TEST(sig->size() == 64u);
  BOOST_TEST(pub.Verify(*sig, kMessage).ok());
  Result<Verifier> from_pem = Verifier::FromPem(pub.ToPem());
  BOOST_REQUIRE(from_pem.ok());
  BOOST_TEST(from_pem->Verify(*sig, kMessage).ok());
  OpensslVerifyEd25519(dir, pub, kMessage, *sig, true);
  // A tampered message, and a tampered signature, fail.
  Bytes other = kMessage;
  other[0] ^= 1;
  BOOST_TEST(IsVerificationFailed(pub.Verify(*sig, other)));
  OpensslVerifyEd25519(dir, pub, other, *sig, false);
  Bytes bad_sig = *sig;
  bad_sig[10] ^= 0x80;
  BOOST_TEST(IsVerificationFailed(pub.Verify(bad_sig, kMessage)));

  // Ed25519 is deterministic: the same bytes from every entry point and every call.
  Result<Bytes> again = signer.Sign(kMessage);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(*again == *sig);
  WriteText(dir.File("file-msg"), std::string(kMessage.begin(), kMessage.end()));
  Result<std::unique_ptr<ByteSource>> file = OpenFileSource(dir.File("file-msg"));
  BOOST_REQUIRE_MESSAGE(file.ok(), Dump(file.status()));
  Result<Bytes> by_file = signer.SignSource(**file);
  BOOST_REQUIRE_MESSAGE(by_file.ok(), Dump(by_file.status()));
  BOOST_TEST(*by_file == *sig);
  std::unique_ptr<ByteSource> mem = MemorySource(kMessage);
  Result<Bytes> by_mem = signer.SignSource(*mem);
  BOOST_REQUIRE_MESSAGE(by_mem.ok(), Dump(by_mem.status()));
  BOOST_TEST(*by_mem == *sig);

  // The same refusals as the in-process Ed25519 signer.
  UnmappableSource pipe(kMessage);
  Result<Bytes> by_pipe = signer.SignSource(pipe);
  BOOST_TEST(IsInvalidArgument(by_pipe.status()), Dump(by_pipe.status()));
  BOOST_TEST(by_pipe.status().message().find("cannot be memory-mapped") != std::string::npos);
  Result<std::unique_ptr<Signer>> local = Generate(KeyAlgorithm::kEd25519);
  BOOST_REQUIRE(local.ok());
  UnmappableSource pipe2(kMessage);
  BOOST_TEST(by_pipe.status().message() == (*local)->SignSource(pipe2).status().message());
  for (HashAlgorithm h : {HashAlgorithm::kSha256, HashAlgorithm::kSha512}) {
    BOOST_TEST(IsInvalidArgument(signer.SignDigest(Digest::Of(kMessage, h)).status()));
  }

  // An empty message signs too (a token must not get a null pointer).
  Result<Bytes> empty = signer.Sign(ByteView());
  BOOST_REQUIRE_MESSAGE(empty.ok(), Dump(empty.status()));
  BOOST_TEST(pub.Verify(*empty, ByteView()).ok());
}

BOOST_AUTO_TEST_CASE(ed25519_generate_sign_verify_reopen) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> gen =
      GeneratePkcs11Key(SoftHsm::Uri("object=ed;id=%ed%01"), KeyAlgorithm::kEd25519);
  BOOST_REQUIRE_MESSAGE(gen.ok(), Dump(gen.status()));
  CheckEd25519Signer(hsm.dir(), **gen);
  std::string key_id = (*gen)->PublicKey().KeyId();
  Result<Bytes> sig = (*gen)->Sign(kMessage);
  BOOST_REQUIRE(sig.ok());

  // Opened again by label, by id, and by both with type=private: the same key signs the same bytes.
  for (const std::string& path : {std::string("object=ed"), std::string("id=%ED%01"),
                                  std::string("object=ed;id=%ed%01;type=private")}) {
    BOOST_TEST_CONTEXT(path) {
      Result<std::unique_ptr<Signer>> again = OpenPkcs11Signer(SoftHsm::Uri(path));
      BOOST_REQUIRE_MESSAGE(again.ok(), Dump(again.status()));
      BOOST_TEST((*again)->algorithm() == KeyAlgorithm::kEd25519);
      BOOST_TEST((*again)->PublicKey().KeyId() == key_id);
      Result<Bytes> sig2 = (*again)->Sign(kMessage);
      BOOST_REQUIRE_MESSAGE(sig2.ok(), Dump(sig2.status()));
      BOOST_TEST(*sig2 == *sig);
    }
  }
  // The public key: from the public object without a PIN, or through the private key.
  Result<Verifier> pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=ed;type=public", ""));
  BOOST_REQUIRE_MESSAGE(pub.ok(), Dump(pub.status()));
  BOOST_TEST(pub->KeyId() == key_id);
  Result<Verifier> via_priv = OpenPkcs11PublicKey(SoftHsm::Uri("object=ed;type=private"));
  BOOST_REQUIRE_MESSAGE(via_priv.ok(), Dump(via_priv.status()));
  BOOST_TEST(via_priv->KeyId() == key_id);
  // The label and the id are taken now.
  BOOST_TEST(
      GeneratePkcs11Key(SoftHsm::Uri("object=ed"), KeyAlgorithm::kEcdsaP256).status().code() ==
      ErrorCode::kAlreadyExists);
  BOOST_TEST(GeneratePkcs11Key(SoftHsm::Uri("object=other;id=%ed%01"), KeyAlgorithm::kEd25519)
                 .status()
                 .code() == ErrorCode::kAlreadyExists);
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("object=other")).status()));
}

// An Ed25519 and an EC key under one label: counted together. libp11 0.4.12 then cannot list the
// token's EC keys (its enumeration fails on the Ed25519 key), which is reported, not hidden.
BOOST_AUTO_TEST_CASE(ed25519_and_ec_keys_share_the_module_and_the_key_count) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> ec =
      GeneratePkcs11Key(SoftHsm::Uri("object=dup;id=%01"), KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE_MESSAGE(ec.ok(), Dump(ec.status()));
  // GeneratePkcs11Key refuses a second key with the label, so the Ed25519 twin is imported.
  std::string key = hsm.dir().File("ed.pem");
  RunResult g = Run({"openssl", "genpkey", "-algorithm", "ed25519", "-out", key});
  BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  RunResult imported = hsm.SoftHsmUtil(
      {"--import", key, "--token", "vouch-test", "--label", "dup", "--id", "02", "--pin", kPin});
  BOOST_REQUIRE_MESSAGE(imported.exit_code == 0, imported.out + imported.err);

  Result<std::unique_ptr<Signer>> both = OpenPkcs11Signer(SoftHsm::Uri("object=dup"));
  BOOST_TEST(IsInvalidArgument(both.status()), Dump(both.status()));
  BOOST_TEST(both.status().message().find("2 private keys match") != std::string::npos,
             both.status().message());
  Result<Verifier> both_pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=dup", ""));
  BOOST_TEST(IsInvalidArgument(both_pub.status()), Dump(both_pub.status()));
  BOOST_TEST(both_pub.status().message().find("2 keys match") != std::string::npos,
             both_pub.status().message());

  // The id picks one of them.
  Result<std::unique_ptr<Signer>> ed = OpenPkcs11Signer(SoftHsm::Uri("object=dup;id=%02"));
  BOOST_REQUIRE_MESSAGE(ed.ok(), Dump(ed.status()));
  BOOST_TEST((*ed)->algorithm() == KeyAlgorithm::kEd25519);
  Result<std::unique_ptr<Signer>> ec2 = OpenPkcs11Signer(SoftHsm::Uri("object=dup;id=%01"));
  BOOST_TEST(ec2.status().code() == ErrorCode::kFailedPrecondition, Dump(ec2.status()));
  BOOST_TEST(ec2.status().message().find("libp11 0.4.12 cannot list") != std::string::npos);
  Result<Verifier> ec_pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=dup;id=%01", ""));
  BOOST_TEST(ec_pub.status().code() == ErrorCode::kFailedPrecondition, Dump(ec_pub.status()));
  // The Ed25519 public key is still read without a PIN.
  Result<Verifier> ed_pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=dup;id=%02", ""));
  BOOST_REQUIRE_MESSAGE(ed_pub.ok(), Dump(ed_pub.status()));
  BOOST_TEST(ed_pub->KeyId() == (*ed)->PublicKey().KeyId());
  // The EC signer opened before the Ed25519 key arrived keeps signing.
  Result<Bytes> ec_sig = (*ec)->Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(ec_sig.ok(), Dump(ec_sig.status()));
  BOOST_TEST((*ec)->PublicKey().Verify(*ec_sig, kMessage).ok());
  // Dropping the libp11 signer leaves the Ed25519 one working.
  ec->reset();
  Result<Bytes> sig = (*ed)->Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(sig.ok(), Dump(sig.status()));
  BOOST_TEST((*ed)->PublicKey().Verify(*sig, kMessage).ok());
  // The imported key's id is taken; an EC key is refused before anything is made on this token,
  // and an Ed25519 key with a fresh label and id is made.
  BOOST_TEST(GeneratePkcs11Key(SoftHsm::Uri("object=new;id=%02"), KeyAlgorithm::kEd25519)
                 .status()
                 .code() == ErrorCode::kAlreadyExists);
  BOOST_TEST(GeneratePkcs11Key(SoftHsm::Uri("object=new;id=%03"), KeyAlgorithm::kEcdsaP256)
                 .status()
                 .code() == ErrorCode::kFailedPrecondition);
  Result<std::unique_ptr<Signer>> ed2 =
      GeneratePkcs11Key(SoftHsm::Uri("object=new;id=%03"), KeyAlgorithm::kEd25519);
  BOOST_REQUIRE_MESSAGE(ed2.ok(), Dump(ed2.status()));
  CheckEd25519Signer(hsm.dir(), **ed2);
}

BOOST_AUTO_TEST_CASE(ed25519_imported_key_signs_by_label_and_by_id) {
  SoftHsm hsm;
  std::string key = hsm.dir().File("ed.pem");
  RunResult g = Run({"openssl", "genpkey", "-algorithm", "ed25519", "-out", key});
  BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  RunResult pub = Run({"openssl", "pkey", "-in", key, "-pubout"});
  BOOST_REQUIRE_EQUAL(pub.exit_code, 0);
  Result<Verifier> expected = Verifier::FromPem(pub.out);
  BOOST_REQUIRE(expected.ok());
  // softhsm2-util 2.6.1 imports Ed25519 PKCS#8 (it is not skipped: a refusal fails the test).
  RunResult imported = hsm.SoftHsmUtil(
      {"--import", key, "--token", "vouch-test", "--label", "imp", "--id", "0a0b", "--pin", kPin});
  BOOST_REQUIRE_MESSAGE(imported.exit_code == 0, imported.out + imported.err);

  Result<std::unique_ptr<Signer>> in_process = LoadSignerPem(ReadText(key), SecretString());
  BOOST_REQUIRE_MESSAGE(in_process.ok(), Dump(in_process.status()));
  Result<Bytes> want = (*in_process)->Sign(kMessage);
  BOOST_REQUIRE(want.ok());
  for (const std::string& path : {std::string("object=imp"), std::string("id=%0a%0b")}) {
    BOOST_TEST_CONTEXT(path) {
      Result<std::unique_ptr<Signer>> signer = OpenPkcs11Signer(SoftHsm::Uri(path));
      BOOST_REQUIRE_MESSAGE(signer.ok(), Dump(signer.status()));
      BOOST_TEST((*signer)->PublicKey().KeyId() == expected->KeyId());
      CheckEd25519Signer(hsm.dir(), **signer);
      // The token and the key file make the very same signature.
      Result<Bytes> sig = (*signer)->Sign(kMessage);
      BOOST_REQUIRE(sig.ok());
      BOOST_TEST(*sig == *want);
    }
  }
  Result<Verifier> v = OpenPkcs11PublicKey(SoftHsm::Uri("object=imp", ""));
  BOOST_REQUIRE_MESSAGE(v.ok(), Dump(v.status()));
  BOOST_TEST(v->KeyId() == expected->KeyId());
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("id=%0a")).status()));
}

struct Imported {
  const char* name;
  std::vector<std::string> genpkey;
  KeyAlgorithm alg;
};
std::ostream& operator<<(std::ostream& os, const Imported& i) { return os << i.name; }

const Imported kImported[] = {
    {"p256", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, KeyAlgorithm::kEcdsaP256},
    {"rsa2048", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, KeyAlgorithm::kRsa2048},
};

BOOST_DATA_TEST_CASE(imported_key_signs_by_label_and_by_id, bdata::make(kImported), imp) {
  SoftHsm hsm;
  std::string key = hsm.dir().File("key.pem");
  std::vector<std::string> gen = {"openssl", "genpkey"};
  gen.insert(gen.end(), imp.genpkey.begin(), imp.genpkey.end());
  gen.insert(gen.end(), {"-out", key});
  RunResult g = Run(gen);
  BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  RunResult pub = Run({"openssl", "pkey", "-in", key, "-pubout"});
  BOOST_REQUIRE_EQUAL(pub.exit_code, 0);
  Result<Verifier> expected = Verifier::FromPem(pub.out);
  BOOST_REQUIRE(expected.ok());
  RunResult imported = hsm.SoftHsmUtil(
      {"--import", key, "--token", "vouch-test", "--label", "imp", "--id", "0a0b", "--pin", kPin});
  BOOST_REQUIRE_MESSAGE(imported.exit_code == 0, imported.out + imported.err);

  for (const std::string& path : {std::string("object=imp"), std::string("id=%0a%0b"),
                                  std::string("object=imp;id=%0A%0B;type=private")}) {
    BOOST_TEST_CONTEXT(path) {
      Result<std::unique_ptr<Signer>> signer = OpenPkcs11Signer(SoftHsm::Uri(path));
      BOOST_REQUIRE_MESSAGE(signer.ok(), Dump(signer.status()));
      BOOST_TEST((*signer)->algorithm() == imp.alg);
      BOOST_TEST((*signer)->PublicKey().KeyId() == expected->KeyId());
      CheckSigner(hsm.dir(), **signer);
    }
  }
  // An id that is not there, and an id prefix, match nothing.
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("id=%0a")).status()));
}

BOOST_AUTO_TEST_CASE(wrong_pin_is_invalid_argument_and_never_echoed) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> s = OpenPkcs11Signer(SoftHsm::Uri("object=x", "pin-value=97531"));
  BOOST_TEST(IsInvalidArgument(s.status()), Dump(s.status()));
  BOOST_TEST(s.status().message().find("wrong PIN") != std::string::npos);
  BOOST_TEST(s.status().message().find("97531") == std::string::npos, s.status().message());
  // The same through a pin-source file and the environment.
  WriteText(hsm.dir().File("pin"), "86420\n");
  Result<std::unique_ptr<Signer>> f =
      OpenPkcs11Signer(SoftHsm::Uri("object=x", "pin-source=" + hsm.dir().File("pin")));
  BOOST_TEST(IsInvalidArgument(f.status()), Dump(f.status()));
  BOOST_TEST(f.status().message().find("86420") == std::string::npos);
  setenv("VOUCH_PKCS11_PIN", "75319", 1);
  Result<std::unique_ptr<Signer>> e = OpenPkcs11Signer(SoftHsm::Uri("object=x", ""));
  BOOST_TEST(IsInvalidArgument(e.status()), Dump(e.status()));
  BOOST_TEST(e.status().message().find("75319") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_object_is_invalid_argument) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> s = OpenPkcs11Signer(SoftHsm::Uri("object=absent"));
  BOOST_TEST(IsInvalidArgument(s.status()), Dump(s.status()));
  BOOST_TEST(s.status().message().find("pin-value") == std::string::npos, s.status().message());
  Result<Verifier> v = OpenPkcs11PublicKey(SoftHsm::Uri("object=absent"));
  BOOST_TEST(IsInvalidArgument(v.status()), Dump(v.status()));
  // No such token.
  Result<std::unique_ptr<Signer>> t = OpenPkcs11Signer(
      "pkcs11:token=nope;object=x?module-path=" + std::string(kModule) + "&pin-value=1234");
  BOOST_TEST(IsInvalidArgument(t.status()), Dump(t.status()));
  BOOST_TEST(t.status().message().find("1234") == std::string::npos, t.status().message());
}

BOOST_AUTO_TEST_CASE(bad_module_is_invalid_argument) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> s =
      OpenPkcs11Signer("pkcs11:object=x?module-path=/nonexistent/libnope.so&pin-value=1234");
  BOOST_TEST(IsInvalidArgument(s.status()), Dump(s.status()));
  BOOST_TEST(s.status().message().find("cannot load PKCS#11 module /nonexistent/libnope.so") !=
             std::string::npos);
  // Not a PKCS#11 module at all (a shared object without C_GetFunctionList).
  Result<std::unique_ptr<Signer>> t =
      OpenPkcs11Signer("pkcs11:object=x?module-path=/lib/x86_64-linux-gnu/libz.so.1");
  BOOST_TEST(IsInvalidArgument(t.status()), Dump(t.status()));
  // No module anywhere: the message names both sources.
  Result<std::unique_ptr<Signer>> none = OpenPkcs11Signer("pkcs11:object=x?pin-value=1234");
  BOOST_TEST(IsInvalidArgument(none.status()), Dump(none.status()));
  BOOST_TEST(none.status().message().find("module-path") != std::string::npos);
  BOOST_TEST(none.status().message().find("VOUCH_PKCS11_MODULE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_pin_anywhere_is_invalid_argument) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> s = OpenPkcs11Signer(SoftHsm::Uri("object=x", ""));
  BOOST_TEST(IsInvalidArgument(s.status()), Dump(s.status()));
  for (const char* source : {"pin-value", "pin-source", "VOUCH_PKCS11_PIN"}) {
    BOOST_TEST(s.status().message().find(source) != std::string::npos, source);
  }
}

BOOST_AUTO_TEST_CASE(pin_source_and_environment_work) {
  SoftHsm hsm;
  {
    Result<std::unique_ptr<Signer>> gen =
        GeneratePkcs11Key(SoftHsm::Uri("object=k"), KeyAlgorithm::kEcdsaP256);
    BOOST_REQUIRE_MESSAGE(gen.ok(), Dump(gen.status()));
  }
  WriteText(hsm.dir().File("pin"), "1234\n");
  for (const std::string& query :
       {"pin-source=" + hsm.dir().File("pin"), "pin-source=file:" + hsm.dir().File("pin"),
        "pin-source=file://" + hsm.dir().File("pin")}) {
    BOOST_TEST_CONTEXT(query) {
      Result<std::unique_ptr<Signer>> s = OpenPkcs11Signer(SoftHsm::Uri("object=k", query));
      BOOST_REQUIRE_MESSAGE(s.ok(), Dump(s.status()));
      BOOST_TEST((*s)->Sign(kMessage).ok());
    }
  }
  // A missing pin-source file keeps core/file.h's code.
  Result<std::unique_ptr<Signer>> missing =
      OpenPkcs11Signer(SoftHsm::Uri("object=k", "pin-source=" + hsm.dir().File("absent")));
  BOOST_TEST(IsNotFound(missing.status()), Dump(missing.status()));
  // Commands are refused.
  BOOST_TEST(
      IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("object=k", "pin-source=|cat")).status()));

  // PIN and module from the environment.
  setenv("VOUCH_PKCS11_PIN", kPin, 1);
  setenv("VOUCH_PKCS11_MODULE", kModule, 1);
  Result<std::unique_ptr<Signer>> env = OpenPkcs11Signer("pkcs11:token=vouch-test;object=k");
  BOOST_REQUIRE_MESSAGE(env.ok(), Dump(env.status()));
  CheckSigner(hsm.dir(), **env);
  // pin-value in the URI wins over the environment.
  setenv("VOUCH_PKCS11_PIN", "0000", 1);
  env->reset();
  Result<std::unique_ptr<Signer>> uri_wins =
      OpenPkcs11Signer("pkcs11:token=vouch-test;object=k?pin-value=1234");
  BOOST_TEST(uri_wins.ok(), Dump(uri_wins.status()));
}

BOOST_AUTO_TEST_CASE(signers_share_the_module) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> a =
      GeneratePkcs11Key(SoftHsm::Uri("object=a"), KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE_MESSAGE(a.ok(), Dump(a.status()));
  Result<std::unique_ptr<Signer>> b =
      GeneratePkcs11Key(SoftHsm::Uri("object=b"), KeyAlgorithm::kEcdsaP384);
  BOOST_REQUIRE_MESSAGE(b.ok(), Dump(b.status()));
  Result<std::unique_ptr<Signer>> a2 = OpenPkcs11Signer(SoftHsm::Uri("object=a"));
  BOOST_REQUIRE_MESSAGE(a2.ok(), Dump(a2.status()));
  // Dropping one Signer must not finalize the module under the others.
  a->reset();
  Result<Bytes> sig_b = (*b)->Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(sig_b.ok(), Dump(sig_b.status()));
  BOOST_TEST((*b)->PublicKey().Verify(*sig_b, kMessage).ok());
  Result<Bytes> sig_a = (*a2)->Sign(kMessage);
  BOOST_REQUIRE_MESSAGE(sig_a.ok(), Dump(sig_a.status()));
  BOOST_TEST((*a2)->PublicKey().Verify(*sig_a, kMessage).ok());
  // Without a label, two keys match: ambiguous is a usage error.
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("")).status()));
}

BOOST_AUTO_TEST_CASE(public_key_needs_no_pin_and_type_is_checked) {
  SoftHsm hsm;
  Result<std::unique_ptr<Signer>> gen =
      GeneratePkcs11Key(SoftHsm::Uri("object=pk"), KeyAlgorithm::kRsa3072);
  BOOST_REQUIRE_MESSAGE(gen.ok(), Dump(gen.status()));
  std::string key_id = (*gen)->PublicKey().KeyId();
  gen->reset();  // no login left in the process
  Result<Verifier> pub = OpenPkcs11PublicKey(SoftHsm::Uri("object=pk", ""));
  BOOST_REQUIRE_MESSAGE(pub.ok(), Dump(pub.status()));
  BOOST_TEST(pub->KeyId() == key_id);
  // type=private goes through the private key, which needs the PIN.
  BOOST_TEST(
      IsInvalidArgument(OpenPkcs11PublicKey(SoftHsm::Uri("object=pk;type=private", "")).status()));
  Result<Verifier> via_priv = OpenPkcs11PublicKey(SoftHsm::Uri("object=pk;type=private"));
  BOOST_REQUIRE_MESSAGE(via_priv.ok(), Dump(via_priv.status()));
  BOOST_TEST(via_priv->KeyId() == key_id);
  // A signer cannot be a public key or a certificate.
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("object=pk;type=public")).status()));
  BOOST_TEST(IsInvalidArgument(OpenPkcs11Signer(SoftHsm::Uri("object=pk;type=cert")).status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
