// Client against the fake registry: resolve/fetch with digest checks, auth flows, caps.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/registry/client.h"

namespace vouch::registry::testing {
namespace {

struct Fixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::string digest;
  Fixture() { digest = PushImage(*reg, "team/app", "v1", "amd64"); }

  std::unique_ptr<Repository> Open(Client& c, const std::string& ref,
                                   Access access = Access::kPull) {
    auto r = ParseReference(ref);
    BOOST_REQUIRE(r.ok());
    auto repo = c.Open(*r, access);
    BOOST_REQUIRE(repo.ok());
    return std::move(repo).value();
  }
};

// Where the credentials of a registry may go (origin, target, allowed).
struct CredentialCase {
  const char* origin;
  const char* target;
  bool allowed;
};
std::ostream& operator<<(std::ostream& os, const CredentialCase& c) {
  return os << c.origin << " -> " << c.target;
}
const CredentialCase kCredentialCases[] = {
    {"https://reg.test", "https://reg.test/v2/a/tags/list?last=x", true},
    {"https://reg.test", "https://REG.test:443/v2/", true},  // case, default port
    {"https://reg.test:443", "https://reg.test/v2/", true},
    {"http://127.0.0.1:5000", "http://127.0.0.1:5000/v2/", true},
    {"http://127.0.0.1:5000", "https://127.0.0.1:5000/v2/", true},  // upgrade, same port
    {"https://reg.test", "http://reg.test/v2/", false},            // downgrade, same host
    {"https://reg.test:5000", "http://reg.test:5000/v2/", false},  // downgrade, same port
    {"https://reg.test", "https://cdn.test/blob", false},          // another host
    {"https://reg.test", "https://reg.test:8443/v2/", false},      // another port
    {"https://reg.test", "https://reg.test.evil/v2/", false},
    {"https://reg.test", "https://evil@reg.test.evil/v2/", false},
    {"https://reg.test", "https://reg.test@evil.test/v2/", false},  // userinfo is not the host
    {"http://reg.test", "https://reg.test/v2/", false},  // ports 80 and 443: another server
    {"https://[::1]:5000", "https://[::1]:5000/v2/", true},
    {"https://[::1]:5000", "https://[::1]:5001/v2/", false},
    {"https://reg.test", "ftp://reg.test/v2/", false},
    {"https://reg.test", "/v2/relative", false},
    {"https://reg.test", "https:///v2/", false},
};

BOOST_DATA_TEST_CASE(MaySendCredentialsOnlyToTheSameOriginWithoutDowngrade,
                     boost::unit_test::data::make(kCredentialCases), c) {
  BOOST_TEST(MaySendCredentials(c.origin, c.target) == c.allowed);
}

BOOST_FIXTURE_TEST_SUITE(ClientTests, Fixture)

BOOST_AUTO_TEST_CASE(TagsLinkToAnotherHostGetsNoCredentials) {
  reg->auth = FakeRegistry::Auth::kBasic;
  reg->tags_page_size = 2;
  reg->link_base = "https://mirror.test:8443";
  reg->mirror_hosts = {"mirror.test:8443"};
  for (const char* t : {"a", "b", "c", "d", "e"}) {
    reg->AddManifest("team/app", t, *reg->ManifestBytes("team/app", "v1"),
                     std::string(kOciManifest));
  }
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  auto tags = Open(c, "reg.test/team/app:v1")->ListTags();
  BOOST_REQUIRE_MESSAGE(tags.ok(), tags.status().ToString());
  BOOST_TEST(tags->size() == 6u);
  BOOST_TEST(reg->CountRequests("GET mirror.test:8443/v2/team/app/tags/list") == 2);
  BOOST_TEST(!reg->authorized_urls.empty());  // the first page, on reg.test, had them
  for (const std::string& u : reg->authorized_urls) {
    BOOST_TEST(u.starts_with("https://reg.test/"), u);
  }
}

BOOST_AUTO_TEST_CASE(TagsLinkOnTheSameOriginKeepsCredentials) {
  reg->auth = FakeRegistry::Auth::kBasic;
  reg->tags_page_size = 2;
  reg->link_base = "https://reg.test";
  for (const char* t : {"a", "b", "c"}) {
    reg->AddManifest("team/app", t, *reg->ManifestBytes("team/app", "v1"),
                     std::string(kOciManifest));
  }
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  auto tags = Open(c, "reg.test/team/app:v1")->ListTags();
  BOOST_REQUIRE_MESSAGE(tags.ok(), tags.status().ToString());
  BOOST_TEST(tags->size() == 4u);
  BOOST_TEST(reg->authorized_urls.size() == 2u);  // both pages (after the first 401)
}

BOOST_AUTO_TEST_CASE(TagsLinkDownToPlainHttpGetsNoCredentials) {
  reg->auth = FakeRegistry::Auth::kBasic;
  reg->tags_page_size = 2;
  reg->link_base = "http://reg.test";
  for (const char* t : {"a", "b", "c"}) {
    reg->AddManifest("team/app", t, *reg->ManifestBytes("team/app", "v1"),
                     std::string(kOciManifest));
  }
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  (void)Open(c, "reg.test/team/app:v1")->ListTags();  // the fake speaks only https
  BOOST_TEST(reg->CountRequests("GET /v2/team/app/tags/list?n=2") >= 1);
  for (const std::string& u : reg->authorized_urls) {
    BOOST_TEST(!u.starts_with("http://"), u);
  }
}

BOOST_AUTO_TEST_CASE(BlobRedirectDownToPlainHttpGetsNoCredentials) {
  reg->auth = FakeRegistry::Auth::kBasic;
  reg->redirect_blobs = true;
  reg->blob_redirect_base = "http://reg.test/v2/team/app";  // same host, cleartext
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  std::string layer = "layer bytes for amd64";
  (void)Open(c, "reg.test/team/app:v1")
      ->FetchBlob(*Digest::Parse(Sha(layer)), static_cast<int64_t>(layer.size()));
  BOOST_TEST(reg->CountRequests("GET /v2/team/app/blobs") >= 2);  // https, then the http hop
  BOOST_TEST(!reg->authorized_urls.empty());
  for (const std::string& u : reg->authorized_urls) {
    BOOST_TEST(!u.starts_with("http://"), u);
  }
}

BOOST_AUTO_TEST_CASE(ResolveIsOneHeadWithAllFourAcceptTypes) {
  std::vector<std::string> accepts;
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    accepts.push_back(r.headers.Get("Accept").value_or(""));
    return std::nullopt;
  };
  Client c(FastOptions(reg));
  auto repo = Open(c, "reg.test/team/app:v1");
  auto d = repo->Resolve("v1");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->digest.ToString() == digest);
  BOOST_TEST(reg->requests.size() == 1u);
  BOOST_TEST(reg->requests[0] == "HEAD /v2/team/app/manifests/v1");
  BOOST_TEST(c.request_count() == 1u);
  for (const char* t : {"application/vnd.oci.image.index.v1+json",
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.docker.distribution.manifest.v2+json"}) {
    BOOST_TEST(accepts[0].find(t) != std::string::npos, t);
  }
  BOOST_TEST(IsNotFound(repo->Resolve("nope").status()));
}

