// Test helpers shared by every suite: temporary directories, running the vouch binary (or any
// program) as a subprocess with controlled stdin/env, and locating vectors and peers.
#pragma once

#include <map>
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
// sets it.
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

// ReadText / WriteText: whole-file helpers that fail the test on error.
std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& content);

}  // namespace vouch::testing
