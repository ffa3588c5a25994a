// Helpers shared by the image signing integration and interop suites: the fixture registries
// (tests/fixtures/registry.sh, started by the CTest fixture `registry_servers`), their access
// logs, keys made with openssl (a tool that is not vouch), and running vouch.
#pragma once

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch::images_test {

using vouch::testing::ReadText;
using vouch::testing::Run;
using vouch::testing::RunOptions;
using vouch::testing::RunResult;
using vouch::testing::TempDir;
using vouch::testing::WriteText;

inline std::string FixtureDir() { return vouch::testing::RegistryFixtureDir(); }

inline void Trim(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
}

// Reg returns host:port of the open (no auth) fixture registry.
inline std::string Reg() { return vouch::testing::RegistryAddr("open"); }

inline std::string Known(const std::string& ref) { return vouch::testing::KnownDigest(ref); }

// LogSize / RequestsSince count the /v2/ requests the open registry logged after |offset|.
inline size_t LogSize() { return ReadText(FixtureDir() + "/open.log").size(); }
inline std::vector<std::string> RequestsSince(size_t offset) {
  std::string log = ReadText(FixtureDir() + "/open.log").substr(offset);
  static const std::regex kLine(R"re("((GET|HEAD|PUT|POST|PATCH|DELETE) /v2/[^ ]*))re");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kLine); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

inline std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) {
    s += "\n  " + e;
  }
  return s;
}

// Env is a clean credential environment plus a scratch directory.
struct Env {
  TempDir dir;
  RunOptions Options() const {
    RunOptions o;
    o.env["DOCKER_CONFIG"] = dir.File("docker");
    o.env["XDG_CACHE_HOME"] = dir.File("cache");  // vouch's caches (CRLs) stay in the test's dir
    o.unset_env = {"REGISTRY_AUTH_FILE", "SSL_CERT_FILE", "VOUCH_TRUSTED_ROOT"};
    return o;
  }
  RunResult Vouch(const std::vector<std::string>& args) const {
    return vouch::testing::Vouch(args, Options());
  }
  // MustVouch runs vouch and fails the test unless it exits 0.
  RunResult MustVouch(const std::vector<std::string>& args) const {
    RunResult r = Vouch(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "vouch " << args[0] << " " << (args.size() > 1 ? args[1] : "")
                                                     << " exited " << r.exit_code << ": " << r.err);
    return r;
  }
  // Key makes an unencrypted P-256 key pair with openssl: NAME.pem (SEC 1) and NAME.pub.
  std::string Key(const std::string& name) const {
    std::string priv = dir.File(name + ".pem");
    RunResult g = Run({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", priv});
    BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
    RunResult p = Run({"openssl", "ec", "-in", priv, "-pubout", "-out", dir.File(name + ".pub")});
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    return priv;
  }
  std::string Pub(const std::string& name) const { return dir.File(name + ".pub"); }
  // Image pushes a fixture image ("single", "multi", "arm64" or "buildkit", from the fixture's
  // layout) to REG/REPO:TAG with skopeo (digests preserved) and returns its reference.
  std::string Image(const std::string& fixture, const std::string& repo,
                    const std::string& tag = "v1") const {
    std::string dst = Reg() + "/" + repo + ":" + tag;
    std::vector<std::string> argv = {"skopeo", "--policy", dir.File("policy.json"),
                                     "--registries-conf", "/dev/null"};
    WriteText(dir.File("policy.json"), R"({"default":[{"type":"insecureAcceptAnything"}]})");
    if (fixture == "arm64") {
      argv.insert(argv.end(), {"--override-arch", "arm64", "--override-variant", "v8"});
    }
    argv.insert(argv.end(), {"copy", "-q", "--preserve-digests", "--dest-tls-verify=false"});
    if (fixture == "multi" || fixture == "buildkit") {
      argv.push_back("--all");
    }
    argv.push_back("oci:" + FixtureDir() + "/layout:" + (fixture == "arm64" ? "multi" : fixture));
    argv.push_back("docker://" + dst);
    RunResult r = Run(argv);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "skopeo copy to " << dst << ": " << r.err);
    return dst;
  }
};

// RepoOf returns the repository of a REG/REPO:TAG reference.
inline std::string RepoOf(const std::string& image) {
  std::string noreg = image.substr(image.find('/') + 1);
  return noreg.substr(0, noreg.rfind(':'));
}

// Count returns how often |needle| occurs in |haystack| (overlaps included).
inline size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// RepoName returns a repository name unique to this test run and |what|, so that suites and
// repeated runs against the same fixture never see each other's signatures.
inline std::string RepoName(const std::string& what) {
  static const std::string run = std::to_string(::getpid());
  return "images-" + run + "/" + what;
}

}  // namespace vouch::images_test