// ExpandImage takes a descriptor the caller already resolved the tag to, and then makes no
// request for a single-platform image; a descriptor of another digest is ignored (HEAD).
BOOST_AUTO_TEST_CASE(ExpandImageReusesADescriptorOfTheSameDigest) {
  Client c(FastOptions(reg));
  auto tagged = Open(c, "reg.test/team/app:v1");
  auto resolved = tagged->Resolve("v1");
  BOOST_REQUIRE(resolved.ok());
  auto pinned = Open(c, "reg.test/team/app@" + digest);
  reg->requests.clear();
  ExpandOptions options;
  options.resolved = *resolved;
  auto same = ExpandImage(*pinned, options);
  BOOST_REQUIRE(same.ok());
  BOOST_TEST(same->root.digest.ToString() == digest);
  BOOST_TEST(same->root.media_type == resolved->media_type);
  BOOST_TEST(reg->requests.empty());

  options.resolved->digest = Digest::Of(ToBytes("another manifest"));
  auto other = ExpandImage(*pinned, options);
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(other->root.digest.ToString() == digest);
  BOOST_TEST(reg->requests.size() == 1u);
  BOOST_TEST(reg->requests.at(0) == "HEAD /v2/team/app/manifests/" + digest);
}

BOOST_AUTO_TEST_CASE(FetchManifestChecksDigest) {
  Client c(FastOptions(reg));
  auto repo = Open(c, "reg.test/team/app:v1");
  auto m = repo->FetchManifest(digest);
  BOOST_REQUIRE(m.ok());
  BOOST_TEST(m->digest.ToString() == digest);
  BOOST_TEST(m->media_type == "application/vnd.oci.image.manifest.v1+json");
  // The registry serves other bytes for the digest: kDataLoss, not parsed.
  reg->fault = [&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "GET" && r.url.find("/manifests/") != std::string::npos) {
      HttpResponse resp;
      resp.status = 200;
      resp.body = ToBytes(R"({"schemaVersion":2,"tampered":true})");
      resp.headers.Add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
      resp.headers.Add("Docker-Content-Digest", digest);
      return Result<HttpResponse>(resp);
    }
    return std::nullopt;
  };
  BOOST_TEST(IsDataLoss(repo->FetchManifest(digest).status()));
  BOOST_TEST(IsDataLoss(repo->FetchManifest("v1").status()));  // by tag: header digest checked
}

