// The registry client against the open fixture registry behind the fault proxy
// (tests/fixtures/fault_proxy.py through testutil's FaultProxy): bodies cut short or reset are
// retried and succeed when the fault passes, and stay "unavailable" (never a digest mismatch or
// "not found") when it does not; a dripping body is cut off by the request deadline; an
// oversize manifest is refused by the cap; a complete body with one bit flipped is a digest
// error; blob redirects are followed, and a redirect loop is cut off.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"

namespace vouch::registry {
namespace {

using vouch::testing::FaultProxy;
using vouch::testing::FaultRule;

// Through is a client of the fixture image fixture/single:v1 on |host_port| (the proxy),
// retrying 3 times without sleeping.
struct Through {
  explicit Through(const std::string& host_port,
                   std::chrono::milliseconds request_timeout = std::chrono::minutes(1)) {
    ClientOptions o;
    o.credentials = NewStaticCredentialStore("none", Credentials());
    o.retry.max_attempts = 3;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    CurlTransportOptions t;
    t.request_timeout = request_timeout;
    o.transport = NewCurlTransport(t);
    client = std::make_unique<Client>(o);
    auto r = client->Open(*ParseReference(host_port + "/fixture/single:v1"));
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().message());
    repo = std::move(*r);
  }
  std::unique_ptr<Client> client;
  std::unique_ptr<Repository> repo;
};

// Config is the config blob of fixture/single:v1 (read from the registry directly).
Descriptor Config() {
  Through t(vouch::testing::RegistryAddr("open"));
  auto m = t.repo->FetchManifest(vouch::testing::KnownDigest("single"));
  BOOST_REQUIRE_MESSAGE(m.ok(), m.status().message());
  auto view = ParseManifest(m->bytes, m->media_type);
  BOOST_REQUIRE(view.ok() && view->config.has_value());
  return *view->config;
}

const std::string kManifestPath = "/manifests/sha256:";
const std::string kBlobPath = "/blobs/sha256:";
// The faults that cut a body short: (action, extra fields).
const std::vector<std::pair<std::string, std::string>> kFaults = {
    {"truncate", ""}, {"reset", R"(, "bytes": 10)"}, {"reset", ""}};

BOOST_AUTO_TEST_SUITE(FaultProxyFaults)

BOOST_AUTO_TEST_CASE(TransientTruncationAndResetAreRetried) {
  const std::string single = vouch::testing::KnownDigest("single");
  const Descriptor config = Config();
  FaultProxy proxy(vouch::testing::RegistryAddr("open"));
  for (const auto& [action, extra] : kFaults) {
    const std::string fault = action + extra;
    proxy.SetRules(FaultRule(kManifestPath, action, extra + R"(, "count": 2)"));
    int before = proxy.Faults();
    Through t(proxy.host_port());
    auto m = t.repo->FetchManifest(single);
    BOOST_TEST(m.ok(), fault << ": " << m.status().message());
    BOOST_TEST(proxy.Faults() - before == 2, proxy.Log());

    proxy.SetRules(FaultRule(kBlobPath, action, extra + R"(, "count": 2)"));
    before = proxy.Faults();
    auto b = t.repo->FetchBlob(config.digest, config.size);
    BOOST_TEST(b.ok(), fault << ": " << b.status().message());
    BOOST_TEST(proxy.Faults() - before == 2, proxy.Log());
  }
}

BOOST_AUTO_TEST_CASE(PersistentTruncationAndResetAreUnavailable) {
  const std::string single = vouch::testing::KnownDigest("single");
  const Descriptor config = Config();
  FaultProxy proxy(vouch::testing::RegistryAddr("open"));
  for (const auto& [action, extra] : kFaults) {
    const std::string fault = action + extra;
    const bool truncated = action == "truncate";
    proxy.SetRules(FaultRule(kManifestPath, action, extra));
    int before = proxy.Faults();
    Through t(proxy.host_port());
    auto m = t.repo->FetchManifest(single);
    BOOST_REQUIRE(!m.ok());
    BOOST_TEST(IsUnavailable(m.status()), fault << ": " << m.status().message());
    BOOST_TEST(IsTruncatedResponse(m.status()) == truncated, m.status().message());
    BOOST_TEST(proxy.Faults() - before == 3, proxy.Log());  // every attempt saw the fault

    proxy.SetRules(FaultRule(kBlobPath, action, extra));
    auto b = t.repo->FetchBlob(config.digest, config.size);
    BOOST_REQUIRE(!b.ok());
    BOOST_TEST(IsUnavailable(b.status()), fault << ": " << b.status().message());
    BOOST_TEST(IsTruncatedResponse(b.status()) == truncated, b.status().message());
    // Streamed downloads classify the same way.
    auto s = t.repo->FetchBlobStream(config.digest, config.size,
                                     [](uint64_t, ByteView) { return OkStatus(); });
    BOOST_TEST(IsUnavailable(s), fault << " (stream): " << s.message());
  }
}

BOOST_AUTO_TEST_CASE(DripIsCutOffByTheRequestDeadline) {
  const Descriptor config = Config();
  BOOST_REQUIRE_GT(config.size, 20);  // at 10 bytes/s longer than the 1 s deadline
  FaultProxy proxy(vouch::testing::RegistryAddr("open"),
                   FaultRule(kBlobPath + config.digest.Hex(), "drip", R"(, "rate": 10)"));
  Through t(proxy.host_port(), std::chrono::seconds(1));
  auto b = t.repo->FetchBlob(config.digest, config.size);
  BOOST_REQUIRE(!b.ok());
  BOOST_TEST((b.status().code() == ErrorCode::kDeadlineExceeded), b.status().message());
  BOOST_TEST(proxy.Faults() == 1, proxy.Log());  // a deadline is not retried
}

BOOST_AUTO_TEST_CASE(OversizeManifestIsRefusedByTheCap) {
  FaultProxy proxy(
      vouch::testing::RegistryAddr("open"),
      FaultRule(kManifestPath, "oversize", R"(, "size": )" + std::to_string((4 << 20) + 1)));
  Through t(proxy.host_port());
  auto m = t.repo->FetchManifest(vouch::testing::KnownDigest("single"));
  BOOST_REQUIRE(!m.ok());
  BOOST_TEST(IsResourceExhausted(m.status()), m.status().message());
}

BOOST_AUTO_TEST_CASE(WrongDigestIsADigestError) {
  const Descriptor config = Config();
  FaultProxy proxy(vouch::testing::RegistryAddr("open"), FaultRule(kBlobPath, "wrong-digest"));
  Through t(proxy.host_port());
  auto b = t.repo->FetchBlob(config.digest, config.size);
  BOOST_REQUIRE(!b.ok());
  BOOST_TEST(IsDataLoss(b.status()), b.status().message());
  proxy.SetRules(FaultRule(kManifestPath, "wrong-digest"));
  auto m = t.repo->FetchManifest(vouch::testing::KnownDigest("single"));
  BOOST_REQUIRE(!m.ok());
  BOOST_TEST(IsDataLoss(m.status()), m.status().message());
  // By tag the bytes are checked against Docker-Content-Digest.
  proxy.SetRules(FaultRule("/manifests/v1$", "wrong-digest"));
  auto tagged = t.repo->FetchManifest("v1");
  BOOST_REQUIRE(!tagged.ok());
  BOOST_TEST(IsDataLoss(tagged.status()), tagged.status().message());
}

BOOST_AUTO_TEST_CASE(BlobRedirectsAreFollowedAndBounded) {
  const Descriptor config = Config();
  const std::string path = "/v2/fixture/single/blobs/" + config.digest.ToString();
  // To the registry itself, on another port (a CDN's place): followed.
  FaultProxy proxy(
      vouch::testing::RegistryAddr("open"),
      FaultRule(kBlobPath, "redirect",
                R"(, "location": "http://)" + vouch::testing::RegistryAddr("open") + path + "\""));
  Through t(proxy.host_port());
  auto b = t.repo->FetchBlob(config.digest, config.size);
  BOOST_TEST(b.ok(), b.status().message());
  BOOST_TEST(proxy.Faults() == 1, proxy.Log());
  // Back to the proxy for ever: cut off after max_redirects (10) hops, "unavailable".
  proxy.SetRules(FaultRule(kBlobPath, "redirect",
                           R"(, "location": "http://)" + proxy.host_port() + path + "\""));
  auto loop = t.repo->FetchBlob(config.digest, config.size);
  BOOST_REQUIRE(!loop.ok());
  BOOST_TEST(IsUnavailable(loop.status()), loop.status().message());
  BOOST_TEST(loop.status().message().find("redirects") != std::string::npos,
             loop.status().message());
  BOOST_TEST(proxy.Faults() == 1 + 11, proxy.Log());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry
