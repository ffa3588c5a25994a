// sign::SignNotationBlob: the descriptor it signs (the key's hash, size, media type, metadata),
// the envelope file it writes, the timestamper it calls on the raw signature bytes, and that
// nothing is written when the timestamper or the request fails.
#include <openssl/x509.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "core/internal/ossl.h"
#include "testutil/testutil.h"
#include "vouch/attest/notation.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/sign.h"

namespace vouch::sign {
namespace {

using testing::TempDir;

// LeafFor is a DER certificate for |signer|'s public key, self-issued and signed by a throwaway
// key: SignNotationEnvelope only compares the leaf's key with the signer's.
Bytes LeafFor(const keys::Signer& signer) {
  Bytes spki = signer.PublicKey().SpkiDer();
  const unsigned char* p = spki.data();
  OsslPtr<EVP_PKEY> pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  OsslPtr<EVP_PKEY> issuer(EVP_EC_gen("P-256"));
  OsslPtr<X509> x(X509_new());
  BOOST_REQUIRE(pub != nullptr && issuer != nullptr && x != nullptr);
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), pub.get());
  BOOST_REQUIRE(X509_sign(x.get(), issuer.get(), EVP_sha256()) > 0);
  int len = i2d_X509(x.get(), nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* out = der.data();
  i2d_X509(x.get(), &out);
  return der;
}

struct Fixture {
  TempDir dir;
  std::string file = dir.File("app.bin");
  std::unique_ptr<keys::Signer> key = keys::Generate(keys::KeyAlgorithm::kEcdsaP384).value();
  NotationBlobRequest request;

  Fixture() {
    testing::WriteText(file, "blob bytes");
    request.artifact_path = file;
    request.type = attest::NotationEnvelopeType::kCose;
    request.signer = key.get();
    request.certificate_chain = {LeafFor(*key)};
  }
};

BOOST_AUTO_TEST_SUITE(notation_blob)

BOOST_AUTO_TEST_CASE(signs_the_descriptor_and_embeds_the_timestamp_of_the_raw_signature) {
  Fixture f;
  f.request.user_metadata = {{"buildId", "42"}};
  f.request.media_type = "application/x-tar";
  Bytes stamped;
  f.request.timestamper = [&](ByteView signature) -> Result<Bytes> {
    stamped.assign(signature.begin(), signature.end());
    return ToBytes("token");
  };
  Result<NotationBlobResult> r = SignNotationBlob(f.request);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->signature_path == f.file + ".cose.sig");
  BOOST_TEST(r->target.digest ==
             Digest::Of(ToBytes("blob bytes"), HashAlgorithm::kSha384).ToString());
  BOOST_TEST(r->target.size == 10);

  Bytes written = ToBytes(testing::ReadText(r->signature_path));
  BOOST_TEST(written == r->envelope);
  auto env = attest::ParseNotationEnvelope(attest::NotationEnvelopeType::kCose, written);
  BOOST_REQUIRE_MESSAGE(env.ok(), env.status().ToString());
  BOOST_TEST(env->timestamp_token == ToBytes("token"));
  BOOST_TEST(env->signature == stamped);
  BOOST_TEST(env->signing_agent == "vouch");
  auto target = attest::ParseNotationPayload(env->payload);
  BOOST_REQUIRE(target.ok());
  BOOST_TEST(target->media_type == "application/x-tar");
  BOOST_TEST(target->annotations.at("buildId") == "42");
  BOOST_TEST(attest::VerifyNotationSignature(*env).ok());
}

BOOST_AUTO_TEST_CASE(a_failing_timestamper_keeps_its_code_and_writes_nothing) {
  Fixture f;
  f.request.timestamper = [](ByteView) -> Result<Bytes> {
    return UnavailableError("timestamp authority http://tsa.test: connection refused");
  };
  Result<NotationBlobResult> r = SignNotationBlob(f.request);
  BOOST_TEST(IsUnavailable(r.status()), r.status().ToString());
  BOOST_TEST(!std::filesystem::exists(f.file + ".cose.sig"));
}

BOOST_AUTO_TEST_CASE(bad_requests_are_invalid_arguments_before_reading_the_artifact) {
  auto ed = keys::Generate(keys::KeyAlgorithm::kEd25519).value();
  Fixture f;
  f.request.artifact_path = f.dir.File("missing");  // never opened: the request fails first
  NotationBlobRequest no_chain = f.request;
  no_chain.certificate_chain.clear();
  NotationBlobRequest ed25519 = f.request;
  ed25519.signer = ed.get();
  NotationBlobRequest stdin_no_path = f.request;
  stdin_no_path.artifact_path = "-";
  for (const NotationBlobRequest& r : {no_chain, ed25519, stdin_no_path}) {
    Result<NotationBlobResult> out = SignNotationBlob(r);
    BOOST_TEST(IsInvalidArgument(out.status()), out.status().ToString());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
