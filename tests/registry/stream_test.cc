// Streaming blob copies (memory bounded whatever the blob size) and upload sessions: cancelled
// on failure, continued after a 202 mount, resumed after a 416.
#include <boost/test/unit_test.hpp>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "testutil/testutil.h"
#include "vouch/registry/client.h"
#include "vouch/registry/operations.h"

namespace vouch::registry::testing {
namespace {

constexpr uint64_t kCap = 256 << 10;  // the in-memory blob cap these tests use

std::string BigLayer() {
  std::string s;
  s.reserve(3 << 20);
  for (size_t i = 0; s.size() < (3u << 20); ++i) {
    s += "layer line " + std::to_string(i) + "\n";
  }
  return s;
}

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::string big = BigLayer();
  std::string image_digest;
  Fixture() {
    std::string config = R"({"architecture":"amd64","os":"linux"})";
    reg->AddBlob("src/big", config);
    reg->AddBlob("src/big", big);
    image_digest = reg->AddManifest("src/big", "v1", ImageManifest(config, big),
                                    std::string(kOciManifest));
  }
  ClientOptions Options() {
    reg->refuse_mounts = true;  // copies within the fake then really move the bytes
    ClientOptions o = FastOptions(reg);
    o.max_blob_bytes = kCap;
    return o;
  }
  std::unique_ptr<Repository> Open(Client& c, const std::string& ref, Access a = Access::kPull) {
    auto r = c.Open(*ParseReference(ref), a);
    BOOST_REQUIRE(r.ok());
    return std::move(r).value();
  }
};

BOOST_FIXTURE_TEST_SUITE(StreamTests, Fixture)

BOOST_AUTO_TEST_CASE(InMemoryFetchIsCapped) {
  Client c(Options());
  auto src = Open(c, "reg.test/src/big:v1");
  auto r = src->FetchBlob(Digest::Of(AsBytes(big)), static_cast<int64_t>(big.size()));
  BOOST_TEST(r.status().code() == ErrorCode::kResourceExhausted);
}

BOOST_AUTO_TEST_CASE(CopyStreamsBlobLargerThanTheCap) {
  BOOST_REQUIRE(big.size() > kCap);
  Client c(Options());
  auto from = Open(c, "reg.test/src/big:v1");
  auto to = Open(c, "reg.test/dst/big:v1", Access::kPullPush);
  CopyOptions opts;
  opts.in_memory_blob_bytes = 4 << 10;
  auto r = CopyImage(*from, *to, opts);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(reg->HasBlob("dst/big", Sha(big)));
  BOOST_TEST(*reg->TagDigest("dst/big", "v1") == image_digest);
  // Memory stayed bounded: no request or response held more than the cap in memory, and the
  // big blob went through in pieces in both directions.
  BOOST_TEST(reg->max_request_body <= kCap);
  BOOST_TEST(reg->max_response_body <= kCap);
  BOOST_TEST(reg->streamed_down_pieces >= big.size() / FakeRegistry::kStreamPiece);
  BOOST_TEST(reg->streamed_up_pieces >= big.size() / FakeRegistry::kStreamPiece);
  BOOST_TEST(r->bytes_copied >= big.size());
  // Each blob continued in the session its refused mount opened; none is left open.
  BOOST_TEST(reg->CountRequests("POST /v2/dst/big/blobs/uploads/?mount=") == 2);
  BOOST_TEST(reg->CountRequests("POST") == 2);  // only the mounts
  BOOST_TEST(reg->OpenUploads() == 0u);
}

BOOST_AUTO_TEST_CASE(StreamedDigestMismatchAbortsBeforeUploadAndManifests) {
  // The registry serves corrupted bytes for the big layer.
  std::string digest = Sha(big);
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "GET" && r.url.ends_with("/blobs/" + digest)) {
      HttpResponse resp;
      resp.status = 200;
      std::string bad = big;
      bad[12345] ^= 1;
      resp.body = ToBytes(bad);
      return Result<HttpResponse>(std::move(resp));
    }
    return std::nullopt;
  };
  Client c(Options());
  auto from = Open(c, "reg.test/src/big:v1");
  auto to = Open(c, "reg.test/dst/big:v1", Access::kPullPush);
  CopyOptions opts;
  opts.in_memory_blob_bytes = 4 << 10;
  opts.parallelism = 1;
  auto r = CopyImage(*from, *to, opts);
  BOOST_TEST(r.status().code() == ErrorCode::kDataLoss, r.status().ToString());
  BOOST_TEST(!reg->HasBlob("dst/big", digest));
  BOOST_TEST(reg->CountRequests("PUT /v2/dst/big/manifests/") == 0);
  BOOST_TEST(reg->CountRequests("PUT /v2/dst/big/blobs/uploads/") <= 1);  // the small config
  BOOST_TEST(!reg->TagDigest("dst/big", "v1").has_value());
}

