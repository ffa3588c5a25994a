// Interop with peer tools: cosign-format keys made and read by ../shared/peers/cosign_key.py, and
// vouch signatures checked by `openssl dgst` / `openssl pkeyutl`.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "testutil/testutil.h"
#include "vouch/keys/keys.h"

namespace vouch::testing {
namespace {

namespace bdata = boost::unit_test::data;
using keys::KeyAlgorithm;
using keys::LoadSignerPem;
using keys::Verifier;

constexpr const char* kPython = "/usr/bin/python3";

std::string CosignKeyPy() { return PeersDir() + "/cosign_key.py"; }

RunOptions Env(std::map<std::string, std::string> env) {
  RunOptions o;
  o.env = std::move(env);
  if (o.env.find("COSIGN_PASSWORD") == o.env.end()) {
    o.unset_env.push_back("COSIGN_PASSWORD");
  }
  return o;
}

void WriteBytes(const std::string& path, ByteView data) { WriteText(path, std::string(AsChars(data))); }

struct PemType {
  const char* flag;
  const char* header;
};
std::ostream& operator<<(std::ostream& os, const PemType& t) { return os << t.flag; }

BOOST_AUTO_TEST_SUITE(interop)

// cosign_key.py generate -> vouch import-cosign -> vouch signs -> the peer's .pub verifies it in
// vouch and in `openssl dgst -sha256 -verify`.
BOOST_DATA_TEST_CASE(peer_cosign_key_imports_and_signs,
                     bdata::make({PemType{"cosign", "ENCRYPTED COSIGN PRIVATE KEY"},
                                  PemType{"sigstore", "ENCRYPTED SIGSTORE PRIVATE KEY"}}),
                     type) {
  TempDir dir;
  const std::string peer = dir.File("peer");
  RunResult gen = Run({kPython, CosignKeyPy(), "generate", peer, "--passphrase", "peer-pass",
                       "--pem-type", type.flag});
  BOOST_REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
  BOOST_REQUIRE(ReadText(peer + ".key").find(type.header) != std::string::npos);

  // The library reads the peer's file directly too.
  Result<std::unique_ptr<keys::Signer>> direct =
      LoadSignerPem(ReadText(peer + ".key"), SecretString(std::string("peer-pass")));
  BOOST_REQUIRE_MESSAGE(direct.ok(), direct.status().ToString());

  const std::string mine = dir.File("mine");
  RunResult imp = Vouch({"key", "import-cosign", peer + ".key", "--output-key-prefix", mine},
                        Env({{"COSIGN_PASSWORD", "peer-pass"}, {"VOUCH_PASSWORD", "vouch-pass"}}));
  BOOST_REQUIRE_MESSAGE(imp.exit_code == 0, imp.err);
  BOOST_TEST(ReadText(mine + ".pub") == ReadText(peer + ".pub"));

  Result<std::unique_ptr<keys::Signer>> signer =
      LoadSignerPem(ReadText(mine + ".key"), SecretString(std::string("vouch-pass")));
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  BOOST_TEST((*signer)->PublicKey().KeyId() == (*direct)->PublicKey().KeyId());
  const std::string msg = "payload signed with an imported cosign key\n";
  Result<Bytes> sig = (*signer)->Sign(AsBytes(msg));
  BOOST_REQUIRE(sig.ok());

  Result<Verifier> peer_pub = Verifier::FromPem(ReadText(peer + ".pub"));
  BOOST_REQUIRE(peer_pub.ok());
  BOOST_TEST(peer_pub->Verify(*sig, AsBytes(msg)).ok());
  BOOST_TEST(IsVerificationFailed(peer_pub->Verify(*sig, AsBytes(msg + "x"))));

  WriteText(dir.File("msg"), msg);
  WriteBytes(dir.File("sig"), *sig);
  RunResult ossl = Run({"openssl", "dgst", "-sha256", "-verify", peer + ".pub", "-signature",
                        dir.File("sig"), dir.File("msg")});
  BOOST_TEST(ossl.exit_code == 0, ossl.out << ossl.err);
  BOOST_TEST(ossl.out.find("Verified OK") != std::string::npos);
}

// vouch export-cosign -> cosign_key.py decrypt. The peer accepts only the legacy parameters
// (N=32768), so the file is written with --scrypt-n 32768; the default N=65536 file is opened by
// an independent decryption (Python hashlib.scrypt + PyNaCl) that honours the file's parameters.
BOOST_AUTO_TEST_CASE(vouch_export_decrypts_in_peer) {
  TempDir dir;
  const std::string k = dir.File("k");
  BOOST_REQUIRE(Vouch({"key", "generate", "--output-key-prefix", k}, Env({{"VOUCH_PASSWORD", "pw"}}))
                    .exit_code == 0);
  const std::string legacy = dir.File("legacy");
  RunResult e = Vouch({"key", "export-cosign", "--key", k + ".key", "--output-key-prefix", legacy,
                       "--scrypt-n", "32768"},
                      Env({{"VOUCH_PASSWORD", "pw"}, {"COSIGN_PASSWORD", "cosign-pw"}}));
  BOOST_REQUIRE_MESSAGE(e.exit_code == 0, e.err);
  RunResult dec =
      Run({kPython, CosignKeyPy(), "decrypt", legacy + ".key", "--passphrase", "cosign-pw"});
  BOOST_REQUIRE_MESSAGE(dec.exit_code == 0, dec.err);
  Result<std::unique_ptr<keys::Signer>> back = LoadSignerPem(dec.out, SecretString());
  BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  BOOST_TEST((*back)->PublicKey().ToPem() == ReadText(k + ".pub"));
  RunResult wrong =
      Run({kPython, CosignKeyPy(), "decrypt", legacy + ".key", "--passphrase", "nope"});
  BOOST_TEST(wrong.exit_code != 0);

  const std::string standard = dir.File("standard");
  RunResult e2 = Vouch({"key", "export-cosign", "--key", k + ".key", "--output-key-prefix", standard},
                       Env({{"VOUCH_PASSWORD", "pw"}, {"COSIGN_PASSWORD", "cosign-pw"}}));
  BOOST_REQUIRE_MESSAGE(e2.exit_code == 0, e2.err);
  const char* script = R"PY(
import base64, hashlib, json, sys, nacl.secret
from cryptography.hazmat.primitives import serialization
lines = open(sys.argv[1]).read().strip().splitlines()
assert lines[0] == "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", lines[0]
d = json.loads(base64.b64decode("".join(lines[1:-1])))
assert list(d) == ["kdf", "cipher", "ciphertext"] and list(d["kdf"]) == ["name", "params", "salt"]
assert d["kdf"]["params"] == {"N": 65536, "r": 8, "p": 1}, d["kdf"]["params"]
p = d["kdf"]["params"]
key = hashlib.scrypt(sys.argv[2].encode(), salt=base64.b64decode(d["kdf"]["salt"]), n=p["N"],
                     r=p["r"], p=p["p"], dklen=32, maxmem=256 * 1024 * 1024)
der = nacl.secret.SecretBox(key).decrypt(base64.b64decode(d["ciphertext"]),
                                         base64.b64decode(d["cipher"]["nonce"]))
k = serialization.load_der_private_key(der, None)
sys.stdout.write(k.public_key().public_bytes(serialization.Encoding.PEM,
    serialization.PublicFormat.SubjectPublicKeyInfo).decode())
)PY";
  RunResult ind = Run({kPython, "-c", script, standard + ".key", "cosign-pw"});
  BOOST_REQUIRE_MESSAGE(ind.exit_code == 0, ind.err);
  BOOST_TEST(ind.out == ReadText(k + ".pub"));
}

struct OsslCase {
  KeyAlgorithm alg;
  std::vector<std::string> verify;  // argv with PUB, SIG, MSG placeholders
};

std::vector<std::string> Substitute(std::vector<std::string> argv, const TempDir& dir) {
  for (std::string& a : argv) {
    if (a == "PUB" || a == "SIG" || a == "MSG") {
      a = dir.File(a);
    }
  }
  return argv;
}

// vouch's default signatures verify in OpenSSL for every generated algorithm.
BOOST_AUTO_TEST_CASE(openssl_verifies_vouch_signatures) {
  const OsslCase cases[] = {
      {KeyAlgorithm::kEcdsaP256,
       {"openssl", "dgst", "-sha256", "-verify", "PUB", "-signature", "SIG", "MSG"}},
      {KeyAlgorithm::kEcdsaP384,
       {"openssl", "dgst", "-sha384", "-verify", "PUB", "-signature", "SIG", "MSG"}},
      {KeyAlgorithm::kRsa3072,
       {"openssl", "dgst", "-sha256", "-verify", "PUB", "-signature", "SIG", "MSG"}},
      {KeyAlgorithm::kEd25519,
       {"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "PUB", "-rawin", "-in", "MSG",
        "-sigfile", "SIG"}},
  };
  for (const OsslCase& c : cases) {
    TempDir dir;
    Result<std::unique_ptr<keys::Signer>> s = keys::Generate(c.alg);
    BOOST_REQUIRE(s.ok());
    const std::string msg = "cross-checked by openssl";
    Result<Bytes> sig = (*s)->Sign(AsBytes(msg));
    BOOST_REQUIRE(sig.ok());
    WriteText(dir.File("PUB"), (*s)->PublicKey().ToPem());
    WriteText(dir.File("MSG"), msg);
    WriteBytes(dir.File("SIG"), *sig);
    RunResult r = Run(Substitute(c.verify, dir));
    BOOST_TEST(r.exit_code == 0, keys::KeyAlgorithmName(c.alg) << ": " << r.out << r.err);
  }
}

// OpenSSL's RSA-PSS (salt = digest length) and ECDSA signatures verify in vouch.
BOOST_AUTO_TEST_CASE(vouch_verifies_openssl_signatures) {
  TempDir dir;
  const std::string msg = "signed by openssl";
  WriteText(dir.File("MSG"), msg);
  RunResult gen = Run({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                       "rsa_keygen_bits:2048", "-out", dir.File("rsa.pem")});
  BOOST_REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
  RunResult pub = Run({"openssl", "pkey", "-in", dir.File("rsa.pem"), "-pubout"});
  BOOST_REQUIRE(pub.exit_code == 0);
  Result<Verifier> v = Verifier::FromPem(pub.out);
  BOOST_REQUIRE(v.ok());
  const std::pair<std::vector<std::string>, keys::SignatureScheme> cases[] = {
      {{"-sha256"}, keys::SignatureScheme::kRsaPkcs1Sha256},
      {{"-sha512"}, keys::SignatureScheme::kRsaPkcs1Sha512},
      {{"-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"},
       keys::SignatureScheme::kRsaPssSha256},
      {{"-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"},
       keys::SignatureScheme::kRsaPssSha384},
  };
  for (const auto& [opts, scheme] : cases) {
    std::vector<std::string> argv = {"openssl", "dgst"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    argv.insert(argv.end(), {"-sign", dir.File("rsa.pem"), "-out", dir.File("SIG"), dir.File("MSG")});
    RunResult r = Run(argv);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    Bytes sig = ToBytes(ReadText(dir.File("SIG")));
    BOOST_TEST(v->Verify(sig, AsBytes(msg), scheme).ok(), opts.back());
    BOOST_TEST(IsVerificationFailed(v->Verify(sig, AsBytes(msg + "!"), scheme)), opts.back());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::testing
