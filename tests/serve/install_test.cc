// What an operator installs, run for real on loopback: the policy shipped in
// deploy/kubernetes/base/configmap-policy.yaml lints clean and `vouch serve` starts with it and
// with the shipped Deployment's own arguments (paths moved into a temporary directory), and
// `--tls-self-signed-dir` serves a certificate that a client holding only DIR/ca.crt accepts for
// the Service's DNS name (curl with --resolve semantics), with 0600 keys, reused on restart.
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "serve/serve_process.h"
#include "testutil/testutil.h"

namespace vouch::serve_test {
namespace {

using vouch::testing::ReadText;
using vouch::testing::Run;
using vouch::testing::RunResult;
using vouch::testing::TempDir;
using vouch::testing::Vouch;
using vouch::testing::WriteText;

const char kServiceName[] = "vouch-gate.vouch-system.svc";

std::string Base() { return vouch::testing::SourceDir() + "/deploy/kubernetes/base"; }

// ShippedPolicy writes every file of the shipped policy ConfigMap into |dir| (as the kubelet
// mounts it at /etc/vouch/policy) and returns the policy's path.
std::string ShippedPolicy(const std::string& dir) {
  std::filesystem::create_directories(dir);
  YAML::Node cm = YAML::LoadFile(Base() + "/configmap-policy.yaml");
  BOOST_REQUIRE(cm["data"].IsMap());
  for (const auto& kv : cm["data"]) {
    WriteText(dir + "/" + kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  BOOST_REQUIRE(std::filesystem::exists(dir + "/policy.yaml"));
  return dir + "/policy.yaml";
}

// MakeCa makes a CA with the command docs/gate.md ("Certificates") gives operators.
void MakeCa(const std::string& dir) {
  std::filesystem::create_directories(dir);
  RunResult r = Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "3650", "-subj",
                     "/CN=vouch-gate CA", "-keyout", dir + "/ca.key", "-out", dir + "/ca.crt"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Server runs `vouch serve ARGS` until destroyed (SIGTERM, then SIGKILL).
class Server {
 public:
  explicit Server(const std::vector<std::string>& serve_args) {
    std::vector<std::string> args = {vouch::testing::VouchBin(), "serve"};
    args.insert(args.end(), serve_args.begin(), serve_args.end());
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    err_ = dir_.File("stderr");
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    port_ = WaitListening(pid_, err_);
  }
  ~Server() { Stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Stop() { StopServe(pid_); }

  struct Reply {
    CURLcode rc = CURLE_OK;
    long code = 0;
    std::string error;
  };
  // Get fetches |path| from https://HOST:PORT with HOST resolved to 127.0.0.1 (curl --resolve),
  // trusting |ca| only: the certificate must chain to it and name HOST.
  Reply Get(const std::string& path, const std::string& host, const std::string& ca) const {
    Reply r;
    std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
    const std::string port = std::to_string(port_);
    const std::string url = "https://" + host + ":" + port + path;
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> resolve(
        curl_slist_append(nullptr, (host + ":" + port + ":127.0.0.1").c_str()),
        curl_slist_free_all);
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_RESOLVE, resolve.get());
    curl_easy_setopt(c.get(), CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(
        c.get(), CURLOPT_WRITEFUNCTION,
        +[](char*, size_t s, size_t n, void*) -> size_t { return s * n; });
    r.rc = curl_easy_perform(c.get());
    r.error = error;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.code);
    return r;
  }
  void ExpectOk(const std::string& path, const std::string& host, const std::string& ca) const {
    Reply r = Get(path, host, ca);
    BOOST_TEST(r.rc == CURLE_OK, path << " as " << host << ": " << r.error << "\nserver log:\n"
                                      << Stderr());
    BOOST_TEST(r.code == 200L, path);
  }
  std::string Stderr() const { return ReadText(err_); }

 private:
  TempDir dir_;
  std::string err_;
  pid_t pid_ = -1;
  int port_ = 0;
};

BOOST_AUTO_TEST_SUITE(install)

BOOST_AUTO_TEST_CASE(shipped_policy_lints_clean) {
  TempDir dir;
  const std::string policy = ShippedPolicy(dir.File("policy"));
  RunResult r = Vouch({"policy", "lint", policy});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST((r.out + r.err).find("warning") == std::string::npos, r.out << r.err);
  BOOST_TEST((r.out + r.err).find("ok") != std::string::npos, r.out << r.err);
}

// The shipped Deployment's arguments, with its mount paths moved into a temporary directory and
// --listen onto loopback: the gate starts with the shipped policy and the self-signed TLS set-up
// the default kustomization gives it (a CA made as docs/gate.md says), and a client holding
// only ca.crt reaches /healthz and /readyz under the Service's name.
BOOST_AUTO_TEST_CASE(shipped_deployment_starts_and_answers) {
  TempDir dir;
  ShippedPolicy(dir.File("etc/vouch/policy"));
  MakeCa(dir.File("etc/vouch/ca"));
  YAML::Node dep = YAML::LoadFile(Base() + "/deployment.yaml");
  std::vector<std::string> args;
  bool first = true;
  for (const auto& a : dep["spec"]["template"]["spec"]["containers"][0]["args"]) {
    std::string arg = a.as<std::string>();
    if (first) {
      BOOST_REQUIRE(arg == "serve");
      first = false;
      continue;
    }
    if (arg.rfind("--listen=", 0) == 0) {
      arg = "--listen=127.0.0.1:0";
    }
    for (const char* mount : {"/etc/vouch/", "/var/run/vouch/"}) {
      size_t at = arg.find(mount);
      if (at != std::string::npos) {
        arg = arg.substr(0, at) + dir.path() + arg.substr(at);
      }
    }
    args.push_back(arg);
  }
  Server s(args);
  const std::string ca = dir.File("var/run/vouch/tls/ca.crt");
  BOOST_TEST(ReadText(ca) == ReadText(dir.File("etc/vouch/ca/ca.crt")));
  s.ExpectOk("/healthz", kServiceName, ca);
  s.ExpectOk("/readyz", kServiceName, ca);
  s.ExpectOk("/healthz", "vouch-gate.vouch-system.svc.cluster.local", ca);
  BOOST_TEST(Mode(dir.File("var/run/vouch/tls/tls.key")) == 0600u);
}

BOOST_AUTO_TEST_CASE(self_signed_dir_serves_a_chain_to_its_ca_and_is_reused) {
  TempDir dir;
  const std::string policy = ShippedPolicy(dir.File("policy"));
  const std::string tls = dir.File("tls");
  const std::vector<std::string> args = {"--policy",
                                         policy,
                                         "--listen",
                                         "127.0.0.1:0",
                                         "--tls-self-signed-dir",
                                         tls,
                                         "--tls-dns-name",
                                         "vouch.test-ns.svc",
                                         "--tls-dns-name",
                                         "vouch.test-ns.svc.cluster.local"};
  std::string ca, cert;
  {
    Server s(args);
    s.ExpectOk("/healthz", "vouch.test-ns.svc", tls + "/ca.crt");
    s.ExpectOk("/healthz", "vouch.test-ns.svc.cluster.local", tls + "/ca.crt");
    // Mutated: a name the certificate does not carry, and a CA that did not sign it.
    Server::Reply wrong = s.Get("/healthz", "vouch.other-ns.svc", tls + "/ca.crt");
    BOOST_TEST(wrong.rc == CURLE_PEER_FAILED_VERIFICATION, wrong.error);
    TempDir other;
    MakeCa(other.path());
    Server::Reply untrusted = s.Get("/healthz", "vouch.test-ns.svc", other.File("ca.crt"));
    BOOST_TEST(untrusted.rc == CURLE_PEER_FAILED_VERIFICATION, untrusted.error);
    BOOST_TEST(s.Stderr().find("self-signed: made a new CA") != std::string::npos, s.Stderr());
    // openssl agrees with curl: the chain in tls.crt verifies against ca.crt for the name.
    RunResult v = Run({"openssl", "verify", "-CAfile", tls + "/ca.crt", "-verify_hostname",
                       "vouch.test-ns.svc", "-purpose", "sslserver", tls + "/tls.crt"});
    BOOST_TEST(v.exit_code == 0, v.out << v.err);
    BOOST_TEST(Mode(tls + "/tls.key") == 0600u);
    BOOST_TEST(Mode(tls + "/ca.key") == 0600u);
    BOOST_TEST(Mode(tls + "/ca.crt") == 0644u);
    ca = ReadText(tls + "/ca.crt");
    cert = ReadText(tls + "/tls.crt");
  }
  // A restart keeps the CA (the caBundle stays right) and the still-fresh certificate.
  Server again(args);
  again.ExpectOk("/healthz", "vouch.test-ns.svc", tls + "/ca.crt");
  BOOST_TEST(ReadText(tls + "/ca.crt") == ca);
  BOOST_TEST(ReadText(tls + "/tls.crt") == cert);
  BOOST_TEST(again.Stderr().find("self-signed: reusing") != std::string::npos, again.Stderr());
  BOOST_TEST(again.Stderr().find("made a new CA") == std::string::npos, again.Stderr());
}

BOOST_AUTO_TEST_CASE(tls_flags_are_checked) {
  TempDir dir;
  const std::string policy = ShippedPolicy(dir.File("policy"));
  WriteText(dir.File("c.pem"), "");
  const std::vector<std::string> common = {"serve", "--policy", policy, "--listen", "127.0.0.1:0"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return Vouch(a);
  };
  // Both ways at once, neither, half of one, and self-signed options without the directory.
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--tls-self-signed-dir", dir.File("tls"), "--tls-cert", dir.File("c.pem"), "--tls-key",
            dir.File("c.pem")},
           {"--tls-self-signed-dir", dir.File("tls"), "--tls-key", dir.File("c.pem")},
           {},
           {"--tls-cert", dir.File("c.pem")},
           {"--tls-cert", dir.File("c.pem"), "--tls-key", dir.File("c.pem"), "--tls-dns-name",
            "a.example"},
           {"--tls-cert", dir.File("c.pem"), "--tls-key", dir.File("c.pem"),
            "--tls-self-signed-ca-dir", dir.path()}}) {
    RunResult r = run(extra);
    BOOST_TEST(r.exit_code == 2, r.err);
  }
  BOOST_TEST(run({"--tls-self-signed-dir", dir.File("tls"), "--tls-cert", dir.File("c.pem"),
                  "--tls-key", dir.File("c.pem")})
                 .err.find("mutually exclusive") != std::string::npos);
  // A name that is not one, and an operator CA directory without a CA: refused before serving.
  RunResult bad = run({"--tls-self-signed-dir", dir.File("tls2"), "--tls-dns-name", "not a name"});
  BOOST_TEST(bad.exit_code == 2, bad.err);
  RunResult no_ca = run(
      {"--tls-self-signed-dir", dir.File("tls3"), "--tls-self-signed-ca-dir", dir.File("missing")});
  BOOST_TEST(no_ca.exit_code == 2, no_ca.err);
  BOOST_TEST(!std::filesystem::exists(dir.File("tls2/tls.key")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve_test
