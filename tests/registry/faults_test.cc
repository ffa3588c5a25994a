// Fault injection through the fake transport: every fault gives its own error code, and no
// retry loop is unbounded (sleeps are recorded, never slept).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/registry/client.h"

namespace vouch::registry::testing {
namespace {

using std::chrono::milliseconds;

HttpResponse Answer(int code, const std::string& retry_after = "") {
  HttpResponse r;
  r.status = code;
  if (!retry_after.empty()) {
    r.headers.Add("Retry-After", retry_after);
  }
  return r;
}

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::vector<milliseconds> sleeps;
  std::string digest;
  Fixture() { digest = PushImage(*reg, "app", "v1", "amd64"); }
  // FailFirst makes the first |n| registry requests answer |resp| (or |err|).
  void FailFirst(int n, std::optional<HttpResponse> resp, Status err = OkStatus()) {
    auto left = std::make_shared<int>(n);
    reg->fault = [=](const HttpRequest&) -> std::optional<Result<HttpResponse>> {
      if (*left == 0) {
        return std::nullopt;
      }
      --*left;
      if (resp) {
        return Result<HttpResponse>(*resp);
      }
      return Result<HttpResponse>(err);
    };
  }
  Result<Descriptor> Resolve(ClientOptions o) {
    Client c(std::move(o));
    auto repo = c.Open(*ParseReference("reg.test/app:v1"));
    return (*repo)->Resolve("v1");
  }
};

BOOST_FIXTURE_TEST_SUITE(Faults, Fixture)

BOOST_DATA_TEST_CASE_F(Fixture, TransientServerErrorsAreRetried,
                       boost::unit_test::data::make({500, 502, 503, 504}), code) {
  FailFirst(2, Answer(code));
  auto r = Resolve(FastOptions(reg, &sleeps));
  BOOST_TEST(r.ok(), r.status().ToString());
  BOOST_TEST(sleeps.size() == 2u);
  BOOST_TEST(sleeps[1] > sleeps[0]);  // exponential
}

BOOST_DATA_TEST_CASE_F(Fixture, PersistentServerErrorsGiveUp,
                       boost::unit_test::data::make({500, 502, 503}), code) {
  FailFirst(1000, Answer(code));
  auto o = FastOptions(reg, &sleeps);
  o.retry.max_attempts = 4;
  auto r = Resolve(o);
  BOOST_TEST(IsUnavailable(r.status()), r.status().ToString());
  BOOST_TEST(reg->requests.size() == 4u);
  BOOST_TEST(sleeps.size() == 3u);
}

BOOST_AUTO_TEST_CASE(ThrottledWithRetryAfterIsHonoured) {
  FailFirst(1, Answer(429, "3"));
  auto r = Resolve(FastOptions(reg, &sleeps));
  BOOST_TEST(r.ok());
  BOOST_REQUIRE(sleeps.size() == 1u);
  BOOST_TEST(sleeps[0] >= milliseconds(3000));
}

BOOST_AUTO_TEST_CASE(ThrottledBeyondBudgetIsRegistryThrottled) {
  FailFirst(1000, Answer(429, "3600"));
  auto r = Resolve(FastOptions(reg, &sleeps));
  BOOST_TEST(IsUnavailable(r.status()));
  BOOST_TEST(r.status().message().starts_with("registry throttled"), r.status().message());
  BOOST_TEST(sleeps.empty());  // the wait exceeds max_total: no sleeping at all
  BOOST_TEST(!IsNotFound(r.status()));
}

BOOST_AUTO_TEST_CASE(ThrottledWithoutRetryAfterIsBounded) {
  FailFirst(1000, Answer(429));
  auto r = Resolve(FastOptions(reg, &sleeps));
  BOOST_TEST(r.status().message().starts_with("registry throttled"), r.status().message());
  BOOST_TEST(reg->requests.size() == 5u);
  milliseconds total{0};
  for (auto s : sleeps) {
    total += s;
  }
  BOOST_TEST(total.count() <= 30000);
}

BOOST_AUTO_TEST_CASE(RetryAfterHttpDate) {
  FailFirst(1, Answer(429, "Wed, 21 Oct 2015 07:28:00 GMT"));  // in the past: retry at once
  BOOST_TEST(Resolve(FastOptions(reg, &sleeps)).ok());
}

BOOST_AUTO_TEST_CASE(ConnectionResetIsRetried) {
  FailFirst(2, std::nullopt, UnavailableError("Recv failure: Connection reset by peer"));
  BOOST_TEST(Resolve(FastOptions(reg, &sleeps)).ok());
  FailFirst(1000, std::nullopt, UnavailableError("Connection refused"));
  auto r = Resolve(FastOptions(reg, &sleeps));
  BOOST_TEST(IsUnavailable(r.status()));
  BOOST_TEST(r.status().message().find("attempt") != std::string::npos);
}

// A body cut short is "could not check": retried like a connection reset, then kUnavailable,
// never kDataLoss (which the verifier treats as a corrupt object, i.e. a rejection).
BOOST_AUTO_TEST_CASE(TruncatedBodyIsRetriedThenUnavailable) {
  // What the curl transport answers for a body shorter than its Content-Length.
  Status cut = TruncatedResponseError("GET https://reg.test/v2/app/manifests/v1: transfer closed");
  BOOST_TEST(IsUnavailable(cut));
  FailFirst(2, std::nullopt, cut);
  Client c(FastOptions(reg, &sleeps));
  auto repo = *c.Open(*ParseReference("reg.test/app:v1"));
  auto ok = repo->FetchManifest("v1");
  BOOST_TEST(ok.ok(), ok.status().ToString());
  BOOST_TEST(sleeps.size() == 2u);
  FailFirst(1000, std::nullopt, cut);
  auto r = repo->FetchManifest("v1");
  BOOST_TEST(r.status().code() == ErrorCode::kUnavailable, r.status().ToString());
  BOOST_TEST(IsTruncatedResponse(r.status()));
}

BOOST_AUTO_TEST_CASE(ShortManifestBodyUnderContentLengthIsRetried) {
  // The body stops before the announced Content-Length (a transport that did not notice): a
  // truncation, retried, not a digest mismatch.
  reg->short_bodies = 1;
  reg->short_bodies_announce_length = true;
  Client c(FastOptions(reg, &sleeps));
  auto repo = *c.Open(*ParseReference("reg.test/app:v1"));
  auto m = repo->FetchManifest(digest);
  BOOST_TEST(m.ok(), m.status().ToString());
  BOOST_TEST(reg->CountRequests("GET /v2/app/manifests/") == 2);
  reg->short_bodies = 1000;
  auto r = repo->FetchManifest(digest);
  BOOST_TEST(r.status().code() == ErrorCode::kUnavailable, r.status().ToString());
  BOOST_TEST(IsTruncatedResponse(r.status()));
}

BOOST_AUTO_TEST_CASE(ShortBlobBodyIsRetriedThenUnavailable) {
  // No Content-Length (a connection-delimited body): the descriptor's size tells.
  const std::string layer = "layer bytes for amd64";
  const Digest d = *Digest::Parse(Sha(layer));
  const auto size = static_cast<int64_t>(layer.size());
  reg->short_bodies = 2;
  Client c(FastOptions(reg, &sleeps));
  auto repo = *c.Open(*ParseReference("reg.test/app:v1"));
  auto b = repo->FetchBlob(d, size);
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(ToString(*b) == layer);
  BOOST_TEST(reg->CountRequests("GET /v2/app/blobs/") == 3);
  reg->short_bodies = 1000;
  auto r = repo->FetchBlob(d, size);
  BOOST_TEST(r.status().code() == ErrorCode::kUnavailable, r.status().ToString());
  BOOST_TEST(IsTruncatedResponse(r.status()));
}

BOOST_AUTO_TEST_CASE(ShortStreamedBlobIsRetriedThenUnavailable) {
  const std::string layer = "layer bytes for amd64";
  const Digest d = *Digest::Parse(Sha(layer));
  const auto size = static_cast<int64_t>(layer.size());
  std::string got;
  BlobSink sink = [&](uint64_t offset, ByteView piece) {
    got.resize(offset);  // a retried download starts over at 0
    got += ToString(Bytes(piece.begin(), piece.end()));
    return OkStatus();
  };
  reg->short_bodies = 1;
  Client c(FastOptions(reg, &sleeps));
  auto repo = *c.Open(*ParseReference("reg.test/app:v1"));
  Status s = repo->FetchBlobStream(d, size, sink);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(got == layer);
  reg->short_bodies = 1000;
  s = repo->FetchBlobStream(d, size, sink);
  BOOST_TEST(s.code() == ErrorCode::kUnavailable, s.ToString());
  BOOST_TEST(IsTruncatedResponse(s));
}

BOOST_AUTO_TEST_CASE(CompleteBlobWithWrongBytesStaysDataLoss) {
  // Tampering, not truncation: the whole announced body arrived and does not match its digest.
  const std::string layer = "layer bytes for amd64";
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.find("/blobs/") == std::string::npos) {
      return std::nullopt;
    }
    HttpResponse resp;
    resp.status = 200;
    resp.body = ToBytes(std::string(layer.size(), 'x'));
    resp.headers.Add("Content-Length", std::to_string(layer.size()));
    return Result<HttpResponse>(resp);
  };
  Client c(FastOptions(reg, &sleeps));
  auto r = (*c.Open(*ParseReference("reg.test/app:v1")))
               ->FetchBlob(*Digest::Parse(Sha(layer)), static_cast<int64_t>(layer.size()));
  BOOST_TEST(IsDataLoss(r.status()), r.status().ToString());
  BOOST_TEST(reg->requests.size() == 1u);  // not retried
}