BOOST_AUTO_TEST_CASE(LayoutRoundTripStreamsBigBlob) {
  vouch::testing::TempDir dir;
  Client c(Options());
  auto from = Open(c, "reg.test/src/big:v1");
  auto lay = Open(c, "oci:" + dir.File("lay") + ":v1", Access::kPullPush);
  CopyOptions opts;
  opts.in_memory_blob_bytes = 4 << 10;
  auto r = CopyImage(*from, *lay, opts);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  auto back = Open(c, "reg.test/back/big:v1", Access::kPullPush);
  auto lay2 = Open(c, "oci:" + dir.File("lay") + ":v1");
  auto r2 = CopyImage(*lay2, *back, opts);
  BOOST_REQUIRE_MESSAGE(r2.ok(), r2.status().ToString());
  BOOST_TEST(reg->HasBlob("back/big", Sha(big)));
  BOOST_TEST(reg->max_request_body <= kCap);
}

BOOST_AUTO_TEST_CASE(FailedUploadCancelsTheSession) {
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "PUT" && r.url.find("/blobs/uploads/") != std::string::npos) {
      HttpResponse resp;
      resp.status = 400;
      resp.body = ToBytes(R"({"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"nope"}]})");
      return Result<HttpResponse>(std::move(resp));
    }
    return std::nullopt;
  };
  Client c(Options());
  auto repo = Open(c, "reg.test/dst/x:v1", Access::kPullPush);
  std::string data = "some blob";
  Status s = repo->PushBlob(Digest::Of(AsBytes(data)), AsBytes(data));
  BOOST_TEST(!s.ok());
  BOOST_TEST(reg->uploads_cancelled == 1);
  BOOST_TEST(reg->OpenUploads() == 0u);
  BOOST_TEST(reg->CountRequests("DELETE /v2/dst/x/blobs/uploads/") == 1);
}

BOOST_AUTO_TEST_CASE(MountAnswering202ContinuesInThatSession) {
  // The source repository does not have the blob: the mount opens an upload session (202),
  // and the push uses it instead of POSTing another.
  Client c(Options());
  auto repo = Open(c, "reg.test/dst/x:v1", Access::kPullPush);
  std::string data = "not in the source";
  Digest d = Digest::Of(AsBytes(data));
  auto mounted = repo->MountBlob(d, *ParseReference("reg.test/elsewhere/y:v1"));
  BOOST_REQUIRE(mounted.ok());
  BOOST_TEST(!*mounted);
  BOOST_TEST(reg->OpenUploads() == 1u);
  reg->requests.clear();
  BOOST_REQUIRE(repo->PushBlob(d, AsBytes(data)).ok());
  BOOST_TEST(reg->CountRequests("POST") == 0);
  BOOST_TEST(reg->OpenUploads() == 0u);
  BOOST_TEST(reg->HasBlob("dst/x", d.ToString()));
}

BOOST_AUTO_TEST_CASE(ChunkRefusedWith416ResumesFromRegistryOffset) {
  ClientOptions o = Options();
  o.chunk_size = 4;
  Client c(o);
  auto repo = Open(c, "reg.test/dst/x:v1", Access::kPullPush);
  int patches = 0;
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "PATCH" && ++patches == 2) {
      HttpResponse resp;
      resp.status = 416;
      return Result<HttpResponse>(std::move(resp));
    }
    return std::nullopt;
  };
  std::string data = "0123456789abcdef";
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(data)), AsBytes(data)).ok());
  BOOST_TEST(reg->HasBlob("dst/x", Sha(data)));
  BOOST_TEST(reg->CountRequests("GET /v2/dst/x/blobs/uploads/") == 1);  // the progress query
  BOOST_TEST(reg->CountRequests("PATCH") == 4);  // 0-3, (416), 4-7 again, 8-11
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