BOOST_AUTO_TEST_CASE(BlobsCheckedAndRedirectDropsAuthorization) {
  reg->auth = FakeRegistry::Auth::kBasic;
  reg->redirect_blobs = true;
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  auto repo = Open(c, "reg.test/team/app:v1");
  std::string layer = "layer bytes for amd64";
  auto b = repo->FetchBlob(*Digest::Parse(Sha(layer)), static_cast<int64_t>(layer.size()));
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(ToString(*b) == layer);
  BOOST_TEST(!reg->cdn_saw_authorization);
  BOOST_TEST(reg->CountRequests("GET cdn.test/") == 1);
  // Wrong expected size: kDataLoss (the cap is the expected size, so bigger is exhausted).
  BOOST_TEST(IsResourceExhausted(
      repo->FetchBlob(*Digest::Parse(Sha(layer)), 3).status()));
  auto exists = repo->BlobExists(*Digest::Parse(Sha(layer)));
  BOOST_REQUIRE(exists.ok());
  BOOST_TEST(*exists);
  auto missing = repo->BlobExists(Digest::Of(AsBytes("zzz")));
  BOOST_REQUIRE(missing.ok());
  BOOST_TEST(!*missing);
}

BOOST_AUTO_TEST_CASE(BasicAuthFlow) {
  reg->auth = FakeRegistry::Auth::kBasic;
  {
    Client anon(FastOptions(reg));
    auto repo = Open(anon, "reg.test/team/app:v1");
    auto r = repo->Resolve("v1");
    BOOST_TEST(r.status().code() == ErrorCode::kUnauthenticated, r.status().ToString());
    BOOST_TEST(r.status().message().find("vouch login") != std::string::npos);
  }
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  auto repo = Open(c, "reg.test/team/app:v1");
  reg->requests.clear();
  BOOST_TEST(repo->Resolve("v1").ok());
  BOOST_TEST(repo->Resolve("v1").ok());
  // 401 once, then Basic is sent up front.
  BOOST_TEST(reg->requests.size() == 3u);
  auto bad = FastOptions(reg);
  bad.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "wrong"));
  Client b(bad);
  BOOST_TEST(Open(b, "reg.test/team/app:v1")->Resolve("v1").status().code() ==
             ErrorCode::kUnauthenticated);
}

