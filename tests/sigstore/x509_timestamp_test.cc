// RFC 3161 timestamps (formats.md 5.8): tokens made at run time by an OpenSSL TSA (x509_pki.h)
// with a fixed genTime, verified against trusted roots that do or do not cover them.
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/internal/json.h"
#include "sigstore/timestamp.h"
#include "vouch/attest/bundle.h"
#include "vouch/verify/sigstore.h"
#include "x509_pki.h"

namespace vouch::verify::sigstore {
namespace {

using testing::pki::At;
using testing::pki::Tsa;

const Bytes kSignature = ToBytes("a signature over the artifact");
const TimePoint kGenTime = At("2024-06-01T12:00:05Z");

void ExpectFail(const Result<TimePoint>& r, const std::string& reason) {
  BOOST_TEST_MESSAGE(r.status().ToString());
  BOOST_TEST(IsVerificationFailed(r.status()), r.status().ToString());
  BOOST_TEST(r.status().message().find(reason) != std::string::npos,
             "\"" << r.status().message() << "\" lacks \"" << reason << "\"");
}

BOOST_AUTO_TEST_SUITE(timestamp)

BOOST_AUTO_TEST_CASE(valid_with_and_without_embedded_certificates) {
  Tsa tsa;
  TrustedRoot root = tsa.Root();
  for (bool embed : {true, false}) {
    auto t = VerifyTimestamp(tsa.Stamp(kSignature, kGenTime, embed), kSignature, root);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    BOOST_TEST(FormatRfc3339(*t) == "2024-06-01T12:00:05Z");
  }
}

BOOST_AUTO_TEST_CASE(timestamp_over_other_bytes) {
  Tsa tsa;
  ExpectFail(
      VerifyTimestamp(tsa.Stamp(kSignature, kGenTime), ToBytes("another signature"), tsa.Root()),
      "its imprint is not the hash of the signature");
}

BOOST_AUTO_TEST_CASE(gen_time_outside_tsa_window) {
  Tsa tsa;
  TrustedRoot root = tsa.Root();
  root.timestamp_authorities[0].valid_for.end = At("2024-05-01T00:00:00Z");
  ExpectFail(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime), kSignature, root),
             "TSA https://tsa.test is not valid at genTime 2024-06-01T12:00:05Z");
  root = tsa.Root();
  root.timestamp_authorities[0].valid_for.start = At("2024-07-01T00:00:00Z");
  ExpectFail(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime), kSignature, root),
             "is not valid at genTime");
}

BOOST_AUTO_TEST_CASE(gen_time_outside_tsa_certificate) {
  Tsa tsa;
  // The TSA leaf expired before it stamped: the chain is checked at genTime.
  ExpectFail(
      VerifyTimestamp(tsa.Stamp(kSignature, At("2024-12-15T00:00:00Z")), kSignature, tsa.Root()),
      "certificate has expired");
}

BOOST_AUTO_TEST_CASE(chain_expired_now_is_fine) {
  // Every certificate and the root entry expired long ago; genTime was inside them.
  Tsa tsa;
  TrustedRoot root = tsa.Root();
  root.timestamp_authorities[0].valid_for.end = At("2024-12-31T00:00:00Z");
  BOOST_TEST(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime), kSignature, root).ok());
}

BOOST_AUTO_TEST_CASE(untrusted_tsa) {
  Tsa tsa;
  Tsa other;
  ExpectFail(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime, true), kSignature, other.Root()),
             "the timestamp does not verify");
  ExpectFail(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime, false), kSignature, other.Root()),
             "the timestamp does not verify");
  ExpectFail(VerifyTimestamp(tsa.Stamp(kSignature, kGenTime), kSignature, TrustedRoot()),
             "no timestamp authorities");
}

BOOST_AUTO_TEST_CASE(tampered_and_malformed) {
  Tsa tsa;
  Bytes der = tsa.Stamp(kSignature, kGenTime);
  ExpectFail(VerifyTimestamp(Bytes{0x30, 0x00}, kSignature, tsa.Root()),
             "neither a DER TimeStampResp nor a TimeStampToken");
  Bytes truncated(der.begin(), der.begin() + static_cast<long>(der.size() / 2));
  ExpectFail(VerifyTimestamp(truncated, kSignature, tsa.Root()), "neither a DER TimeStampResp");
  // Flip the last byte of the CMS signature value.
  Bytes flipped = der;
  flipped.back() ^= 0x01;
  BOOST_TEST(!VerifyTimestamp(flipped, kSignature, tsa.Root()).ok());
}

// StampedBundle is a public-key message-signature bundle over |artifact| carrying |stamps|
// (RFC 3161 responses over its signature).
Result<attest::Bundle> StampedBundle(const Bytes& artifact, const Bytes& signature,
                                     const std::vector<Bytes>& stamps) {
  Json ts = Json::array();
  for (const Bytes& s : stamps) {
    ts.push_back({{"signedTimestamp", Base64Encode(s)}});
  }
  Json b = {
      {"mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json"},
      {"verificationMaterial",
       {{"publicKey", {{"hint", "test-key"}}},
        {"tlogEntries", Json::array()},
        {"timestampVerificationData", {{"rfc3161Timestamps", ts}}}}},
      {"messageSignature",
       {{"messageDigest",
         {{"algorithm", "SHA2_256"}, {"digest", Base64Encode(Digest::Of(artifact).bytes())}}},
        {"signature", Base64Encode(signature)}}}};
  return attest::ParseBundle(DumpJson(b));
}

// Two tokens of one TSA are one authority: --timestamp-threshold counts TSAs, not tokens.
BOOST_AUTO_TEST_CASE(two_timestamps_from_one_tsa_count_once) {
  Tsa tsa, other;
  OsslPtr<EVP_PKEY> key = testing::pki::NewKey();
  const Bytes artifact = ToBytes("the artifact");
  const Bytes sig = testing::pki::EcdsaSign(key.get(), artifact);
  auto verifier = testing::pki::VerifierOf(key.get());
  TrustedRoot both = tsa.Root();
  CertificateAuthority second = other.Root().timestamp_authorities[0];
  second.uri = "https://other-tsa.test";
  both.timestamp_authorities.push_back(second);

  BundleVerifyOptions o;
  o.key = verifier.get();
  o.trusted_root = std::make_shared<const TrustedRoot>(both);
  o.timestamp_threshold = 2;
  Artifact a;
  a.digest = ArtifactDigest::Of(Digest::Of(artifact));

  auto same = StampedBundle(artifact, sig,
                            {tsa.Stamp(sig, kGenTime), tsa.Stamp(sig, kGenTime + std::chrono::seconds(1))});
  BOOST_REQUIRE_MESSAGE(same.ok(), same.status().ToString());
  auto r = VerifyBundle(*same, a, o);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(IsVerificationFailed(r.status()));
  BOOST_TEST(r.status().message().find("1 distinct timestamp authorities, 2 required") !=
                 std::string::npos,
             r.status().message());
  o.timestamp_threshold = 1;
  BOOST_TEST(VerifyBundle(*same, a, o).ok());

  o.timestamp_threshold = 2;
  auto two = StampedBundle(artifact, sig,
                           {tsa.Stamp(sig, kGenTime), other.Stamp(sig, kGenTime)});
  BOOST_REQUIRE(two.ok());
  auto ok = VerifyBundle(*two, a, o);
  BOOST_TEST(ok.ok(), ok.status().ToString());
  BOOST_TEST(ok->verified_times.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify::sigstore