BOOST_AUTO_TEST_CASE(MalformedJsonIsDataLoss) {
  std::string bad = "{\"schemaVersion\":2,";
  std::string d = reg->AddManifest("app", "bad", bad, "application/vnd.oci.image.manifest.v1+json");
  Client c(FastOptions(reg));
  auto repo = *c.Open(*ParseReference("reg.test/app:bad"));
  BOOST_TEST(IsDataLoss(repo->FetchManifest("bad").status()));
  BOOST_TEST(IsDataLoss(repo->FetchManifest(d).status()));
  // Malformed tags list and referrers answers too.
  reg->fault = [](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.find("tags/list") != std::string::npos) {
      HttpResponse resp;
      resp.status = 200;
      resp.body = ToBytes("[not json");
      return Result<HttpResponse>(resp);
    }
    return std::nullopt;
  };
  BOOST_TEST(IsDataLoss(repo->ListTags().status()));
}

BOOST_AUTO_TEST_CASE(OversizedBodyIsResourceExhausted) {
  std::string huge = std::string(5 << 20, ' ');
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.body.size() > r.max_response_bytes) {
      return std::nullopt;
    }
    if (huge.size() > r.max_response_bytes) {
      return Result<HttpResponse>(ResourceExhaustedError("response larger than the cap"));
    }
    return std::nullopt;
  };
  Client c(FastOptions(reg));
  auto r = (*c.Open(*ParseReference("reg.test/app:v1")))->FetchManifest("v1");
  BOOST_TEST(IsResourceExhausted(r.status()));
}

