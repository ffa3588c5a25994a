// ParseTrustedRoot over every trusted root in the vectors, and the malformed roots it must
// reject (formats.md 5.1).
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {
namespace {

std::string ProductionRootText() {
  return testing::ReadText(testing::VectorsDir() +
                           "/sigstore-trust-roots/production/trusted_root.json");
}

Json ProductionRoot() {
  auto j = ParseJson(ProductionRootText(), "root");
  BOOST_REQUIRE(j.ok());
  return *j;
}

// Rejects checks that |j| is refused as kInvalidArgument with |reason| in the message.
void Rejects(const Json& j, const std::string& reason) {
  auto root = ParseTrustedRoot(DumpJson(j));
  BOOST_REQUIRE_MESSAGE(!root.ok(), "expected rejection: " + reason);
  BOOST_TEST(IsInvalidArgument(root.status()));
  BOOST_TEST_MESSAGE(root.status().message());
  BOOST_TEST(root.status().message().find(reason) != std::string::npos, root.status().message()
                                                                            << " lacks " << reason);
}

BOOST_AUTO_TEST_SUITE(trusted_root)

BOOST_AUTO_TEST_CASE(every_vector_root_parses) {
  namespace fs = std::filesystem;
  std::vector<std::string> files = {
      testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json",
      testing::VectorsDir() + "/sigstore-trust-roots/staging/trusted_root.json"};
  for (const auto& e : fs::directory_iterator(testing::VectorsDir() +
                                              "/sigstore-conformance/assets/bundle-verify")) {
    if (fs::exists(e.path() / "trusted_root.json")) {
      files.push_back((e.path() / "trusted_root.json").string());
    }
  }
  BOOST_TEST(files.size() == 35u);  // 2 public roots + 33 conformance cases with their own root
  for (const auto& f : files) {
    auto root = ParseTrustedRoot(testing::ReadText(f));
    BOOST_REQUIRE_MESSAGE(root.ok(), f << ": " << root.status().ToString());
    BOOST_TEST(!(*root)->tlogs.empty());
    BOOST_TEST(!(*root)->certificate_authorities.empty());
  }
}

BOOST_AUTO_TEST_CASE(production_root_model) {
  auto parsed = ParseTrustedRoot(ProductionRootText());
  BOOST_REQUIRE(parsed.ok());
  const TrustedRoot& root = **parsed;
  BOOST_TEST(root.media_type == "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
  bool saw_v1 = false;
  bool saw_v2 = false;
  for (const auto& log : root.tlogs) {
    BOOST_TEST(log.log_id.size() == 32u);
    BOOST_TEST(log.checkpoint_key_id.size() == 4u);
    BOOST_TEST(
        std::equal(log.checkpoint_key_id.begin(), log.checkpoint_key_id.end(), log.log_id.begin()));
    BOOST_TEST((log.valid_for.start != TimePoint::min()));
    if (log.base_url == "https://rekor.sigstore.dev") {
      saw_v1 = true;
      BOOST_TEST(!log.rekor_v2);
      BOOST_TEST(log.checkpoint_key_name == "rekor.sigstore.dev");
      BOOST_TEST((log.key->algorithm() == keys::KeyAlgorithm::kEcdsaP256));
      BOOST_TEST((Digest::Of(log.key->SpkiDer()).bytes() == log.log_id));
      BOOST_TEST(HexEncode(log.log_id) ==
                 "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d");
    }
    if (log.base_url == "https://log2025-1.rekor.sigstore.dev") {
      saw_v2 = true;
      BOOST_TEST(log.rekor_v2);
      BOOST_TEST(log.checkpoint_key_name == "log2025-1.rekor.sigstore.dev");
      BOOST_TEST((log.key->algorithm() == keys::KeyAlgorithm::kEd25519));
      BOOST_TEST((log.scheme == keys::SignatureScheme::kEd25519));
    }
  }
  BOOST_TEST(saw_v1);
  BOOST_TEST(saw_v2);
  // Expired instances are kept: the first Fulcio CA and the 2021 CT log have an end.
  bool saw_expired_ct = false;
  for (const auto& log : root.ctlogs) {
    saw_expired_ct = saw_expired_ct || log.valid_for.end.has_value();
    BOOST_TEST(root.FindCtlogs(log.log_id).size() >= 1u);
  }
  BOOST_TEST(saw_expired_ct);
  for (const auto& ca : root.certificate_authorities) {
    BOOST_TEST(!ca.chain_der.empty());
  }
  BOOST_TEST(root.timestamp_authorities.size() == 1u);
  BOOST_TEST(root.FindTlogs(Bytes(32, 0)).empty());
}

BOOST_AUTO_TEST_CASE(pkcs1_ct_key_converted_to_spki) {
  auto parsed = ParseTrustedRoot(
      testing::ReadText(testing::VectorsDir() + "/sigstore-trust-roots/staging/trusted_root.json"));
  BOOST_REQUIRE(parsed.ok());
  bool saw = false;
  for (const auto& log : (*parsed)->ctlogs) {
    if (log.key_details == "PKCS1_RSA_PKCS1V5") {
      saw = true;
      BOOST_TEST((log.key->algorithm() == keys::KeyAlgorithm::kRsa4096));
      BOOST_TEST((log.scheme == keys::SignatureScheme::kRsaPkcs1Sha256));
      // The log id is SHA-256 of the SPKI, not of the PKCS#1 bytes in the file.
      BOOST_TEST((Digest::Of(log.key->SpkiDer()).bytes() == log.log_id));
    }
  }
  BOOST_TEST(saw);
}

BOOST_AUTO_TEST_CASE(tlog_without_start_rejected) {
  Json j = ProductionRoot();
  j["tlogs"][0]["publicKey"]["validFor"].erase("start");
  Rejects(j, "tlogs[0].publicKey.validFor.start\" is missing");
  j = ProductionRoot();
  j["tlogs"][0]["publicKey"].erase("validFor");
  Rejects(j, "tlogs[0].publicKey.validFor.start\" is missing");
  j = ProductionRoot();
  j["ctlogs"][1]["publicKey"]["validFor"].erase("start");
  Rejects(j, "ctlogs[1].publicKey.validFor.start\" is missing");
}

BOOST_AUTO_TEST_CASE(unknown_media_type_rejected) {
  Json j = ProductionRoot();
  j["mediaType"] = "application/vnd.dev.sigstore.trustedroot+json;version=0.9";
  Rejects(j, "unsupported mediaType");
  j.erase("mediaType");
  Rejects(j, "unsupported mediaType");
}

BOOST_AUTO_TEST_CASE(other_media_types_accepted) {
  for (const char* mt : {"application/vnd.dev.sigstore.trustedroot.v0.1+json",
                         "application/vnd.dev.sigstore.trustedroot.v0.2+json"}) {
    Json j = ProductionRoot();
    j["mediaType"] = mt;
    BOOST_TEST(ParseTrustedRoot(DumpJson(j)).ok(), mt);
  }
}

BOOST_AUTO_TEST_CASE(log_id_must_bind_the_key) {
  Json j = ProductionRoot();
  j["ctlogs"][0]["logId"]["keyId"] = Base64Encode(Bytes(32, 7));
  Rejects(j, "is not SHA-256 of the log's public key");
  j = ProductionRoot();
  j["tlogs"][0]["logId"]["keyId"] = Base64Encode(Bytes(32, 7));
  Rejects(j, "is neither SHA-256 of the log's public key");
}

BOOST_AUTO_TEST_CASE(checkpoint_key_id_from_v02_root) {
  Json j = ProductionRoot();
  j["mediaType"] = "application/vnd.dev.sigstore.trustedroot.v0.2+json";
  j["tlogs"][0]["checkpointKeyId"] = {{"keyId", Base64Encode(Bytes{1, 2, 3, 4})}};
  j["tlogs"][0]["operator"] = "sigstore.dev";
  auto root = ParseTrustedRoot(DumpJson(j));
  BOOST_REQUIRE(root.ok());
  BOOST_TEST(((*root)->tlogs[0].checkpoint_key_id == Bytes{1, 2, 3, 4}));
  BOOST_TEST((*root)->tlogs[0].operator_name == "sigstore.dev");
}

BOOST_AUTO_TEST_CASE(bad_keys_and_certificates_rejected) {
  Json j = ProductionRoot();
  j["tlogs"][0]["publicKey"]["keyDetails"] = "PKIX_ECDSA_P384_SHA_384";
  Rejects(j, "does not match keyDetails");
  j = ProductionRoot();
  j["tlogs"][0]["publicKey"]["keyDetails"] = "LMS_SHA256";
  Rejects(j, "keyDetails\" \"LMS_SHA256\" is missing or not supported");
  j = ProductionRoot();
  j["tlogs"][0]["publicKey"]["rawBytes"] = Base64Encode(Bytes{0x30, 0x03, 0x02, 0x01, 0x01});
  Rejects(j, "is not a usable public key");
  j = ProductionRoot();
  j["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] =
      Base64Encode(Bytes{0x30, 0x00});
  Rejects(j, "is not a DER X.509 certificate");
  j = ProductionRoot();
  j["certificateAuthorities"][0]["certChain"]["certificates"] = Json::array();
  Rejects(j, "must be a non-empty array");
  j = ProductionRoot();
  j["timestampAuthorities"][0]["validFor"]["end"] = "2000-01-01T00:00:00Z";
  Rejects(j, "is before the start");
  BOOST_TEST(IsInvalidArgument(ParseTrustedRoot("{").status()));
  BOOST_TEST(IsInvalidArgument(ParseTrustedRoot("[]").status()));
}

BOOST_AUTO_TEST_CASE(load_without_path_or_env) {
  ::unsetenv("VOUCH_TRUSTED_ROOT");
  auto root = LoadTrustedRoot("");
  BOOST_TEST(IsInvalidArgument(root.status()));
  BOOST_TEST(root.status().message().find("no trusted root") != std::string::npos);
  BOOST_TEST(IsNotFound(LoadTrustedRoot("/nonexistent/trusted_root.json").status()));
  ::setenv("VOUCH_TRUSTED_ROOT",
           (testing::VectorsDir() + "/sigstore-trust-roots/production/trusted_root.json").c_str(),
           1);
  BOOST_TEST(LoadTrustedRoot("").ok());
  ::unsetenv("VOUCH_TRUSTED_ROOT");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
