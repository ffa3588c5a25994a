// PKCS#11 signers against a real SoftHSM2 token: generation, imported keys, the three digest
// entry points, PIN sources, and the error codes the CLI maps to exit statuses. Each test case
// gets a fresh token in its own TempDir (SOFTHSM2_CONF is set in-process before the module loads;
// the module is unloaded between cases because no Signer outlives its case).
#include "vouch/keys/pkcs11.h"

#include <unistd.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <memory>
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
  Result<std::unique_ptr<Signer>> ed =
      GeneratePkcs11Key(SoftHsm::Uri("object=ed"), KeyAlgorithm::kEd25519);
  BOOST_TEST(IsInvalidArgument(ed.status()));
  BOOST_TEST(ed.status().message().find("libp11 0.4.12 has no EdDSA") != std::string::npos);
  BOOST_TEST(IsInvalidArgument(
      GeneratePkcs11Key(SoftHsm::Uri("object=p521"), KeyAlgorithm::kEcdsaP521).status()));
  BOOST_TEST(
      IsInvalidArgument(GeneratePkcs11Key(SoftHsm::Uri(""), KeyAlgorithm::kEcdsaP256).status()));
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
