#include "testutil/testutil.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace vouch::testing {

int ListenOnLoopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  BOOST_REQUIRE(::listen(fd, 64) == 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

Blackhole::Blackhole() { fd_ = ListenOnLoopback(port_); }

Blackhole::~Blackhole() { ::close(fd_); }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                     "/vouch-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    BOOST_FAIL("mkdtemp failed: " << std::strerror(errno));
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RunResult Run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    BOOST_FAIL("pipe failed");
  }
  // Build the environment before fork (no allocation in the child).
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& name : options.unset_env) {
    env.erase(name);
  }
  for (const auto& [k, v] : options.env) {
    env[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    BOOST_FAIL("fork failed");
  }
  if (pid == 0) {
    setsid();  // no controlling terminal: password prompts must not find a TTY
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (options.cwd && chdir(options.cwd->c_str()) != 0) {
      _exit(127);
    }
    if (std::strchr(cargv[0], '/') != nullptr) {
      execve(cargv[0], cargv.data(), envp.data());
    } else {
      execvpe(cargv[0], cargv.data(), envp.data());
    }
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  signal(SIGPIPE, SIG_IGN);

  size_t written = 0;
  int in_fd = in_pipe[1];
  if (options.stdin_data.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  bool out_open = true, err_open = true;
  bool killed = false;
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    int rc = poll(fds.data(), fds.size(), 200);
    if (std::chrono::steady_clock::now() > deadline && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (rc <= 0) {
      continue;
    }
    for (auto& p : fds) {
      if (p.revents == 0) {
        continue;
      }
      if (p.fd == in_fd) {
        ssize_t n = write(in_fd, options.stdin_data.data() + written,
                          options.stdin_data.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
        }
        if (n < 0 || written == options.stdin_data.size()) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t n = read(p.fd, buf, sizeof(buf));
      std::string& sink = p.fd == out_pipe[0] ? result.out : result.err;
      if (n > 0) {
        sink.append(buf, static_cast<size_t>(n));
      } else {
        (p.fd == out_pipe[0] ? out_open : err_open) = false;
      }
    }
  }
  if (in_fd >= 0) {
    close(in_fd);
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

std::string VouchBin() {
  const char* bin = std::getenv("VOUCH_BIN");
  if (bin == nullptr || *bin == '\0') {
    BOOST_FAIL("VOUCH_BIN is not set (run the tests through ctest)");
  }
  return bin;
}

RunResult Vouch(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{VouchBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions opts = options;
  if (opts.env.find("VOUCH_PASSWORD") == opts.env.end()) {
    opts.unset_env.push_back("VOUCH_PASSWORD");
  }
  // The user's caches must not leak into a test: above all a TUF trusted root, which
  // verification falls back to without --trusted-root (docs/tuf.md).
  if (opts.env.find("XDG_CACHE_HOME") == opts.env.end()) {
    static TempDir cache;  // one per test process, removed at exit
    opts.env["XDG_CACHE_HOME"] = cache.path();
  }
  // Nor the user's config file of flag defaults (docs/config.md).
  if (opts.env.find("XDG_CONFIG_HOME") == opts.env.end()) {
    static TempDir config;
    opts.env["XDG_CONFIG_HOME"] = config.path();
  }
  if (opts.env.find("VOUCH_CONFIG") == opts.env.end()) {
    opts.unset_env.push_back("VOUCH_CONFIG");
  }
  return Run(argv, opts);
}

std::string SourceDir() {
  const char* src = std::getenv("VOUCH_SOURCE_DIR");
  if (src == nullptr || *src == '\0') {
    BOOST_FAIL("VOUCH_SOURCE_DIR is not set (run the tests through ctest)");
  }
  return src;
}

namespace {
std::string DirFromEnvOr(const char* var, const std::string& fallback, const char* what) {
  const char* v = std::getenv(var);
  std::string dir = (v != nullptr && *v != '\0') ? std::string(v) : fallback;
  if (!std::filesystem::is_directory(dir)) {
    BOOST_FAIL(what << " not found at " << dir << " (set " << var
                    << "): this suite cannot run and counts as failed");
  }
  return std::filesystem::canonical(dir).string();
}
}  // namespace

std::string VectorsDir() {
  return DirFromEnvOr("VOUCH_VECTORS", SourceDir() + "/../shared/vectors", "test vectors");
}

std::string PeersDir() {
  return DirFromEnvOr("VOUCH_PEERS", SourceDir() + "/../shared/peers", "peer scripts");
}

std::string RegistryFixtureDir() {
  const char* d = std::getenv("VOUCH_REGISTRY_FIXTURES");
  BOOST_REQUIRE_MESSAGE(d != nullptr && *d != '\0',
                        "VOUCH_REGISTRY_FIXTURES is not set (run through ctest)");
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(std::string(d) + "/open.addr"),
                        "fixture registries are not running in " << d);
  return d;
}

std::string RegistryAddr(const std::string& name) {
  std::string a = ReadText(RegistryFixtureDir() + "/" + name + ".addr");
  while (!a.empty() && (a.back() == '\n' || a.back() == '\r' || a.back() == ' ')) {
    a.pop_back();
  }
  return a;
}

std::string KnownDigest(const std::string& ref) {
  std::istringstream in(ReadText(RegistryFixtureDir() + "/digests"));
  std::string name, digest;
  while (in >> name >> digest) {
    if (name == ref) {
      return digest;
    }
  }
  BOOST_FAIL("no known digest for " << ref << " in the registry fixture");
  return "";
}

Background::Background(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all = {"timeout", "600"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_ = fork();
  BOOST_REQUIRE_MESSAGE(pid_ >= 0, "fork failed");
  if (pid_ == 0) {
    setsid();  // its own process group, so that the destructor ends timeout and the child
    int null_fd = open("/dev/null", O_RDONLY);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null_fd < 0 || log_fd < 0) {
      _exit(127);
    }
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
}

Background::~Background() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

bool Background::Exited() {
  int status = 0;
  if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
  }
  return pid_ <= 0;
}

PortReservation::PortReservation() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

void PortReservation::Release() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void WaitForLoopbackPort(int port, Background* process) {
  for (int i = 0; i < 400; ++i) {
    BOOST_REQUIRE_MESSAGE(process == nullptr || !process->Exited(),
                          "the peer for port " << port << " exited at start");
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(fd);
    if (up) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  BOOST_FAIL("nothing listens on 127.0.0.1:" << port << " after 10 s");
}

FaultProxy::FaultProxy(const std::string& upstream, const std::string& rules_json) {
  SetRules(rules_json);
  const std::string port_file = dir_.File("port");
  const std::string log = dir_.File("stderr");
  process_ = std::make_unique<Background>(
      std::vector<std::string>{"python3", SourceDir() + "/tests/fixtures/fault_proxy.py",
                               "--upstream", upstream, "--port-file", port_file, "--rules",
                               dir_.File("rules.json")},
      log);
  for (int i = 0; i < 400 && !std::filesystem::exists(port_file); ++i) {
    if (process_->Exited()) {
      BOOST_FAIL("fault proxy exited at start: " << ReadText(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(port_file),
                        "fault proxy did not start: " << ReadText(log));
  host_port_ = "127.0.0.1:" + ReadText(port_file);
}

FaultProxy::~FaultProxy() = default;

void FaultProxy::SetRules(const std::string& rules_json) {
  // Written whole and renamed: the proxy re-reads the file on every request.
  WriteText(dir_.File("rules.json.tmp"), rules_json);
  std::filesystem::rename(dir_.File("rules.json.tmp"), dir_.File("rules.json"));
}

std::string FaultRule(const std::string& path_regex, const std::string& action,
                      const std::string& extra, const std::string& method) {
  return R"([{"method": ")" + method + R"(", "path": ")" + path_regex + R"(", "action": ")" +
         action + "\"" + extra + "}]";
}

std::string FaultProxy::Log() const { return ReadText(dir_.File("stderr")); }

namespace {

int CountLines(const std::string& log, const std::string& prefix) {
  std::istringstream in(log);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  }
  return n;
}

}  // namespace

int FaultProxy::Faults() const { return CountLines(Log(), "FAULT "); }

int FaultProxy::Requests() const { return CountLines(Log(), "REQUEST "); }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    BOOST_FAIL("cannot read " << path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) {
    BOOST_FAIL("cannot write " << path);
  }
}

}  // namespace vouch::testing