BOOST_AUTO_TEST_CASE(RedirectLoopIsBounded) {
  reg->fault = [](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.find("/blobs/") != std::string::npos) {
      HttpResponse resp;
      resp.status = 302;
      resp.headers.Add("Location", r.url);  // to itself, forever
      return Result<HttpResponse>(resp);
    }
    return std::nullopt;
  };
  Client c(FastOptions(reg));
  auto r = (*c.Open(*ParseReference("reg.test/app:v1")))->FetchBlob(Digest::Of(AsBytes("x")), 1);
  BOOST_TEST(IsUnavailable(r.status()));
  BOOST_TEST(r.status().message().find("redirects") != std::string::npos);
  BOOST_TEST(reg->requests.size() == 11u);
}

BOOST_AUTO_TEST_CASE(BlobDigestMismatchIsDataLoss) {
  std::string layer = "layer bytes for amd64";
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.find("/blobs/") != std::string::npos) {
      HttpResponse resp;
      resp.status = 200;
      resp.body = ToBytes(std::string(layer.size(), 'x'));
      return Result<HttpResponse>(resp);
    }
    return std::nullopt;
  };
  Client c(FastOptions(reg));
  auto r = (*c.Open(*ParseReference("reg.test/app:v1")))
               ->FetchBlob(*Digest::Parse(Sha(layer)), static_cast<int64_t>(layer.size()));
  BOOST_TEST(IsDataLoss(r.status()));
}

BOOST_AUTO_TEST_CASE(ReferrersErrorsAreNotEmpty) {
  // Only 404 means "no API": 401/403/429/5xx are errors, never "no referrers".
  for (int code : {401, 403, 429, 500}) {
    reg->fault = [code](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
      if (r.url.find("/referrers/") != std::string::npos) {
        HttpResponse resp;
        resp.status = code;
        return Result<HttpResponse>(resp);
      }
      return std::nullopt;
    };
    Client c(FastOptions(reg, &sleeps));
    auto r = (*c.Open(*ParseReference("reg.test/app:v1")))
                 ->ListReferrers(*Digest::Parse(digest), "");
    BOOST_TEST(!r.ok(), code);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
