// Test helpers shared by every suite: temporary directories, running the vouch binary (or any
// program) as a subprocess with controlled stdin/env, and locating vectors and peers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vouch::testing {

// TempDir creates a fresh directory under $TMPDIR (or /tmp) and removes it recursively on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // File returns path()/name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ListenOnLoopback binds a listening socket (backlog 64) on a free 127.0.0.1 port and returns
// it, setting |port|; the caller closes it.
int ListenOnLoopback(int& port);

// Blackhole listens on a loopback port (127.0.0.1, port 0) and never accepts: connections
// complete in the kernel and then nothing is ever answered (a registry, or a TLS peer, that
// hangs).
class Blackhole {
 public:
  Blackhole();
  ~Blackhole();
  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;
  int port() const { return port_; }
  // host_port returns "127.0.0.1:<port>".
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

struct RunResult {
  int exit_code = -1;  // the process exit status; 128+N when killed by signal N
  std::string out;     // captured stdout
  std::string err;     // captured stderr
};

struct RunOptions {
  std::string stdin_data;                        // written to the child's stdin, then closed
  std::map<std::string, std::string> env;        // set in the child (on top of the parent's env)
  std::vector<std::string> unset_env;            // removed from the child's env
  std::optional<std::string> cwd;                // working directory of the child
  int timeout_seconds = 120;                     // the child is killed after this; exit 128+9
};

// Run executes argv[0] (searched in PATH when it has no '/') with argv. The child has no
// controlling terminal input: stdin is a pipe.
RunResult Run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Vouch runs the vouch binary ($VOUCH_BIN) with |args|. VOUCH_PASSWORD is unset unless |options|
// sets it; XDG_CACHE_HOME and XDG_CONFIG_HOME are empty folders of the test process and
// VOUCH_CONFIG is unset unless |options| sets them (no user cache, such as a TUF trusted root, and
// no config file reaches a test).
RunResult Vouch(const std::vector<std::string>& args, const RunOptions& options = {});

// VouchBin returns $VOUCH_BIN (set by CTest); fails the test when missing.
std::string VouchBin();
// VectorsDir returns $VOUCH_VECTORS, else <source>/../shared/vectors; fails the test loudly when
// the directory does not exist (a missing suite is a failure, never a skip).
std::string VectorsDir();
// PeersDir returns $VOUCH_PEERS, else <source>/../shared/peers; fails loudly when missing.
std::string PeersDir();
// SourceDir returns $VOUCH_SOURCE_DIR (the checkout).
std::string SourceDir();

// The registry fixtures (tests/fixtures/registry.sh, CTest fixture `registry_servers`), for suites
// whose environment sets VOUCH_REGISTRY_FIXTURES:
// RegistryFixtureDir returns that directory; fails the test when it is unset or the registries
// are not running.
std::string RegistryFixtureDir();
// RegistryAddr returns host:port of the fixture registry |name| ("open", "basic", "tls", "token").
std::string RegistryAddr(const std::string& name);
// KnownDigest returns the digest the fixture recorded for |ref| (e.g. "multi", "single");
// fails the test when there is none.
std::string KnownDigest(const std::string& ref);

// Background runs |argv| (searched in PATH) in its own process group for the life of the
// object, stdin from /dev/null and stdout/stderr to |log|, under `timeout 600` should the test
// crash before the destructor ends and reaps the group.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::string& log);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // Exited reports whether the process has ended (reaping it).
  bool Exited();

 private:
  int pid_ = -1;
};

// PortReservation holds a 127.0.0.1 port bound but not listening, so that nothing else is given
// it (a connection to it is refused) until Release(), just before a peer that takes its port on
// the command line starts.
class PortReservation {
 public:
  PortReservation();
  ~PortReservation() { Release(); }
  PortReservation(const PortReservation&) = delete;
  PortReservation& operator=(const PortReservation&) = delete;
  int port() const { return port_; }
  void Release();

 private:
  int fd_ = -1;
  int port_ = 0;
};

// WaitForLoopbackPort waits up to 10 s until 127.0.0.1:|port| accepts a connection; fails the
// test otherwise, or as soon as |process| (when given) has exited.
void WaitForLoopbackPort(int port, Background* process = nullptr);

// FaultProxy runs tests/fixtures/fault_proxy.py, a loopback proxy in front of the registry at
// |upstream| (host:port) that injects the faults its rules describe and forwards everything else
// unchanged, for the life of the object. |rules_json| is a JSON array of rules (the script's
// docstring lists the fields), e.g.
//   [{"method": "GET", "path": "/blobs/", "action": "truncate", "count": 1}]
// The destructor ends the proxy's process group and reaps it.
class FaultProxy {
 public:
  explicit FaultProxy(const std::string& upstream, const std::string& rules_json = "[]");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  // host_port is where the proxy listens: "127.0.0.1:<port>".
  const std::string& host_port() const { return host_port_; }
  // SetRules replaces the rules from the next request on; rules that differ from the current
  // ones start counting afresh (the same text again keeps the counts).
  void SetRules(const std::string& rules_json);
  // Log returns what the proxy wrote to stderr: one "REQUEST <method> <path>" line per request
  // received, one "FAULT <action> <method> <path>" line per injected fault, and any error.
  std::string Log() const;
  // Faults counts the injected faults so far.
  int Faults() const;
  // Requests counts the requests that reached the proxy so far (faulted or not).
  int Requests() const;

 private:
  TempDir dir_;
  std::string host_port_;
  std::unique_ptr<Background> process_;
};

// FaultRule returns a rules array for FaultProxy of one rule: |action| on |method| requests whose
// target matches |path_regex| ("" matches all), with the further JSON fields |extra| (e.g.
// R"(, "count": 1)").
std::string FaultRule(const std::string& path_regex, const std::string& action,
                      const std::string& extra = "", const std::string& method = "GET");

// ReadText / WriteText: whole-file helpers that fail the test on error.
std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& content);

}  // namespace vouch::testing
