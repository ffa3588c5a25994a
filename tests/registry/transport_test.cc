// The libcurl transport against raw loopback sockets (127.0.0.1, port 0): bodies that drip, are
// cut short or are reset, and a pagination Link to another port. Assertions are on error codes
// and on what the server saw, never on timings.
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>

#include "registry/loopback_server.h"
#include "registry/test_images.h"
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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
