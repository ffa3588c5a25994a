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

int FixedTime(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  *sec = static_cast<long>(*static_cast<time_t*>(data));
  *usec = 0;
  return 1;
}

// Tsa is a root and a timestamping leaf valid in 2024, which signs responses at a fixed time.
struct Tsa {
  OsslPtr<EVP_PKEY> root_key = testing::pki::NewKey();
  OsslPtr<EVP_PKEY> key = testing::pki::NewKey();
  OsslPtr<X509> root = testing::pki::NewCa(root_key.get(), "tsa-root", nullptr, nullptr,
                                           At("2024-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z"));
  OsslPtr<X509> leaf = MakeLeaf(At("2024-01-01T00:00:00Z"), At("2024-12-01T00:00:00Z"));

  OsslPtr<X509> MakeLeaf(TimePoint nb, TimePoint na) {
    OsslPtr<X509> x = testing::pki::NewCert(key.get(), "tsa", root.get(), nb, na);
    testing::pki::AddExt(x.get(), root.get(), NID_basic_constraints, "critical,CA:FALSE");
    testing::pki::AddExt(x.get(), root.get(), NID_key_usage, "critical,digitalSignature");
    testing::pki::AddExt(x.get(), root.get(), NID_ext_key_usage, "critical,timeStamping");
    testing::pki::Sign(x.get(), root_key.get());
    return x;
  }

  // Stamp returns a DER TimeStampResp over SHA-256(|signature|) with genTime |when|.
  Bytes Stamp(const Bytes& signature, TimePoint when, bool embed_certs = true) {
    Digest d = Digest::Of(signature);
    OsslPtr<TS_REQ> req(TS_REQ_new());
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* alg = X509_ALGOR_new();
    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint, alg);
    TS_MSG_IMPRINT_set_msg(imprint, const_cast<unsigned char*>(d.bytes().data()),
                           static_cast<int>(d.bytes().size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), imprint);
    TS_REQ_set_cert_req(req.get(), embed_certs ? 1 : 0);
    X509_ALGOR_free(alg);
    TS_MSG_IMPRINT_free(imprint);
    OsslPtr<BIO> in(BIO_new(BIO_s_mem()));
    BOOST_REQUIRE(i2d_TS_REQ_bio(in.get(), req.get()) == 1);

    OsslPtr<TS_RESP_CTX> ctx(TS_RESP_CTX_new());
    BOOST_REQUIRE(TS_RESP_CTX_set_signer_cert(ctx.get(), leaf.get()) == 1);
    BOOST_REQUIRE(TS_RESP_CTX_set_signer_key(ctx.get(), key.get()) == 1);
    ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
    BOOST_REQUIRE(TS_RESP_CTX_set_def_policy(ctx.get(), policy) == 1);
    ASN1_OBJECT_free(policy);
    BOOST_REQUIRE(TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) == 1);
    time_t t = std::chrono::system_clock::to_time_t(when);
    TS_RESP_CTX_set_time_cb(ctx.get(), FixedTime, &t);
    OsslPtr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), in.get()));
    BOOST_REQUIRE(resp != nullptr);
    int len = i2d_TS_RESP(resp.get(), nullptr);
    BOOST_REQUIRE(len > 0);
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_TS_RESP(resp.get(), &p);
    return out;
  }

  TrustedRoot Root() {
    TrustedRoot r;
    CertificateAuthority ca;
    ca.uri = "https://tsa.test";
    ca.chain_der = {testing::pki::Der(leaf.get()), testing::pki::Der(root.get())};
    ca.valid_for.start = At("2024-01-01T00:00:00Z");
    r.timestamp_authorities.push_back(ca);
    return r;
  }
};

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
