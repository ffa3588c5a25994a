// Loopback stand-ins for the services of keyless signing, shared by the suites that sign or verify
// through them (they run under the CTest fixture `node_peers`, which sets PEERS_NODE):
//  - MockServer: ../shared/peers/node/sigstore-mock-server.mjs, a Fulcio, Rekor v1/v2 and TSA on
//    127.0.0.1 that writes a matching trusted_root.json (its facts: peers README section 4);
//  - OidcTokenServer: tests/fixtures/oidc_token_server.py, a token endpoint shaped like GitHub
//    Actions' that issues unsigned JWTs (which MockServer's Fulcio accepts).
// Each runs for the lifetime of its object: started in the constructor, which waits for the
// server's "READY ..." line (a server that dies first fails the test loudly), and stopped with
// SIGTERM and reaped in the destructor (PR_SET_PDEATHSIG stops it if the test process dies
// first). Header-only: suites include it and link vouch::core.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ts.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"

namespace vouch::testing {

// NodeScript returns the path of the peer script |name| under ../shared/peers/node, failing the
// test when it or PEERS_NODE (the node_modules the scripts load) is missing.
inline std::string NodeScript(const std::string& name) {
  std::string s = PeersDir() + "/node/" + name;
  BOOST_REQUIRE_MESSAGE(PathExists(s), s << " is missing");
  BOOST_REQUIRE_MESSAGE(std::getenv("PEERS_NODE") != nullptr,
                        "PEERS_NODE is not set (run through ctest: fixture node_peers)");
  return s;
}

// ReadyProcess runs |argv| (argv[0] searched in PATH) with its stdout on a pipe until destroyed,
// and waits for its first line, which must be "READY <field>...".
class ReadyProcess {
 public:
  explicit ReadyProcess(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    // EOF before the line means the server died (interpreter missing, port trouble).
    std::string line;
    char c = 0;
    while (read(out_fd_, &c, 1) == 1 && c != '\n') {
      line.push_back(c);
    }
    if (line.rfind("READY ", 0) != 0) {
      Stop();  // the destructor does not run when the constructor fails
      BOOST_FAIL(argv.at(1) << " did not start: \"" << line << "\"");
    }
    std::istringstream words(line.substr(6));
    for (std::string w; words >> w;) {
      fields_.push_back(w);
    }
  }
  ~ReadyProcess() { Stop(); }
  ReadyProcess(const ReadyProcess&) = delete;
  ReadyProcess& operator=(const ReadyProcess&) = delete;

  // fields are the words after READY.
  const std::vector<std::string>& fields() const { return fields_; }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
    if (out_fd_ >= 0) {
      close(out_fd_);
      out_fd_ = -1;
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::vector<std::string> fields_;
};

// MockServer runs sigstore-mock-server.mjs. Its Fulcio issues a leaf whose URI SAN is the JWT's
// `sub` and whose issuer extensions (.1.1, .1.8) are its `iss`, chained to the one CA in root().
class MockServer {
 public:
  MockServer()
      : root_(dir_.File("trusted_root.json")),
        process_({"node", NodeScript("sigstore-mock-server.mjs"), root_}) {
    BOOST_REQUIRE(!process_.fields().empty());
    url_ = process_.fields()[0];
    BOOST_REQUIRE_MESSAGE(url_.rfind("http://127.0.0.1:", 0) == 0, "unexpected url " << url_);
    BOOST_REQUIRE(PathExists(root_));
  }

  // url is the base URL of every service ("http://127.0.0.1:PORT").
  const std::string& url() const { return url_; }
  // root is the trusted_root.json that verifies what the services issue.
  const std::string& root() const { return root_; }

 private:
  TempDir dir_;
  std::string root_;
  ReadyProcess process_;
  std::string url_;
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

// SigstoreJsParsesTime reports whether @sigstore/core 3.x can read the genTime of the RFC 3161
// TimeStampResp |der|. It takes a GeneralizedTime with a fraction of exactly three digits or
// none (its RE_TIME_LONG_YEAR) and throws "invalid time" otherwise, but DER drops a fraction's
// trailing zeros (X.690 11.7.3): the stand-in TSA stamps ".76" at 760 ms, which is valid and
// which vouch reads, and sigstore-js refuses. Tests that hand a timestamp to sigstore-js take
// one it can read, so that their verdict is about the bundle, not about that parser.
inline bool SigstoreJsParsesTime(ByteView der) {
  const unsigned char* p = der.data();
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size()));
  if (resp == nullptr) {
    return false;
  }
  const TS_TST_INFO* info = TS_RESP_get_tst_info(resp);
  const ASN1_GENERALIZEDTIME* t = info != nullptr ? TS_TST_INFO_get_time(info) : nullptr;
  std::string text = t != nullptr ? std::string(reinterpret_cast<const char*>(t->data),
                                                static_cast<size_t>(t->length))
                                  : "";
  TS_RESP_free(resp);
  const size_t dot = text.find('.');
  return !text.empty() && (dot == std::string::npos || text.size() - dot == 5);
}

// BundleTimestampsParseInJs is SigstoreJsParsesTime for every timestamp of a bundle file.
inline bool BundleTimestampsParseInJs(const std::string& bundle_path) {
  Json b = *ParseJson(ReadText(bundle_path), "bundle");
  const Json* list = nullptr;
  if (b.contains("verificationMaterial") &&
      b["verificationMaterial"].contains("timestampVerificationData")) {
    list = &b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"];
  }
  for (size_t i = 0; list != nullptr && i < list->size(); ++i) {
    Result<Bytes> der = Base64Decode((*list)[i]["signedTimestamp"].get<std::string>());
    if (!der.ok() || !SigstoreJsParsesTime(*der)) {
      return false;
    }
  }
  return true;
}

// OidcTokenServer runs oidc_token_server.py issuing tokens for |sub| and |issuer| to requests
// that carry `Authorization: bearer <request_token>`.
class OidcTokenServer {
 public:
  OidcTokenServer(const std::string& sub, const std::string& issuer,
                  const std::string& request_token = "REQ")
      : request_token_(request_token),
        process_({"python3", SourceDir() + "/tests/fixtures/oidc_token_server.py", "--sub", sub,
                  "--issuer", issuer, "--request-token", request_token}) {
    BOOST_REQUIRE(!process_.fields().empty());
    url_ = process_.fields()[0];
  }

  // url is the value for ACTIONS_ID_TOKEN_REQUEST_URL ("http://127.0.0.1:PORT/token?...").
  const std::string& url() const { return url_; }
  // request_token is the value for ACTIONS_ID_TOKEN_REQUEST_TOKEN.
  const std::string& request_token() const { return request_token_; }

 private:
  std::string request_token_;
  ReadyProcess process_;
  std::string url_;
};

}  // namespace vouch::testing
