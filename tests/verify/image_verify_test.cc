// VerifyImage against the in-memory registry (tests/registry/fake_registry.h): request counts
// per storage form, lookup failures that must never read as "unsigned", rejected signatures,
// request validation, and the simple-signing payload bytes.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/image.h"
#include "vouch/verify/image.h"

namespace vouch::verify {
namespace {

using registry::testing::FakeRegistry;
using registry::testing::PushImage;

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<keys::Signer> k1 = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  std::unique_ptr<keys::Signer> k2 = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  std::string digest;

  Fixture() {
    registry::ClientOptions o;
    o.transport = reg;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<registry::Client>(std::move(o));
    digest = PushImage(*reg, "app", "v1", "amd64");
  }
  std::unique_ptr<registry::Repository> Repo() {
    return std::move(*client->Open(*registry::ParseReference("reg.test/app:v1"),
                                   registry::Access::kPullPush));
  }
  void Sign(const keys::Signer& k, sign::ImageSignatureFormat f,
            std::map<std::string, std::string> ann = {}) {
    sign::SignImageRequest r;
    r.signer = &k;
    r.format = f;
    r.annotations = std::move(ann);
    r.tag_update.sleep = [](std::chrono::milliseconds) {};
    auto repo = Repo();
    auto res = sign::SignImage(*repo, r);
    BOOST_REQUIRE_MESSAGE(res.ok(), res.status().message());
  }
  ImageReport Verify(SignatureForms forms = SignatureForms::kAll, size_t threshold = 1,
                     std::map<std::string, std::string> ann = {}) {
    VerifyImageRequest r;
    r.keys = {k1->PublicKey(), k2->PublicKey()};
    r.threshold = threshold;
    r.forms = forms;
    r.annotations = std::move(ann);
    auto repo = Repo();
    return VerifyImage(*repo, r);
  }
};

BOOST_FIXTURE_TEST_SUITE(ImageVerify, Fixture)

// With the referrers API: HEAD, referrers GET, referrer manifest GET, bundle blob GET.
BOOST_AUTO_TEST_CASE(FourRequestsForBundlesThreeForLegacy) {
  reg->referrers_api = true;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k2, sign::ImageSignatureFormat::kLegacy);
  size_t before = reg->requests.size();
  ImageReport b = Verify(SignatureForms::kBundle);
  BOOST_TEST(b.status.ok(), b.status.message());
  BOOST_TEST(reg->requests.size() - before == 4u);
  before = reg->requests.size();
  ImageReport l = Verify(SignatureForms::kLegacy);
  BOOST_TEST(l.status.ok(), l.status.message());
  BOOST_TEST(reg->requests.size() - before == 3u);
  before = reg->requests.size();
  ImageReport all = Verify(SignatureForms::kAll, 2);
  BOOST_TEST(all.status.ok(), all.status.message());
  BOOST_TEST(reg->requests.size() - before == 6u);  // one HEAD shared by both forms
  BOOST_REQUIRE_EQUAL(all.manifests.size(), 1u);
  BOOST_TEST(all.manifests[0].valid_keys == 2u);
  BOOST_TEST(all.manifests[0].referrers_scheme == "api");
}

// A failed lookup is "could not check" with the registry's code, never "unsigned".
struct LookupFault {
  std::string path_part;
  int http_status;
  ErrorCode want;
};
std::ostream& operator<<(std::ostream& os, const LookupFault& f) {
  return os << f.path_part << " -> " << f.http_status;
}
const LookupFault kLookupFaults[] = {
    {"/referrers/", 403, ErrorCode::kPermissionDenied},
    {"/referrers/", 429, ErrorCode::kUnavailable},
    {"/referrers/", 503, ErrorCode::kUnavailable},
    {".sig", 500, ErrorCode::kUnavailable},
    {"/blobs/", 503, ErrorCode::kUnavailable},
};

BOOST_DATA_TEST_CASE_F(Fixture, LookupFailuresKeepTheirCode, boost::unit_test::data::make(kLookupFaults),
                       fault) {
  reg->referrers_api = true;
  Sign(*k1, sign::ImageSignatureFormat::kBundle);
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  reg->fault = [&](const registry::HttpRequest& req) -> std::optional<Result<registry::HttpResponse>> {
    if (req.method == "GET" && req.url.find(fault.path_part) != std::string::npos) {
      registry::HttpResponse r;
      r.status = fault.http_status;
      return Result<registry::HttpResponse>(r);
    }
    return std::nullopt;
  };
  // Threshold 2 with one key signing: the other form cannot make up for the failed lookup.
  VerifyImageRequest r;
  r.keys = {k1->PublicKey(), k2->PublicKey()};
  r.threshold = 2;
  auto repo = Repo();
  ImageReport rep = VerifyImage(*repo, r);
  BOOST_TEST(rep.status.code() == fault.want, rep.status.message());
  BOOST_TEST(rep.status.message().find("no signatures") == std::string::npos);
  BOOST_TEST(rep.status.message().find("could not check") != std::string::npos, rep.status.message());
}

