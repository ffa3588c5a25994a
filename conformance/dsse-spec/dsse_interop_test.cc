// DSSE interop with ${VOUCH_PEERS}/dsse_p256.py (securesystemslib ECDSA P-256, PAE by hand):
// the peer signs and vouch verifies, vouch signs and the peer verifies, and each side rejects a
// tampered envelope from the other. Keys are fresh P-256 PKCS#8 keys made by the openssl CLI.
#define BOOST_TEST_MODULE vouch_interop_dsse
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {
namespace {

// The peer must run under the system interpreter (its README: apt's securesystemslib).
const char* kPython = "/usr/bin/python3";

const std::string kStatement =
    R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"demo","digest":)"
    R"({"sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}}],)"
    R"("predicateType":"https://example.test/p","predicate":{"k":"\u00e9"}})";

struct Fixture {
  Fixture() {
    script = testing::PeersDir() + "/dsse_p256.py";
    key_pem = dir.File("key.pem");
    pub_pem = dir.File("pub.pem");
    auto gen = testing::Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                             "ec_paramgen_curve:P-256", "-out", key_pem});
    BOOST_REQUIRE_MESSAGE(gen.exit_code == 0, "openssl genpkey: " << gen.err);
    auto pub = testing::Run({"openssl", "pkey", "-in", key_pem, "-pubout", "-out", pub_pem});
    BOOST_REQUIRE_MESSAGE(pub.exit_code == 0, "openssl pkey: " << pub.err);
    auto signer = keys::LoadSignerPem(testing::ReadText(key_pem), SecretString());
    BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
    key = std::move(*signer);
  }

  testing::RunResult Peer(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kPython, script};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv);
  }

  testing::TempDir dir;
  std::string script;
  std::string key_pem;
  std::string pub_pem;
  std::unique_ptr<keys::Signer> key;
};

BOOST_FIXTURE_TEST_SUITE(dsse_interop, Fixture)

BOOST_AUTO_TEST_CASE(peer_selftest) {
  auto r = Peer({"selftest"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(peer_signs_vouch_verifies) {
  testing::WriteText(dir.File("payload.json"), kStatement);
  auto r = Peer({"sign", key_pem, dir.File("payload.json"), dir.File("env.json"), "--keyid",
                 "peer-key"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);

  auto env = ParseEnvelope(testing::ReadText(dir.File("env.json")));
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  BOOST_TEST(env->payload_type == kInTotoPayloadType);
  BOOST_TEST(AsChars(env->payload) == kStatement);
  BOOST_REQUIRE(env->signatures.size() == 1u);
  BOOST_TEST(env->signatures[0].keyid == "peer-key");

  auto pub = keys::Verifier::FromPem(testing::ReadText(pub_pem));
  BOOST_REQUIRE(pub.ok());
  const keys::Verifier trusted[] = {*pub};
  Status s = VerifyEnvelope(*env, trusted);
  BOOST_TEST(s.ok(), s.ToString());

  DsseEnvelope tampered = *env;
  tampered.payload[tampered.payload.size() / 2] ^= 0x20;
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(tampered, trusted)));
  tampered = *env;
  tampered.payload_type = "text/plain";
  BOOST_TEST(IsVerificationFailed(VerifyEnvelope(tampered, trusted)));
}

BOOST_AUTO_TEST_CASE(peer_signs_custom_type_vouch_verifies) {
  testing::WriteText(dir.File("payload.bin"), std::string("\x00\x01 binary \xff", 11));
  auto r = Peer({"sign", key_pem, dir.File("payload.bin"), dir.File("env.json"), "--payload-type",
                 "application/x.vouch-test"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  auto env = ParseEnvelope(testing::ReadText(dir.File("env.json")));
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->payload_type == "application/x.vouch-test");
  BOOST_TEST(env->payload.size() == 11u);
  const keys::Verifier trusted[] = {key->PublicKey()};
  BOOST_TEST(VerifyEnvelope(*env, trusted).ok());
}

BOOST_AUTO_TEST_CASE(vouch_signs_peer_verifies) {
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatement), *key);
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  testing::WriteText(dir.File("vouch.json"), SerializeEnvelope(*env));
  auto ok = Peer({"verify", pub_pem, dir.File("vouch.json")});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(ok.out.find("VERIFIED") != std::string::npos, ok.out);

  DsseEnvelope tampered = *env;
  tampered.payload.back() ^= 0x01;
  testing::WriteText(dir.File("tampered.json"), SerializeEnvelope(tampered));
  auto bad = Peer({"verify", pub_pem, dir.File("tampered.json")});
  BOOST_TEST(bad.exit_code == 1, bad.out << bad.err);
  BOOST_TEST(bad.out.find("REJECTED") != std::string::npos, bad.out);
}

BOOST_AUTO_TEST_CASE(vouch_multi_signature_peer_accepts_its_key) {
  // The peer accepts an envelope when any signature verifies with its key: put ours second.
  auto other = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
  BOOST_REQUIRE(other.ok());
  const EnvelopeSigner signers[] = {{other->get(), "other"}, {key.get(), "peer"}};
  auto env = SignEnvelope(kInTotoPayloadType, AsBytes(kStatement), signers);
  BOOST_REQUIRE(env.ok());
  testing::WriteText(dir.File("multi.json"), SerializeEnvelope(*env));
  auto r = Peer({"verify", pub_pem, dir.File("multi.json")});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
