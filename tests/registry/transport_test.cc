// The libcurl transport against raw loopback sockets (127.0.0.1, port 0): bodies that drip, are
// cut short or are reset, a pagination Link to another port, and cancellation. Assertions are on
// error codes and on what the server saw, never on timings.
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "registry/loopback_server.h"
#include "registry/test_images.h"
#include "testutil/testutil.h"
#include "vouch/registry/client.h"
#include "vouch/registry/transport.h"

namespace vouch::registry::testing {
namespace {

using std::chrono::milliseconds;

HttpRequest Get(const LoopbackServer& server, const std::string& path) {
  HttpRequest req;
  req.url = "http://" + server.host_port() + path;
  return req;
}

BOOST_AUTO_TEST_SUITE(CurlTransportTests)

BOOST_AUTO_TEST_CASE(DrippingBodyHitsTheRequestDeadline) {
  LoopbackServer* self = nullptr;
  LoopbackServer server([&](int fd, const std::string&) { self->Drip(fd); });
  self = &server;
  BOOST_REQUIRE(server.port() != 0);
  CurlTransportOptions o;
  o.request_timeout = milliseconds(1000);
  auto transport = NewCurlTransport(o);
  auto r = transport->RoundTrip(Get(server, "/v2/"));
  BOOST_TEST(r.status().code() == ErrorCode::kDeadlineExceeded, r.status().ToString());
}

BOOST_AUTO_TEST_CASE(DeadlineIsNotRetriedByTheClient) {
  LoopbackServer* self = nullptr;
  LoopbackServer server([&](int fd, const std::string&) { self->Drip(fd); });
  self = &server;
  BOOST_REQUIRE(server.port() != 0);
  CurlTransportOptions to;
  to.request_timeout = milliseconds(1000);
  ClientOptions o;
  o.transport = NewCurlTransport(to);
  o.credentials = NewStaticCredentialStore("none.test", Credentials());
  o.retry.sleep = [](milliseconds) {};
  Client c(o);
  auto repo = c.Open(*ParseReference(server.host_port() + "/app:v1"));
  BOOST_REQUIRE(repo.ok());
  auto m = (*repo)->FetchManifest("v1");
  BOOST_TEST(m.status().code() == ErrorCode::kDeadlineExceeded, m.status().ToString());
  BOOST_TEST(server.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(BodyShorterThanContentLengthIsTruncatedNotDataLoss) {
  LoopbackServer server([](int fd, const std::string&) {
    LoopbackServer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                                 std::string(50, 'x'));
  });
  BOOST_REQUIRE(server.port() != 0);
  auto r = NewCurlTransport({})->RoundTrip(Get(server, "/v2/"));
  BOOST_TEST(r.status().code() == ErrorCode::kUnavailable, r.status().ToString());
  BOOST_TEST(IsTruncatedResponse(r.status()), r.status().ToString());
}

BOOST_AUTO_TEST_CASE(ConnectionResetMidBodyIsUnavailable) {
  LoopbackServer server([](int fd, const std::string&) {
    LoopbackServer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                                 std::string(50, 'x'));
    linger l{};
    l.l_onoff = 1;
    l.l_linger = 0;  // close() sends RST
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  });
  BOOST_REQUIRE(server.port() != 0);
  auto r = NewCurlTransport({})->RoundTrip(Get(server, "/v2/"));
  BOOST_TEST(r.status().code() == ErrorCode::kUnavailable, r.status().ToString());
}

BOOST_AUTO_TEST_CASE(TagsLinkToAnotherPortGetsNoAuthorization) {
  // Registry A (Basic auth) pages its tag list to server B on another port: B must never see
  // A's credentials.
  LoopbackServer b([](int fd, const std::string&) {
    std::string body = R"({"name":"app","tags":["b"]})";
    LoopbackServer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  BOOST_REQUIRE(b.port() != 0);
  const std::string link = "http://" + b.host_port() + "/v2/app/tags/list?last=a";
  LoopbackServer a([&](int fd, const std::string& head) {
    if (head.find("\r\nAuthorization: Basic ") == std::string::npos) {
      LoopbackServer::Send(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
                               "realm=\"a\"\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    std::string body = R"({"name":"app","tags":["a"]})";
    LoopbackServer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLink: <" + link +
                                 ">; rel=\"next\"\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  BOOST_REQUIRE(a.port() != 0);
  ClientOptions o;
  o.transport = NewCurlTransport({});
  o.credentials = NewStaticCredentialStore(a.host_port(), UserPass("alice", "s3cret"));
  o.retry.sleep = [](milliseconds) {};
  Client c(o);
  auto repo = c.Open(*ParseReference(a.host_port() + "/app:v1"));
  BOOST_REQUIRE(repo.ok());
  auto tags = (*repo)->ListTags();
  BOOST_REQUIRE_MESSAGE(tags.ok(), tags.status().ToString());
  BOOST_TEST((*tags == std::vector<std::string>{"a", "b"}));
  BOOST_REQUIRE(b.requests().size() == 1u);
  BOOST_TEST(b.requests()[0].find("Authorization") == std::string::npos, b.requests()[0]);
  bool a_saw_credentials = false;
  for (const std::string& h : a.requests()) {
    a_saw_credentials = a_saw_credentials || h.find("Authorization: Basic") != std::string::npos;
  }
  BOOST_TEST(a_saw_credentials);  // the control: A itself did get them
}

// The address filter (`vouch serve`): the address actually connected is vetted, so a name that
// resolves to loopback, a blob redirect and a token realm pointing at a restricted address are
// refused before the listener sees a connection, while a host the allow list names passes even
// though it resolves to loopback.

void AnswerOk(int fd, const std::string&) {
  LoopbackServer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
}

BOOST_AUTO_TEST_CASE(NameResolvingToLoopbackIsRefusedBeforeConnecting) {
  LoopbackServer server(AnswerOk);
  BOOST_REQUIRE(server.port() != 0);
  HttpRequest req;
  req.url = "http://localhost:" + std::to_string(server.port()) + "/v2/";
  req.address_filter = RestrictedAddressFilter([] { return std::vector<std::string>(); }, "");
  auto r = NewCurlTransport({})->RoundTrip(req);
  BOOST_TEST(r.status().code() == ErrorCode::kPermissionDenied, r.status().ToString());
  BOOST_TEST(r.status().message().find("registry address") != std::string::npos,
             r.status().ToString());
  BOOST_TEST(r.status().message().find("is not allowed") != std::string::npos,
             r.status().ToString());
  BOOST_TEST(server.accepted() == 0u);
  // The TLS probe of a loopback registry goes through the same filter.
  auto probe = NewCurlTransport({})->ProbeTls(server.host_port(), req.address_filter);
  BOOST_TEST(probe.status().code() == ErrorCode::kPermissionDenied, probe.status().ToString());
  BOOST_TEST(server.accepted() == 0u);
}

BOOST_AUTO_TEST_CASE(AllowedHostNamePassesEvenWhenItResolvesToLoopback) {
  LoopbackServer server(AnswerOk);
  BOOST_REQUIRE(server.port() != 0);
  const std::string host = "localhost:" + std::to_string(server.port());
  HttpRequest req;
  req.url = "http://" + host + "/v2/";
  req.address_filter = RestrictedAddressFilter([host] { return std::vector<std::string>{host}; },
                                               "");
  auto r = NewCurlTransport({})->RoundTrip(req);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->status == 200);
  BOOST_TEST(server.accepted() >= 1u);
  // The same name on another port is another registry: not allowed by this entry.
  LoopbackServer other(AnswerOk);
  BOOST_REQUIRE(other.port() != 0);
  req.url = "http://localhost:" + std::to_string(other.port()) + "/v2/";
  auto refused = NewCurlTransport({})->RoundTrip(req);
  BOOST_TEST(refused.status().code() == ErrorCode::kPermissionDenied, refused.status().ToString());
  BOOST_TEST(other.accepted() == 0u);
}

// ClientAllowing returns a client whose filter allows only |allowed|.
Client ClientAllowing(const std::string& allowed) {
  ClientOptions o;
  o.transport = NewCurlTransport({});
  o.credentials = NewStaticCredentialStore("none.test", Credentials());
  o.retry.sleep = [](milliseconds) {};
  o.address_filter =
      RestrictedAddressFilter([allowed] { return std::vector<std::string>{allowed}; }, "");
  return Client(o);
}

BOOST_AUTO_TEST_CASE(BlobRedirectToRestrictedAddressIsRefused) {
  LoopbackServer target(AnswerOk);
  BOOST_REQUIRE(target.port() != 0);
  const std::string location = "http://" + target.host_port() + "/blob";
  LoopbackServer registry([&](int fd, const std::string&) {
    LoopbackServer::Send(fd, "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + location +
                                 "\r\nContent-Length: 0\r\n\r\n");
  });
  BOOST_REQUIRE(registry.port() != 0);
  Client c = ClientAllowing(registry.host_port());
  auto repo = c.Open(*ParseReference(registry.host_port() + "/app:v1"));
  BOOST_REQUIRE(repo.ok());
  auto blob = (*repo)->FetchBlob(Digest::Of(AsBytes(std::string("{}"))), 2);
  BOOST_TEST(blob.status().code() == ErrorCode::kPermissionDenied, blob.status().ToString());
  BOOST_TEST(blob.status().message().find("127.0.0.1") != std::string::npos,
             blob.status().ToString());
  BOOST_TEST(registry.requests().size() >= 1u);  // the allowed registry was asked
  BOOST_TEST(target.accepted() == 0u);
}

BOOST_AUTO_TEST_CASE(TokenRealmOnRestrictedAddressIsRefused) {
  LoopbackServer realm(AnswerOk);
  BOOST_REQUIRE(realm.port() != 0);
  const std::string challenge =
      "Bearer realm=\"http://" + realm.host_port() + "/token\",service=\"reg\"";
  LoopbackServer registry([&](int fd, const std::string&) {
    LoopbackServer::Send(fd, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " + challenge +
                                 "\r\nContent-Length: 0\r\n\r\n");
  });
  BOOST_REQUIRE(registry.port() != 0);
  Client c = ClientAllowing(registry.host_port());
  auto repo = c.Open(*ParseReference(registry.host_port() + "/app:v1"));
  BOOST_REQUIRE(repo.ok());
  auto d = (*repo)->Resolve("v1");
  BOOST_TEST(d.status().code() == ErrorCode::kPermissionDenied, d.status().ToString());
  BOOST_TEST(realm.accepted() == 0u);
}

// Silent holds the connection without answering until the server stops (a registry that
// accepts and then hangs).
void Silent(const LoopbackServer& server) {
  while (!server.stopping()) {
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// The transport's own timeouts are far away (minutes), so only the cancellation can end these
// exchanges; the tests prove that it does, and with which status.
BOOST_AUTO_TEST_CASE(CancelEndsAnExchangeWaitingOnASilentServer) {
  LoopbackServer* self = nullptr;
  LoopbackServer server([&](int, const std::string&) { Silent(*self); });
  self = &server;
  BOOST_REQUIRE(server.port() != 0);
  Cancellation cancel;
  std::thread canceller([&] {
    while (server.requests().empty()) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    cancel.Cancel();
  });
  auto transport = NewCurlTransport({});
  Result<HttpResponse> r = InternalError("not run");
  {
    ScopedCancellation scope(cancel);
    r = transport->RoundTrip(Get(server, "/v2/"));
  }
  canceller.join();
  BOOST_TEST(IsCancelled(r.status()), r.status().ToString());
  BOOST_TEST(r.status().code() == ErrorCode::kDeadlineExceeded, r.status().ToString());
  // Outside the scope the same transport is not governed by it any more.
  BOOST_TEST(CurrentCancellation() == nullptr);
}

BOOST_AUTO_TEST_CASE(PassedDeadlineEndsADrippingBody) {
  LoopbackServer* self = nullptr;
  LoopbackServer server([&](int fd, const std::string&) { self->Drip(fd); });
  self = &server;
  BOOST_REQUIRE(server.port() != 0);
  Cancellation cancel(std::chrono::steady_clock::now() + milliseconds(300));
  ScopedCancellation scope(cancel);
  auto r = NewCurlTransport({})->RoundTrip(Get(server, "/v2/"));
  BOOST_TEST(IsCancelled(r.status()), r.status().ToString());
}

// A peer that never completes the TLS handshake: the probe is cancelled too (it
// would otherwise wait for the connect timeout).
BOOST_AUTO_TEST_CASE(CancelEndsATlsProbeOfAHungPeer) {
  vouch::testing::Blackhole peer;
  CurlTransportOptions o;
  o.connect_timeout = std::chrono::seconds(120);
  Cancellation cancel(std::chrono::steady_clock::now() + milliseconds(300));
  ScopedCancellation scope(cancel);
  auto r = NewCurlTransport(o)->ProbeTls(peer.host_port(), AddressFilter());
  BOOST_TEST(IsCancelled(r.status()), r.status().ToString());
}

BOOST_AUTO_TEST_CASE(CancelledOperationMakesNoRequestAndIsNotRetried) {
  LoopbackServer server([](int fd, const std::string&) {
    LoopbackServer::Send(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  });
  BOOST_REQUIRE(server.port() != 0);
  std::vector<milliseconds> sleeps;
  ClientOptions o;
  o.transport = NewCurlTransport({});
  o.credentials = NewStaticCredentialStore("none.test", Credentials());
  o.retry.sleep = [&](milliseconds d) { sleeps.push_back(d); };
  o.retry.max_attempts = 10;
  o.retry.initial_backoff = std::chrono::seconds(1);
  o.retry.max_total = std::chrono::minutes(1);
  Client c(o);
  auto repo = c.Open(*ParseReference(server.host_port() + "/app:v1"));
  BOOST_REQUIRE(repo.ok());
  {
    // A 503 whose retry would start after the deadline is not slept on (the first backoff is
    // at least 500 ms here, the deadline 150 ms away).
    Cancellation cancel(std::chrono::steady_clock::now() + milliseconds(150));
    ScopedCancellation scope(cancel);
    auto m = (*repo)->FetchManifest("v1");
    BOOST_TEST(IsCancelled(m.status()), m.status().ToString());
    BOOST_TEST(m.status().message().find("HTTP 503") != std::string::npos, m.status().ToString());
    BOOST_TEST(sleeps.empty());
  }
  const size_t seen = server.requests().size();
  Cancellation cancelled;
  cancelled.Cancel();
  ScopedCancellation scope(cancelled);
  auto m = (*repo)->FetchManifest("v1");
  BOOST_TEST(IsCancelled(m.status()), m.status().ToString());
  BOOST_TEST(server.requests().size() == seen);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