BOOST_AUTO_TEST_CASE(BearerTokenCachedReusedAndRefreshed) {
  reg->auth = FakeRegistry::Auth::kBearer;
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  Client c(o);
  auto repo = Open(c, "reg.test/team/app:v1");
  BOOST_REQUIRE(repo->Resolve("v1").ok());
  BOOST_TEST(reg->token_requests == 1);
  reg->requests.clear();
  // Once authenticated, a resolve is exactly one request.
  BOOST_REQUIRE(repo->Resolve("v1").ok());
  BOOST_TEST(reg->requests.size() == 1u);
  BOOST_TEST(reg->token_requests == 1);
  // Another repository on the same host: the challenge is known, so no 401 round trip.
  PushImage(*reg, "team/other", "v1", "arm64");
  reg->requests.clear();
  BOOST_REQUIRE(Open(c, "reg.test/team/other:v1")->Resolve("v1").ok());
  BOOST_TEST(reg->requests.size() == 2u);  // token + HEAD
  BOOST_TEST(reg->token_requests == 2);
  // Tokens revoked server-side: refreshed on the 401.
  reg->ExpireTokens();
  BOOST_REQUIRE(repo->Resolve("v1").ok());
  BOOST_TEST(reg->token_requests == 3);
}

BOOST_AUTO_TEST_CASE(BearerAnonymousPullAndPushNeedsCredentials) {
  reg->auth = FakeRegistry::Auth::kBearer;
  Client c(FastOptions(reg));
  BOOST_TEST(Open(c, "reg.test/team/app:v1")->Resolve("v1").ok());
  auto push = Open(c, "reg.test/team/app:v1", Access::kPullPush);
  auto r = push->PushBlob(Digest::Of(AsBytes("x")), AsBytes("x"));
  BOOST_TEST(r.code() == ErrorCode::kUnauthenticated, r.ToString());
}

BOOST_AUTO_TEST_CASE(TokenServerRefuses) {
  reg->auth = FakeRegistry::Auth::kBearer;
  reg->token_refuses = true;
  Client c(FastOptions(reg));
  auto r = Open(c, "reg.test/team/app:v1")->Resolve("v1");
  BOOST_TEST(r.status().code() == ErrorCode::kUnauthenticated, r.status().ToString());
  BOOST_TEST(r.status().message().find("token server") != std::string::npos);
  BOOST_TEST(reg->token_requests == 1);  // no retry loop against a refusing server
}

BOOST_AUTO_TEST_CASE(OversizedManifestIsResourceExhausted) {
  auto o = FastOptions(reg);
  o.max_manifest_bytes = 64;
  Client c(o);
  auto r = Open(c, "reg.test/team/app:v1")->FetchManifest("v1");
  BOOST_TEST(IsResourceExhausted(r.status()), r.status().ToString());
}

BOOST_AUTO_TEST_CASE(TagsPaginate) {
  reg->tags_page_size = 2;
  for (const char* t : {"a", "b", "c", "d", "e"}) {
    reg->AddManifest("team/app", t, *reg->ManifestBytes("team/app", "v1"),
                     "application/vnd.oci.image.manifest.v1+json");
  }
  Client c(FastOptions(reg));
  auto tags = Open(c, "reg.test/team/app:v1")->ListTags();
  BOOST_REQUIRE(tags.ok());
  BOOST_TEST(tags->size() == 6u);
  BOOST_TEST(reg->CountRequests("GET /v2/team/app/tags/list") == 3);
}

