// The loopback Sigstore services of the keyless suites:
// ../shared/peers/node/sigstore-mock-server.mjs (a stand-in Fulcio, Rekor v1 and v2 and TSA on
// 127.0.0.1 that writes a matching trusted_root.json), run by MockServer for the lifetime of the
// object. The server is stopped with SIGTERM and waited for; PR_SET_PDEATHSIG stops it if the test
// process dies first.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "testutil/testutil.h"
#include "vouch/core/file.h"

namespace vouch::testing {

// NodeScript is the path of a peers/node script; it needs PEERS_NODE (fixture node_peers).
inline std::string NodeScript(const std::string& name) {
  std::string s = testing::PeersDir() + "/node/" + name;
  BOOST_REQUIRE_MESSAGE(PathExists(s), s << " is missing");
  BOOST_REQUIRE_MESSAGE(std::getenv("PEERS_NODE") != nullptr,
                        "PEERS_NODE is not set (run through ctest: fixture node_peers)");
  return s;
}

// MockServer runs sigstore-mock-server.mjs for the lifetime of the object.
class MockServer {
 public:
  MockServer() {
    std::string script = NodeScript("sigstore-mock-server.mjs");
    root_ = dir_.File("trusted_root.json");
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execlp("node", "node", script.c_str(), root_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    // The server prints one line, "READY <url> <trusted_root>", once it serves. EOF first means
    // it died (node missing, port trouble): fail loudly.
    std::string line;
    char c = 0;
    while (read(out_fd_, &c, 1) == 1 && c != '\n') {
      line.push_back(c);
    }
    BOOST_REQUIRE_MESSAGE(line.rfind("READY ", 0) == 0,
                          "sigstore-mock-server.mjs did not start: \"" << line << "\"");
    url_ = line.substr(6, line.find(' ', 6) - 6);
    BOOST_REQUIRE_MESSAGE(url_.rfind("http://127.0.0.1:", 0) == 0, "unexpected url " << url_);
    BOOST_REQUIRE(PathExists(root_));
  }
  ~MockServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
    if (out_fd_ >= 0) {
      close(out_fd_);
    }
  }
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  const std::string& url() const { return url_; }
  const std::string& root() const { return root_; }

 private:
  TempDir dir_;
  std::string root_;
  std::string url_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
};

// MockServerFixture runs one MockServer for a test suite (a Boost.Test suite fixture), which
// Server() returns while the suite runs.
inline MockServer*& CurrentMockServer() {
  static MockServer* server = nullptr;
  return server;
}

struct MockServerFixture {
  MockServerFixture() { CurrentMockServer() = new MockServer(); }
  ~MockServerFixture() {
    delete CurrentMockServer();
    CurrentMockServer() = nullptr;
  }
  MockServerFixture(const MockServerFixture&) = delete;
  MockServerFixture& operator=(const MockServerFixture&) = delete;
};

inline const MockServer& Server() {
  BOOST_REQUIRE_MESSAGE(CurrentMockServer() != nullptr, "the mock server is not running");
  return *CurrentMockServer();
}

}  // namespace vouch::testing
