#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <ostream>
#include <string>

#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/sign.h"

namespace vouch::sign {
namespace {

namespace bdata = boost::unit_test::data;
using keys::KeyAlgorithm;

struct AlgCase {
  KeyAlgorithm alg;
  HashAlgorithm recorded;  // the messageDigest algorithm the bundle must carry
  std::string proto_name;
};
std::ostream& operator<<(std::ostream& os, const AlgCase& c) {
  return os << keys::KeyAlgorithmName(c.alg);
}

const AlgCase kAlgs[] = {
    {KeyAlgorithm::kEcdsaP256, HashAlgorithm::kSha256, "SHA2_256"},
    {KeyAlgorithm::kEcdsaP384, HashAlgorithm::kSha384, "SHA2_384"},
    {KeyAlgorithm::kEd25519, HashAlgorithm::kSha256, "SHA2_256"},
    {KeyAlgorithm::kRsa3072, HashAlgorithm::kSha256, "SHA2_256"},
};

std::unique_ptr<keys::Signer> NewKey(KeyAlgorithm alg) {
  auto k = keys::Generate(alg);
  BOOST_REQUIRE_MESSAGE(k.ok(), k.status().ToString());
  return std::move(k).value();
}

BOOST_AUTO_TEST_SUITE(sign_blob)

BOOST_DATA_TEST_CASE(writes_bundle_and_signature, bdata::make(kAlgs), c) {
  testing::TempDir dir;
  const std::string data = "the quick brown fox\n";
  testing::WriteText(dir.File("a.txt"), data);
  auto key = NewKey(c.alg);
  SignBlobRequest req{dir.File("a.txt"), key.get(), dir.File("a.sigstore.json"), dir.File("a.sig")};
  auto res = SignBlob(req);
  BOOST_REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  BOOST_TEST(res->digest.ToString() == Digest::Of(AsBytes(data), c.recorded).ToString());

  // The bundle on disk is exactly the returned one, and it is what cosign v3 writes.
  const std::string text = testing::ReadText(dir.File("a.sigstore.json"));
  BOOST_TEST(text == res->bundle_json);
  auto b = attest::ParseBundle(text);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(b->media_type == "application/vnd.dev.sigstore.bundle.v0.3+json");
  BOOST_TEST((b->verification_material.kind == attest::VerificationMaterial::Kind::kPublicKey));
  BOOST_TEST(b->verification_material.public_key_hint == attest::PublicKeyHint(key->PublicKey()));
  BOOST_TEST(b->verification_material.tlog_entries.empty());
  BOOST_REQUIRE(b->IsMessageSignature());
  const auto& ms = std::get<attest::MessageSignature>(b->content);
  BOOST_REQUIRE(ms.message_digest.has_value());
  BOOST_TEST(ms.message_digest->algorithm == c.proto_name);
  BOOST_TEST(ms.message_digest->digest == res->digest.bytes());
  BOOST_TEST(ms.signature == res->signature);

  // The signature is over the message itself with the key's default scheme.
  BOOST_TEST(key->PublicKey().Verify(ms.signature, AsBytes(data)).ok());
  BOOST_TEST(IsVerificationFailed(key->PublicKey().Verify(ms.signature, AsBytes("other"))));

  // The signature file is the same signature in std base64, no newline.
  BOOST_TEST(testing::ReadText(dir.File("a.sig")) == Base64Encode(res->signature));
}

BOOST_AUTO_TEST_CASE(empty_file_and_single_output) {
  testing::TempDir dir;
  testing::WriteText(dir.File("empty"), "");
  auto key = NewKey(KeyAlgorithm::kEcdsaP256);
  auto res = SignBlob({dir.File("empty"), key.get(), "", dir.File("e.sig")});
  BOOST_REQUIRE_MESSAGE(res.ok(), res.status().ToString());
  BOOST_TEST(res->digest.ToString() == Digest::Of({}).ToString());
  BOOST_TEST(!PathExists(dir.File("e.sigstore.json")));
  auto sig = Base64Decode(testing::ReadText(dir.File("e.sig")));
  BOOST_REQUIRE(sig.ok());
  BOOST_TEST(key->PublicKey().Verify(*sig, {}).ok());

  auto ed = NewKey(KeyAlgorithm::kEd25519);
  auto res2 = SignBlob({dir.File("empty"), ed.get(), dir.File("e.json"), ""});
  BOOST_REQUIRE_MESSAGE(res2.ok(), res2.status().ToString());
  BOOST_TEST(ed->PublicKey().Verify(res2->signature, {}).ok());
}

BOOST_AUTO_TEST_CASE(large_file_streams) {
  // Larger than several stream buffers, with a length that is not a multiple of one.
  testing::TempDir dir;
  std::string data(3 * kStreamBufferSize + 12345, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>(i * 131 % 251);
  }
  testing::WriteText(dir.File("big"), data);
  for (KeyAlgorithm alg : {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEd25519}) {
    auto key = NewKey(alg);
    auto res = SignBlob({dir.File("big"), key.get(), dir.File("big.json"), ""});
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().ToString());
    BOOST_TEST(res->digest.ToString() == Digest::Of(AsBytes(data)).ToString());
    BOOST_TEST(key->PublicKey().Verify(res->signature, AsBytes(data)).ok());
  }
}

BOOST_AUTO_TEST_CASE(overwrites_outputs_atomically) {
  testing::TempDir dir;
  testing::WriteText(dir.File("a"), "a");
  testing::WriteText(dir.File("out.json"), "old content");
  auto key = NewKey(KeyAlgorithm::kEcdsaP256);
  auto res = SignBlob({dir.File("a"), key.get(), dir.File("out.json"), ""});
  BOOST_REQUIRE(res.ok());
  BOOST_TEST(testing::ReadText(dir.File("out.json")) == res->bundle_json);
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  BOOST_TEST(entries == 2u);  // no temporary files left behind
}

BOOST_AUTO_TEST_CASE(errors_write_nothing) {
  testing::TempDir dir;
  testing::WriteText(dir.File("a"), "a");
  auto key = NewKey(KeyAlgorithm::kEcdsaP256);

  BOOST_TEST(IsInvalidArgument(SignBlob({dir.File("a"), nullptr, dir.File("o"), ""}).status()));
  BOOST_TEST(IsInvalidArgument(SignBlob({dir.File("a"), key.get(), "", ""}).status()));
  BOOST_TEST(IsNotFound(SignBlob({dir.File("missing"), key.get(), dir.File("o"), ""}).status()));
  BOOST_TEST(IsInvalidArgument(SignBlob({dir.path(), key.get(), dir.File("o"), ""}).status()));
  BOOST_TEST(!PathExists(dir.File("o")));
  // An output in a directory that does not exist fails after signing, with nothing written.
  auto res = SignBlob({dir.File("a"), key.get(), dir.File("no/such/dir.json"), ""});
  BOOST_TEST(IsNotFound(res.status()), res.status().ToString());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
