// Parses every bundle of the sigstore-conformance suite (../shared/vectors/sigstore-conformance,
// indexed by its cases.json) and checks what the parser extracts against the index. Only the
// structural checks a parser owns are expected to reject: signatures, proofs and timestamps are
// a verifier's job, so most "_fail" cases must parse.
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/attest/bundle.h"

namespace vouch::attest {
namespace {

// The cases whose bundles are structurally invalid, and the field each rejection must name.
const std::map<std::string, std::string> kParseRejects = {
    {"bundle-malformed-json_fail", "not valid JSON"},
    {"bundle-unknown-version_fail", "mediaType"},
    {"bundle-negative-log-index_fail", "tlogEntries[0].logIndex"},
    {"bundle-invalid-base64-signature_fail", "messageSignature.signature"},
    {"bundle-empty-certificate-chain_fail", "x509CertificateChain.certificates"},
};

std::string MaterialName(VerificationMaterial::Kind k) {
  switch (k) {
    case VerificationMaterial::Kind::kPublicKey:
      return "publicKey";
    case VerificationMaterial::Kind::kCertificate:
      return "certificate";
    case VerificationMaterial::Kind::kCertificateChain:
      return "x509CertificateChain";
  }
  return "?";
}

// SpkiFromPem decodes a single "PUBLIC KEY" PEM block without OpenSSL.
Bytes SpkiFromPem(const std::string& pem) {
  std::string b64;
  bool in = false;
  size_t pos = 0;
  while (pos < pem.size()) {
    size_t nl = pem.find('\n', pos);
    std::string line = pem.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? pem.size() : nl + 1;
    if (line.rfind("-----BEGIN", 0) == 0) {
      in = true;
    } else if (line.rfind("-----END", 0) == 0) {
      break;
    } else if (in) {
      b64 += line;
    }
  }
  auto der = Base64Decode(b64);
  BOOST_REQUIRE(der.ok());
  return *der;
}

BOOST_AUTO_TEST_SUITE(bundle_vectors)

BOOST_AUTO_TEST_CASE(sigstore_conformance_bundles) {
  const std::string root = testing::VectorsDir() + "/sigstore-conformance";
  auto index = ParseJson(testing::ReadText(root + "/cases.json"), "cases.json");
  BOOST_REQUIRE_MESSAGE(index.ok(), index.status().ToString());
  const Json& cases = (*index)["cases"];
  BOOST_REQUIRE(cases.is_array());

  int parsed = 0;
  int rejected = 0;
  int hints_checked = 0;
  std::set<std::string> rejected_names;
  for (const Json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    BOOST_TEST_CONTEXT("case " << name) {
      const std::string text = testing::ReadText(root + "/" + c.at("bundle").get<std::string>());
      auto b = ParseBundle(text);
      auto reject = kParseRejects.find(name);
      if (reject != kParseRejects.end()) {
        BOOST_TEST(IsInvalidArgument(b.status()), b.status().ToString());
        BOOST_TEST(b.status().message().find(reject->second) != std::string::npos,
                   b.status().message());
        rejected_names.insert(name);
        ++rejected;
        continue;
      }
      BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
      ++parsed;
      BOOST_TEST(b->media_type == c.at("bundle_media_type").get<std::string>());
      BOOST_TEST(MaterialName(b->verification_material.kind) ==
                 c.at("verification_material").at(0).get<std::string>());
      BOOST_TEST((b->IsMessageSignature() ? "messageSignature" : "dsseEnvelope") ==
                 c.at("content").get<std::string>());
      const Json& kinds = c.at("tlog_kinds");
      BOOST_REQUIRE(kinds.size() == b->verification_material.tlog_entries.size());
      for (size_t i = 0; i < kinds.size(); ++i) {
        const TlogEntry& e = b->verification_material.tlog_entries[i];
        BOOST_TEST(e.kind + "/" + e.kind_version == kinds[i].get<std::string>());
      }
      size_t timestamps = 0;
      if (!b->verification_material.timestamp_verification_data.empty()) {
        auto tvd = ParseJson(b->verification_material.timestamp_verification_data, "tvd");
        BOOST_REQUIRE(tvd.ok());
        timestamps = tvd->value("rfc3161Timestamps", Json::array()).size();
      }
      BOOST_TEST(timestamps == c.at("rfc3161_timestamps").get<size_t>());
      // Serialize is a fixed point after one round: parse(serialize(b)) serializes identically.
      auto s1 = SerializeBundle(*b);
      BOOST_REQUIRE_MESSAGE(s1.ok(), s1.status().ToString());
      auto again = ParseBundle(*s1);
      BOOST_REQUIRE_MESSAGE(again.ok(), again.status().ToString());
      BOOST_TEST(*SerializeBundle(*again) == *s1);
      // Managed-key bundles carry the cosign v3 hint: base64(SHA-256(SPKI DER)) of key.pub.
      if (c.at("key").is_string() && name.find("wrong-key") == std::string::npos) {
        Bytes spki = SpkiFromPem(testing::ReadText(root + "/" + c.at("key").get<std::string>()));
        BOOST_TEST(PublicKeyHintFromSpki(spki) == b->verification_material.public_key_hint);
        BOOST_TEST(HintMatches(b->verification_material.public_key_hint, spki));
        ++hints_checked;
      }
    }
  }
  BOOST_TEST(cases.size() == 64u);
  BOOST_TEST(rejected == static_cast<int>(kParseRejects.size()));
  BOOST_TEST(rejected_names.size() == kParseRejects.size());
  BOOST_TEST(parsed == 59);
  BOOST_TEST(hints_checked == 2);
}

BOOST_AUTO_TEST_CASE(hint_matching_forms) {
  const Bytes spki = {0x30, 0x03, 0x01, 0x02, 0x03};
  const Digest id = Digest::Of(spki);
  BOOST_TEST(HintMatches(PublicKeyHintFromSpki(spki), spki));
  BOOST_TEST(HintMatches(Base64UrlEncode(id.bytes()), spki));
  BOOST_TEST(HintMatches(id.Hex(), spki));
  BOOST_TEST(!HintMatches("", spki));
  BOOST_TEST(!HintMatches("my-key", spki));
  BOOST_TEST(!HintMatches(PublicKeyHintFromSpki(Bytes{1}), spki));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