BOOST_AUTO_TEST_CASE(RejectionsAreVerificationFailed) {
  // Unsigned.
  ImageReport u = Verify();
  BOOST_TEST(u.status.code() == ErrorCode::kVerificationFailed);
  BOOST_TEST(u.status.message().find("no signatures found") != std::string::npos, u.status.message());
  // Another key only.
  auto other = std::move(*keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  Sign(*other, sign::ImageSignatureFormat::kBundle);
  Sign(*other, sign::ImageSignatureFormat::kLegacy);
  ImageReport w = Verify();
  BOOST_TEST(w.status.code() == ErrorCode::kVerificationFailed);
  BOOST_REQUIRE_EQUAL(w.manifests.size(), 1u);
  BOOST_TEST(w.manifests[0].signatures.size() == 2u);
  for (const auto& f : w.manifests[0].signatures) {
    BOOST_TEST(f.reason == "signature does not verify with any trusted key");
  }
  // Annotations must match.
  Sign(*k1, sign::ImageSignatureFormat::kLegacy, {{"env", "prod"}});
  BOOST_TEST(Verify(SignatureForms::kAll, 1, {{"env", "prod"}}).status.ok());
  BOOST_TEST(Verify(SignatureForms::kAll, 1, {{"env", "dev"}}).status.code() ==
             ErrorCode::kVerificationFailed);
  // Threshold 2 with one trusted key signing.
  ImageReport t = Verify(SignatureForms::kAll, 2);
  BOOST_TEST(t.status.message().find("only 1 of the 2 required") != std::string::npos, t.status.message());
}

BOOST_AUTO_TEST_CASE(TamperedPayloadBlobIsRejectedNotAnError) {
  Sign(*k1, sign::ImageSignatureFormat::kLegacy);
  reg->fault = [](const registry::HttpRequest& req) -> std::optional<Result<registry::HttpResponse>> {
    if (req.method == "GET" && req.url.find("/blobs/") != std::string::npos) {
      registry::HttpResponse r;
      r.status = 200;
      r.body = ToBytes("{\"critical\":{}}");
      return Result<registry::HttpResponse>(r);
    }
    return std::nullopt;
  };
  ImageReport r = Verify(SignatureForms::kLegacy);
  BOOST_TEST(r.status.code() == ErrorCode::kVerificationFailed, r.status.message());
}

BOOST_AUTO_TEST_CASE(InvalidRequests) {
  VerifyImageRequest r;
  auto repo = Repo();
  BOOST_TEST(VerifyImage(*repo, r).status.code() == ErrorCode::kInvalidArgument);
  r.keys = {k1->PublicKey(), k1->PublicKey()};
  r.threshold = 2;  // the same key twice is one key
  BOOST_TEST(VerifyImage(*repo, r).status.code() == ErrorCode::kInvalidArgument);
  r.threshold = 0;
  BOOST_TEST(VerifyImage(*repo, r).status.code() == ErrorCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(SimpleSigningPayloadBytesMatchGo) {
  Digest d = *Digest::Parse("sha256:" + std::string(64, 'a'));
  BOOST_TEST(attest::MakeSimpleSigningPayload("ghcr.io/org/app", d, {}) ==
             R"({"critical":{"identity":{"docker-reference":"ghcr.io/org/app"},"image":{"docker-manifest-digest":"sha256:)" +
                 std::string(64, 'a') +
                 R"("},"type":"cosign container image signature"},"optional":null})");
  std::string with = attest::MakeSimpleSigningPayload(
      "r/a", d, {{"z", "1"}, {"a", "<&>\"\\\n\x01\xe2\x80\xa8\xff"}});
  BOOST_TEST(with.substr(with.find("\"optional\"")) ==
             R"("optional":{"a":"\u003c\u0026\u003e\"\\\n\u0001\u2028\ufffd","z":"1"}})");
  auto parsed = attest::ParseSimpleSigningPayload(AsBytes(with));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed->annotations.at("z") == "1");
  BOOST_TEST(!parsed->optional_null);
  BOOST_TEST(attest::ParseSimpleSigningPayload(AsBytes("{\"critical\":1}")).status().code() ==
             ErrorCode::kInvalidArgument);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