BOOST_AUTO_TEST_CASE(UploadsMonolithicAndChunked) {
  auto o = FastOptions(reg);
  o.chunk_size = 4;
  Client c(o);
  auto repo = Open(c, "reg.test/team/dst:v1", Access::kPullPush);
  std::string small = "abc";
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(small)), AsBytes(small)).ok());
  BOOST_TEST(reg->HasBlob("team/dst", Sha(small)));
  std::string big = "0123456789";
  reg->requests.clear();
  BOOST_REQUIRE(repo->PushBlob(Digest::Of(AsBytes(big)), AsBytes(big)).ok());
  BOOST_TEST(reg->HasBlob("team/dst", Sha(big)));
  BOOST_TEST(reg->CountRequests("PATCH") == 2);
  BOOST_TEST(reg->CountRequests("PUT") == 1);
  // Mount from another repository on the same registry.
  std::string layer = "layer bytes for amd64";
  auto src = ParseReference("reg.test/team/app:v1");
  auto mounted = repo->MountBlob(*Digest::Parse(Sha(layer)), *src);
  BOOST_REQUIRE(mounted.ok());
  BOOST_TEST(*mounted);
  BOOST_TEST(reg->HasBlob("team/dst", Sha(layer)));
  // Manifest push by tag and by digest, delete by digest.
  std::string m = *reg->ManifestBytes("team/app", "v1");
  BOOST_REQUIRE(repo->PushManifest("v9", AsBytes(m), kOciManifest).ok());
  BOOST_TEST(*reg->TagDigest("team/dst", "v9") == Sha(m));
  BOOST_REQUIRE(repo->DeleteManifest(*Digest::Parse(Sha(m))).ok());
  BOOST_TEST(IsNotFound(repo->Resolve("v9").status()));
}

BOOST_AUTO_TEST_CASE(PlainHttpOnlyForLoopbackOrInsecure) {
  // The fake answers only https: a tls mismatch for a public host is an error, not a downgrade.
  auto o = FastOptions(reg);
  auto only_http = std::make_shared<FakeRegistry>();
  only_http->host = "public.example";
  only_http->fault = [](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.starts_with("https://")) {
      return Result<HttpResponse>(UnavailableError("tls-mismatch: plain HTTP server"));
    }
    HttpResponse resp;
    resp.status = 200;
    resp.headers.Add("Docker-Content-Digest", "sha256:" + std::string(64, '0'));
    return Result<HttpResponse>(resp);
  };
  o.transport = only_http;
  {
    Client c(o);
    auto r = Open(c, "public.example/app:v1")->Resolve("v1");
    BOOST_TEST(IsUnavailable(r.status()));
    BOOST_TEST(r.status().message().find("--insecure-registry") != std::string::npos);
  }
  o.insecure_registries = {"public.example"};
  only_http->requests.clear();
  Client c(o);
  BOOST_TEST(Open(c, "public.example/app:v1")->Resolve("v1").ok());
  BOOST_TEST(only_http->requests.size() == 2u);  // https attempt, then http
}

BOOST_AUTO_TEST_CASE(TlsProbeSendsPlainHttpLoopbackStraightToHttp) {
  // A plain-HTTP registry on loopback: the transport's handshake probe says "not TLS", so the
  // first request already uses http:// (no failed https attempt), once per client and host.
  auto only_http = std::make_shared<FakeRegistry>();
  only_http->host = "127.0.0.1:5000";
  only_http->tls_probe_answer = false;
  only_http->fault = [](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.starts_with("https://")) {
      return Result<HttpResponse>(UnavailableError("tls-mismatch: plain HTTP server"));
    }
    HttpResponse resp;
    resp.status = 200;
    resp.headers.Add("Docker-Content-Digest", "sha256:" + std::string(64, '0'));
    return Result<HttpResponse>(resp);
  };
  auto o = FastOptions(only_http);
  Client c(o);
  auto repo = Open(c, "127.0.0.1:5000/app:v1");
  BOOST_TEST(repo->Resolve("v1").ok());
  BOOST_TEST(repo->Resolve("v1").ok());
  BOOST_REQUIRE(only_http->requests.size() == 2u);
  BOOST_TEST(only_http->requests[0].starts_with("HEAD /v2/app/manifests/v1"));
  BOOST_TEST(only_http->tls_probes == 1);
  // A public host is never probed (it must speak TLS).
  auto pub = std::make_shared<FakeRegistry>();
  pub->host = "public.example";
  pub->tls_probe_answer = false;
  PushImage(*pub, "app", "v1", "amd64");
  Client c2(FastOptions(pub));
  BOOST_TEST(Open(c2, "public.example/app:v1")->Resolve("v1").ok());
  BOOST_TEST(pub->tls_probes == 0);
}

BOOST_AUTO_TEST_CASE(ObserverSeesEveryRequestWithoutCredentials) {
  reg->auth = FakeRegistry::Auth::kBearer;
  auto o = FastOptions(reg);
  o.credentials = NewStaticCredentialStore("reg.test", UserPass("alice", "s3cret"));
  std::vector<RequestLog> logs;
  o.observer = [&](const RequestLog& l) { logs.push_back(l); };
  Client c(o);
  BOOST_REQUIRE(Open(c, "reg.test/team/app:v1")->Resolve("v1").ok());
  BOOST_TEST(logs.size() == 3u);  // 401, token, 200
  for (const auto& l : logs) {
    BOOST_TEST(l.url.find("s3cret") == std::string::npos);
  }
  BOOST_TEST(RedactUrl("https://u:p@h/x") == "https://REDACTED@h/x");
}

// TwoRealms is two bearer-token registries, a.test and b.test, each with its own token server;
// a.test's token server hangs until released (or for 10 s).
class TwoRealms : public Transport {
 public:
  Result<HttpResponse> RoundTrip(const HttpRequest& req) override {
    HttpResponse r;
    if (req.url.starts_with("https://auth-a.test/")) {
      std::unique_lock<std::mutex> lock(mu);
      a_token_asked = true;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return released; });
      a_token_answered = true;
      r.status = 200;
      r.body = ToBytes(R"({"token":"ta"})");
      return r;
    }
    if (req.url.starts_with("https://auth-b.test/")) {
      r.status = 200;
      r.body = ToBytes(R"({"token":"tb"})");
      return r;
    }
    const bool a = req.url.starts_with("https://a.test/");
    if (!req.headers.Get("Authorization")) {
      r.status = 401;
      r.headers.Add("WWW-Authenticate", std::string("Bearer realm=\"https://auth-") +
                                            (a ? "a" : "b") + ".test/token\",service=\"x\"");
      return r;
    }
    r.status = 404;
    r.body = ToBytes(R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]})");
    return r;
  }

  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  bool a_token_asked = false;
  bool a_token_answered = false;
};

// One registry's hung token server must not hold up another registry's token fetch (the gate
// serves many tenants' registries through one client).
BOOST_AUTO_TEST_CASE(HungTokenServerDoesNotDelayAnotherRegistry) {
  auto t = std::make_shared<TwoRealms>();
  ClientOptions o;
  o.transport = t;
  o.credentials = NewStaticCredentialStore("none.test", Credentials());
  o.retry.sleep = [](std::chrono::milliseconds) {};
  Client c(o);
  std::thread slow([&] {
    auto repo = c.Open(*ParseReference("a.test/app:v1"));
    BOOST_REQUIRE(repo.ok());
    (void)(*repo)->FetchManifest("v1");
  });
  {
    std::unique_lock<std::mutex> lock(t->mu);
    t->cv.wait(lock, [&] { return t->a_token_asked; });
  }
  auto repo = c.Open(*ParseReference("b.test/app:v1"));
  BOOST_REQUIRE(repo.ok());
  auto m = (*repo)->FetchManifest("v1");
  bool a_answered_first = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    a_answered_first = t->a_token_answered;
    t->released = true;
  }
  t->cv.notify_all();
  slow.join();
  BOOST_TEST(IsNotFound(m.status()), m.status().ToString());
  BOOST_TEST(!a_answered_first, "b.test's token waited for a.test's hung token server");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
