// `vouch serve` end to end: the built binary as a subprocess on a free port with a certificate
// made here by openssl, AdmissionReviews (tests/serve/review.h) posted over TLS with libcurl,
// decisions made against the docker-registry fixture (CTest fixture `registry_servers`).
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "serve/review.h"
#include "serve/serve_process.h"
#include "testutil/testutil.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

extern char** environ;

namespace vouch::serve_test {
namespace {

using Json = nlohmann::json;
using vouch::testing::Blackhole;
using vouch::testing::ReadText;
using vouch::testing::Run;
using vouch::testing::RunResult;
using vouch::testing::TempDir;
using vouch::testing::WriteText;

std::string Reg() { return vouch::testing::RegistryAddr("open"); }
std::string Known(const std::string& ref) { return vouch::testing::KnownDigest(ref); }
std::string Prefix() { return Reg() + "/serve-" + std::to_string(::getpid()); }

// FreePort returns a loopback port nobody listens on (bound, then closed).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Counter listens on a loopback port and accepts every connection, counting and closing it: a
// registry address that must never be connected to.
struct Counter {
  int port = 0;
  int fd = vouch::testing::ListenOnLoopback(port);
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0};
  std::thread thread;
  Counter() {
    thread = std::thread([this] {
      while (!stop) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) {
          int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) {
            ++accepted;
            ::close(c);
          }
        }
      }
    });
  }
  ~Counter() {
    stop = true;
    thread.join();
    ::close(fd);
  }
  std::string Host() const { return "127.0.0.1:" + std::to_string(port); }
};

// World is made once: keys, a serving certificate, images pushed with skopeo and signed with
// vouch.
struct World {
  TempDir dir;
  std::string cert, key, release_pem, release_pub;
  std::string signed_image, unsigned_image, audit_image, cache_image, flight_image, digest;
  int closed_port = 0;
  Blackhole hole;

  std::map<std::string, std::string> Env() const { return {{"DOCKER_CONFIG", dir.File("docker")}}; }

  void Push(const std::string& dst) {
    WriteText(dir.File("skopeo-policy.json"), R"({"default":[{"type":"insecureAcceptAnything"}]})");
    RunResult r =
        Run({"skopeo", "--policy", dir.File("skopeo-policy.json"), "--registries-conf", "/dev/null",
             "copy", "-q", "--preserve-digests", "--dest-tls-verify=false",
             "oci:" + vouch::testing::RegistryFixtureDir() + "/layout:single", "docker://" + dst});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "skopeo copy to " << dst << ": " << r.err);
  }

  void Sign(const std::string& image) {
    vouch::testing::RunOptions o;
    o.env = Env();
    RunResult r = vouch::testing::Vouch({"sign", image, "--key", release_pem}, o);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "vouch sign " << image << ": " << r.err);
  }

  World() {
    cert = dir.File("tls.crt");
    key = dir.File("tls.key");
    RunResult c = Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                       "/CN=vouch-gate.vouch-system.svc", "-keyout", key, "-out", cert, "-addext",
                       "subjectAltName=IP:127.0.0.1,DNS:vouch-gate.vouch-system.svc"});
    BOOST_REQUIRE_MESSAGE(c.exit_code == 0, c.err);
    release_pem = dir.File("release.pem");
    release_pub = dir.File("release.pub");
    RunResult g = Run(
        {"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", release_pem});
    BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
    RunResult p = Run({"openssl", "ec", "-in", release_pem, "-pubout", "-out", release_pub});
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    digest = Known("single");
    signed_image = Prefix() + "/signed:v1";
    unsigned_image = Prefix() + "/unsigned:v1";
    audit_image = Prefix() + "/audit/app:v1";
    cache_image = Prefix() + "/cache:v1";
    flight_image = Prefix() + "/flight:v1";
    for (const auto& i : {signed_image, unsigned_image, audit_image, cache_image, flight_image}) {
      Push(i);
    }
    Sign(signed_image);
    Sign(cache_image);
    Sign(flight_image);
    closed_port = FreePort();
  }

  // Policy returns a policy: enforce signatures by "release" under Prefix(), audit under
  // Prefix()/audit, the closed port (failurePolicy deny, and allow under /lenient), the
  // blackhole, and reject everything else. |extra| is spliced into the policies array first.
  std::string Policy(const std::string& extra = "") const {
    const std::string sig = R"("signatures":{"authorities":["release"],"threshold":1})";
    const std::string closed = "127.0.0.1:" + std::to_string(closed_port);
    const std::string hang = "127.0.0.1:" + std::to_string(hole.port());
    return R"({"version":1,"authorities":{"release":{"key":{"path":")" + release_pub +
           R"("}}},"policies":[)" + extra + R"({"name":"signed-only","scope":")" + Prefix() +
           R"(/**","mode":"enforce",)" + sig + R"(},{"name":"audit","scope":")" + Prefix() +
           R"(/audit/**","mode":"audit",)" + sig + R"(},{"name":"closed","scope":")" + closed +
           R"(/**","mode":"enforce",)" + sig + R"(},{"name":"lenient","scope":")" + closed +
           R"(/lenient/**","mode":"enforce","failurePolicy":"allow",)" + sig +
           R"(},{"name":"hang","scope":")" + hang + R"(/**","mode":"enforce",)" + sig +
           R"(},{"name":"default","scope":"*","mode":"reject"}]})";
  }
};

std::unique_ptr<World> g_world;

World& W() {
  if (!g_world) {
    g_world = std::make_unique<World>();
  }
  return *g_world;
}

// Server runs `vouch serve` on a free loopback port until destroyed (SIGTERM, then SIGKILL).
class Server {
 public:
  // |nofile|, when set, is the server's RLIMIT_NOFILE (soft and hard).
  explicit Server(const std::string& policy_text, std::vector<std::string> extra = {},
                  rlim_t nofile = 0) {
    World& w = W();
    policy_ = dir_.File("policy.json");
    WriteText(policy_, policy_text);
    log_ = dir_.File("decisions.log");
    std::vector<std::string> args = {
        vouch::testing::VouchBin(), "serve", "--policy",   policy_, "--listen", "127.0.0.1:0",
        "--decision-log",           log_,    "--deadline", "2s"};
    if (std::find(extra.begin(), extra.end(), "--tls-cert") == extra.end()) {
      args.insert(args.end(), {"--tls-cert", w.cert, "--tls-key", w.key});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    const std::string err = dir_.File("stderr");
    std::string docker = "DOCKER_CONFIG=" + w.dir.File("docker");
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 2);
      ::putenv(docker.data());
      ::unsetenv("SSL_CERT_FILE");
      if (nofile > 0) {
        rlimit lim{nofile, nofile};
        ::setrlimit(RLIMIT_NOFILE, &lim);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    port_ = WaitListening(pid_, err);
  }

  ~Server() { StopServe(pid_); }

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  struct Reply {
    long code = 0;
    std::string body;
  };

  Reply Request(const std::string& method, const std::string& path, const std::string& body = "") {
    Reply r;
    std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
    const std::string url = "https://127.0.0.1:" + std::to_string(port_) + path;
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CAINFO, (ca_.empty() ? W().cert : ca_).c_str());
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers);
    if (method == "POST") {
      curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(
        c.get(), CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* ud) -> size_t {
          static_cast<std::string*>(ud)->append(p, s * n);
          return s * n;
        });
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
    CURLcode rc = curl_easy_perform(c.get());
    curl_slist_free_all(headers);
    BOOST_REQUIRE_MESSAGE(rc == CURLE_OK, method << " " << path << ": " << curl_easy_strerror(rc)
                                                 << "\nserver log:\n"
                                                 << Stderr());
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.code);
    return r;
  }

  // Review posts |review| to |path| and returns the parsed response (HTTP 200 required).
  Json Review(const std::string& review, const std::string& path = "/validate") {
    Reply r = Request("POST", path, review);
    BOOST_REQUIRE_MESSAGE(r.code == 200, "HTTP " << r.code << ": " << r.body);
    Json j = Json::parse(r.body);
    BOOST_REQUIRE(j["apiVersion"] == "admission.k8s.io/v1");
    BOOST_REQUIRE(j["kind"] == "AdmissionReview");
    return j["response"];
  }

  // Metric returns the value of the exposition line starting with |series| (0 when absent).
  double Metric(const std::string& series) {
    std::string text = Request("GET", "/metrics").body;
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
      return 0;
    }
    return std::stod(text.substr(at + series.size() + 2));
  }
  std::string Metrics() { return Request("GET", "/metrics").body; }

  void Signal(int sig) { ::kill(pid_, sig); }
  int port() const { return port_; }
  // TrustOnly makes Request trust |ca| instead of the world's certificate.
  void TrustOnly(const std::string& ca) { ca_ = ca; }
  // TryGet is Request without the test failing on a TLS or connection error.
  bool TryGet(const std::string& path) {
    std::unique_ptr<CURL, void (*)(CURL*)> c(curl_easy_init(), curl_easy_cleanup);
    const std::string url = "https://127.0.0.1:" + std::to_string(port_) + path;
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CAINFO, (ca_.empty() ? W().cert : ca_).c_str());
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(
        c.get(), CURLOPT_WRITEFUNCTION,
        +[](char*, size_t s, size_t n, void*) -> size_t { return s * n; });
    return curl_easy_perform(c.get()) == CURLE_OK;
  }
  std::string Stderr() const { return ReadText(dir_.File("stderr")); }
  const std::string& policy_path() const { return policy_; }
  const std::string& log_path() const { return log_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string policy_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string ca_;
};

// The server most cases share (started on first use, stopped when the run ends).
std::unique_ptr<Server> g_main;

Server& Main() {
  if (!g_main) {
    g_main = std::make_unique<Server>(W().Policy());
  }
  return *g_main;
}

struct Teardown {
  Teardown() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~Teardown() {
    g_main.reset();
    g_world.reset();
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Teardown);

// WaitFor polls |pred| every 100 ms for up to 15 s (a liveness bound, not a timing assertion).
template <typename F>
bool WaitFor(F pred) {
  for (int i = 0; i < 150; ++i) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string Uid() {
  static int n = 0;
  return "7f0b2a9e-serve-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
}

std::string Message(const Json& resp) {
  return resp.contains("status") ? resp["status"].value("message", "") : "";
}

std::string AllWarnings(const Json& resp) {
  std::string s;
  for (const auto& w : resp.value("warnings", Json::array())) {
    s += w.get<std::string>() + "\n";
  }
  return s;
}

BOOST_AUTO_TEST_SUITE(serve)

BOOST_AUTO_TEST_CASE(probes_answer) {
  Server& s = Main();
  BOOST_TEST(s.Request("GET", "/healthz").code == 200);
  BOOST_TEST(s.Request("GET", "/readyz").code == 200);
  std::string m = s.Metrics();
  BOOST_TEST(m.find("# TYPE vouch_serve_request_duration_seconds histogram") != std::string::npos);
  std::string policy_digest = Digest::Of(AsBytes(ReadText(s.policy_path()))).ToString();
  BOOST_TEST(m.find("vouch_serve_policy_info{digest=\"" + policy_digest + "\",trust=\"sha256:") !=
             std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(signed_image_is_allowed) {
  Server& s = Main();
  const std::string uid = Uid();
  Json r = s.Review(Review(uid, "Pod", "web", {{W().signed_image}, {}, {}}));
  BOOST_TEST(r["uid"] == uid);
  BOOST_TEST(r["allowed"] == true, r.dump());
}

BOOST_AUTO_TEST_CASE(unsigned_image_is_denied_with_reasons) {
  Server& s = Main();
  const std::string uid = Uid();
  Json r = s.Review(Review(uid, "Deployment", "web", {{W().unsigned_image}, {}, {}}));
  BOOST_TEST(r["uid"] == uid);
  BOOST_TEST(r["allowed"] == false);
  BOOST_TEST(r["status"]["code"] == 403);
  const std::string msg = Message(r);
  BOOST_TEST(msg.find(W().unsigned_image) != std::string::npos, msg);
  BOOST_TEST(msg.find("signatures") != std::string::npos, msg);
  BOOST_TEST(msg.find("signed-only") != std::string::npos, msg);
  BOOST_TEST(msg.find("could not") == std::string::npos, "a rejection, not an error: " << msg);
}

BOOST_AUTO_TEST_CASE(mixed_pod_is_denied_naming_only_the_unsigned_image) {
  Server& s = Main();
  Json r =
      s.Review(Review(Uid(), "StatefulSet", "db", {{W().signed_image}, {W().unsigned_image}, {}}));
  BOOST_TEST(r["allowed"] == false);
  const std::string msg = Message(r);
  BOOST_TEST(msg.find(W().unsigned_image) != std::string::npos, msg);
  BOOST_TEST(msg.find(W().signed_image) == std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(audit_mode_allows_with_warnings) {
  Server& s = Main();
  Json r = s.Review(Review(Uid(), "CronJob", "nightly", {{W().audit_image}, {}, {}}));
  BOOST_TEST(r["allowed"] == true, r.dump());
  const std::string w = AllWarnings(r);
  BOOST_TEST(w.find(W().audit_image) != std::string::npos, w);
  BOOST_TEST(w.find("signatures") != std::string::npos, w);
}

// A kind whose pod template vouch does not know (a custom resource routed to the webhook) is
// denied by default: its images cannot be seen. admission.unknownKinds allow admits it.
BOOST_AUTO_TEST_CASE(unknown_kinds_are_denied_unless_the_policy_allows_them) {
  const std::string cm =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"cm-1","kind":{"group":"","version":"v1","kind":"ConfigMap"},"namespace":"team-a","operation":"CREATE","object":{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}}}})";
  Server& s = Main();
  const double denied0 = s.Metric("vouch_serve_reviews_skipped_total{reason=\"unknown-kind\"}");
  Json r = s.Review(cm);
  BOOST_TEST(r["uid"] == "cm-1");
  BOOST_TEST(r["allowed"] == false, r.dump());
  BOOST_TEST(Message(r).find("admission.unknownKinds: deny") != std::string::npos, Message(r));
  BOOST_TEST(s.Metric("vouch_serve_reviews_skipped_total{reason=\"unknown-kind\"}") == denied0 + 1);
  BOOST_TEST(s.Review(cm, "/mutate")["allowed"] == true);

  std::string allowing = W().Policy();
  allowing.insert(allowing.size() - 1, R"(,"admission":{"unknownKinds":"allow"})");
  Server a(allowing);
  Json ok = a.Review(cm);
  BOOST_TEST(ok["allowed"] == true, ok.dump());
  BOOST_TEST(AllWarnings(ok).find("admitted unverified") != std::string::npos, ok.dump());
}

// Every workload kind that embeds a pod template is read: an unsigned image in any of its
// container lists denies it.
BOOST_AUTO_TEST_CASE(every_workload_kind_is_gated) {
  Server& s = Main();
  for (const std::string kind : {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                                 "Job", "CronJob", "ReplicationController"}) {
    Json ok = s.Review(Review(Uid(), kind, "w", {{W().signed_image}, {W().signed_image}, {}}));
    BOOST_TEST(ok["allowed"] == true, kind << ": " << ok.dump());
    Json init = s.Review(Review(Uid(), kind, "w", {{W().signed_image}, {W().unsigned_image}, {}}));
    BOOST_TEST(init["allowed"] == false, kind << ": " << init.dump());
    BOOST_TEST(Message(init).find(W().unsigned_image) != std::string::npos, Message(init));
  }
}

// An image volume (Kubernetes 1.31+) is verified like a container's image, and /mutate pins it.
BOOST_AUTO_TEST_CASE(image_volumes_are_verified_and_pinned) {
  Server& s = Main();
  ReviewOptions bad;
  bad.volumes = {W().unsigned_image};
  Json r = s.Review(Review(Uid(), "Pod", "models", {{W().signed_image}, {}, {}}, bad));
  BOOST_TEST(r["allowed"] == false, r.dump());
  BOOST_TEST(Message(r).find(W().unsigned_image) != std::string::npos, Message(r));

  ReviewOptions good;
  good.volumes = {W().signed_image};
  Json m = s.Review(Review(Uid(), "Deployment", "models", {{W().signed_image}, {}, {}}, good),
                    "/mutate");
  BOOST_REQUIRE_MESSAGE(m.contains("patch"), m.dump());
  auto raw = Base64Decode(m["patch"].get<std::string>());
  BOOST_REQUIRE(raw.ok());
  Json patch = Json::parse(AsChars(*raw));
  BOOST_REQUIRE_EQUAL(patch.size(), 2u);
  BOOST_TEST(patch[1]["path"] == "/spec/template/spec/volumes/0/image/reference", patch.dump());
  BOOST_TEST(patch[1]["value"] == Prefix() + "/signed@" + W().digest);
}

// pods/ephemeralcontainers (kubectl debug) adds images to a running Pod: verified.
BOOST_AUTO_TEST_CASE(ephemeral_containers_are_verified) {
  Server& s = Main();
  ReviewOptions o;
  o.operation = "UPDATE";
  o.sub_resource = "ephemeralcontainers";
  o.old = PodImages{{W().signed_image}, {}, {}};
  Json r = s.Review(Review(Uid(), "Pod", "web", {{W().signed_image}, {}, {W().unsigned_image}}, o));
  BOOST_TEST(r["allowed"] == false, r.dump());
  BOOST_TEST(Message(r).find(W().unsigned_image) != std::string::npos, Message(r));
}

// DELETE, a status write, a finalizer removal on an object being deleted and an UPDATE that
// leaves every image as it was are allowed without verifying anything (here with an unsigned
// image the policy rejects): no registry request, no verification. An UPDATE that changes an
// image is verified.
BOOST_AUTO_TEST_CASE(requests_that_start_no_new_image_make_no_registry_request) {
  Server s(W().Policy());
  const double requests0 = s.Metric("vouch_serve_registry_requests_total");
  const double verifications0 = s.Metric("vouch_serve_verifications_total");
  const PodImages bad{{W().unsigned_image}, {}, {}};
  // Each request's old object holds the unsigned image.
  auto opts = [&](const std::string& operation) {
    ReviewOptions o;
    o.operation = operation;
    o.old = bad;
    return o;
  };
  ReviewOptions del = opts("DELETE");
  del.no_object = true;
  ReviewOptions status = opts("UPDATE");
  status.sub_resource = "status";
  ReviewOptions finalizer = opts("UPDATE");
  finalizer.deleting = true;
  ReviewOptions same = opts("UPDATE");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Review(Uid(), "Deployment", "web", {}, del), "delete"},
      {Review(Uid(), "Pod", "web", bad, status), "subresource"},
      {Review(Uid(), "Pod", "web", bad, finalizer), "deleting"},
      {Review(Uid(), "Deployment", "web", bad, same), "unchanged-images"},
  };
  for (const auto& [review, reason] : cases) {
    const std::string series = "vouch_serve_reviews_skipped_total{reason=\"" + reason + "\"}";
    const double before = s.Metric(series);
    Json r = s.Review(review);
    BOOST_TEST(r["allowed"] == true, reason << ": " << r.dump());
    Json m = s.Review(review, "/mutate");
    BOOST_TEST(m["allowed"] == true, reason << ": " << m.dump());
    BOOST_TEST(!m.contains("patch"), reason << ": " << m.dump());
    BOOST_TEST(s.Metric(series) == before + 1, reason);
  }
  BOOST_TEST(s.Metric("vouch_serve_registry_requests_total") == requests0);
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") == verifications0);
  BOOST_TEST(s.Metric("vouch_serve_decisions_total{result=\"allowed\"}") == 4);

  // The same Deployment with its image changed from the signed to the unsigned one: verified.
  ReviewOptions changed;
  changed.operation = "UPDATE";
  changed.old = PodImages{{W().signed_image}, {}, {}};
  Json r = s.Review(Review(Uid(), "Deployment", "web", bad, changed));
  BOOST_TEST(r["allowed"] == false, r.dump());
  BOOST_TEST(Message(r).find("signatures") != std::string::npos, Message(r));
  BOOST_TEST(s.Metric("vouch_serve_registry_requests_total") > requests0);
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") == verifications0 + 1);

  // The decision log says which were skipped and why.
  std::string log = ReadText(s.log_path());
  BOOST_TEST(log.find(R"("skipped":"unchanged-images")") != std::string::npos, log);
  BOOST_TEST(log.find(R"("skipped":"delete")") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(mutate_pins_accepted_tags_to_the_verified_digest) {
  Server& s = Main();
  const std::string pinned_init = Prefix() + "/signed@" + W().digest;
  Json r = s.Review(Review(Uid(), "Deployment", "web",
                           {{W().signed_image, W().unsigned_image}, {pinned_init}, {}}),
                    "/mutate");
  BOOST_TEST(r["allowed"] == true);
  BOOST_REQUIRE_MESSAGE(r.contains("patch"), r.dump());
  BOOST_TEST(r["patchType"] == "JSONPatch");
  auto raw = Base64Decode(r["patch"].get<std::string>());
  BOOST_REQUIRE(raw.ok());
  Json patch = Json::parse(AsChars(*raw));
  Json want = Json::array({Json{{"op", "replace"},
                                {"path", "/spec/template/spec/containers/0/image"},
                                {"value", Prefix() + "/signed@" + W().digest}}});
  BOOST_TEST(patch == want, patch.dump());
}

BOOST_AUTO_TEST_CASE(registry_down_denies_unless_failure_policy_allows) {
  Server& s = Main();
  const std::string down = "127.0.0.1:" + std::to_string(W().closed_port) + "/team/app:v1";
  Json r = s.Review(Review(Uid(), "Pod", "p", {{down}, {}, {}}));
  BOOST_TEST(r["allowed"] == false);
  BOOST_TEST(Message(r).find(down) != std::string::npos, Message(r));
  BOOST_TEST(Message(r).find("could not") != std::string::npos, Message(r));

  const std::string lenient = "127.0.0.1:" + std::to_string(W().closed_port) + "/lenient/app:v1";
  Json a = s.Review(Review(Uid(), "Pod", "p", {{lenient}, {}, {}}));
  BOOST_TEST(a["allowed"] == true, a.dump());
  BOOST_TEST(AllWarnings(a).find("failurePolicy allow") != std::string::npos, a.dump());
}

BOOST_AUTO_TEST_CASE(hung_registry_is_denied_at_the_deadline) {
  Server& s = Main();
  const std::string hung = "127.0.0.1:" + std::to_string(W().hole.port()) + "/team/app:v1";
  Json r = s.Review(Review(Uid(), "Job", "j", {{hung}, {}, {}}));
  BOOST_TEST(r["allowed"] == false);
  BOOST_TEST(Message(r).find("could not verify within the deadline") != std::string::npos,
             Message(r));
  BOOST_TEST(s.Metric("vouch_serve_image_decisions_total{result=\"timeout\"}") >= 1);
}

BOOST_AUTO_TEST_CASE(bad_requests_get_4xx_and_the_server_keeps_serving) {
  Server& s = Main();
  auto r = s.Request("POST", "/validate", "this is not json");
  BOOST_TEST(r.code == 400);
  BOOST_TEST(r.body.find("AdmissionReview") != std::string::npos, r.body);
  r = s.Request("POST", "/validate", R"({"apiVersion":"v1","kind":"Pod","metadata":{}})");
  BOOST_TEST(r.code == 400);
  BOOST_TEST(r.body.find("not an AdmissionReview") != std::string::npos, r.body);
  r = s.Request("POST", "/mutate", std::string(4 << 20, '{'));
  BOOST_TEST(r.code == 400);
  BOOST_TEST(r.body.find("over the limit") != std::string::npos, r.body);
  r = s.Request("GET", "/validate");
  BOOST_TEST(r.code == 405);
  r = s.Request("POST", "/healthz", "{}");
  BOOST_TEST(r.code == 405);
  r = s.Request("GET", "/admin");
  BOOST_TEST(r.code == 404);
  BOOST_TEST(s.Request("GET", "/healthz").code == 200);
  Json ok = s.Review(Review(Uid(), "Pod", "after", {{W().unsigned_image}, {}, {}}));
  BOOST_TEST(ok["allowed"] == false);
  BOOST_TEST(s.Metric("vouch_serve_requests_total{path=\"/validate\",code=\"400\"}") >= 2);
}

BOOST_AUTO_TEST_CASE(eight_containers_of_one_image_cost_one_verification) {
  Server& s = Main();
  const double v0 = s.Metric("vouch_serve_verifications_total");
  const double t0 = s.Metric("vouch_serve_tag_resolutions_total");
  const double h0 = s.Metric("vouch_serve_cache_hits_total");
  const size_t log0 = ReadText(vouch::testing::RegistryFixtureDir() + "/open.log").size();
  PodImages eight{std::vector<std::string>(8, W().cache_image), {}, {}};
  Json r = s.Review(Review(Uid(), "DaemonSet", "agent", eight));
  BOOST_TEST(r["allowed"] == true, r.dump());
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") - v0 == 1);
  BOOST_TEST(s.Metric("vouch_serve_tag_resolutions_total") - t0 == 1);
  // Every registry request the gate made reached the registry (and nothing else did).
  std::string log = ReadText(vouch::testing::RegistryFixtureDir() + "/open.log").substr(log0);
  size_t logged = 0;
  for (size_t at = log.find("/v2/"); at != std::string::npos; at = log.find("/v2/", at + 1)) {
    logged += log.compare(at - 5, 5, "HEAD ") == 0 || log.compare(at - 4, 4, "GET ") == 0;
  }
  BOOST_TEST(logged >= 1u);
  // Again, twice, and as the pinned reference /mutate writes: all from the cache.
  for (int i = 0; i < 2; ++i) {
    Json again = s.Review(Review(Uid(), "Pod", "agent-x", eight));
    BOOST_TEST(again["allowed"] == true);
  }
  Json pinned =
      s.Review(Review(Uid(), "Pod", "agent-y", {{Prefix() + "/cache@" + W().digest}, {}, {}}));
  BOOST_TEST(pinned["allowed"] == true);
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") - v0 == 1);
  BOOST_TEST(s.Metric("vouch_serve_cache_hits_total") - h0 >= 3);
}

BOOST_AUTO_TEST_CASE(decision_log_has_one_line_per_decision) {
  Server& s = Main();
  const std::string uid = Uid();
  s.Review(Review(uid, "ReplicaSet", "rs-1", {{W().unsigned_image}, {}, {}}));
  std::string text = ReadText(s.log_path());
  std::string line;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    BOOST_REQUIRE(nl != std::string::npos);  // every record ends its line
    std::string l = text.substr(start, nl - start);
    Json j = Json::parse(l);  // every line is one JSON object
    if (j["uid"] == uid) {
      line = l;
    }
    start = nl + 1;
  }
  BOOST_REQUIRE_MESSAGE(!line.empty(), "no decision logged for " << uid);
  Json j = Json::parse(line);
  BOOST_TEST(j["namespace"] == "team-a");
  BOOST_TEST(j["kind"] == "apps/ReplicaSet");
  BOOST_TEST(j["name"] == "rs-1");
  BOOST_TEST(j["result"] == "denied");
  BOOST_TEST(j["images"][0]["image"] == W().unsigned_image);
  BOOST_TEST(j["images"][0]["digest"] == W().digest);
  BOOST_TEST(!j["reasons"].empty());
  BOOST_TEST(j["policyDigest"] == Digest::Of(AsBytes(ReadText(s.policy_path()))).ToString());
  BOOST_TEST(!j["time"].get<std::string>().empty());
  BOOST_TEST(j["user"]["username"] == "admin");
  BOOST_TEST(j["user"]["groups"] == Json::array({"system:authenticated", "my-admin-group"}));
  BOOST_TEST(j["images"][0]["evidence"].empty(), "nothing counted for an unsigned image");
}

// LogLine returns the decision log record of |uid| (fails when there is none).
Json LogLine(const Server& s, const std::string& uid) {
  const std::string text = ReadText(s.log_path());
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    Json j = Json::parse(text.substr(start, nl - start));
    if (j["uid"] == uid) {
      return j;
    }
    start = nl + 1;
  }
  BOOST_FAIL("no decision logged for " << uid);
  return Json();
}

// "Who deployed what, admitted on what evidence": the user, the digest, and the signature that
// counted, with its signer's key id, from the verification and from the cache alike.
BOOST_AUTO_TEST_CASE(decision_log_records_the_user_and_the_evidence) {
  Server& s = Main();
  RunResult info =
      vouch::testing::Vouch({"key", "info", "--key", W().release_pub, "--output", "json"});
  BOOST_REQUIRE_MESSAGE(info.exit_code == 0, info.err);
  const std::string key_id = Json::parse(info.out).value("keyId", "");
  BOOST_REQUIRE(!key_id.empty());
  for (int round = 0; round < 2; ++round) {
    const std::string uid = Uid();
    ReviewOptions o;
    o.username = "system:serviceaccount:ci:deployer";
    Json r = s.Review(Review(uid, "StatefulSet", "db", {{W().signed_image}, {}, {}}, o));
    BOOST_TEST(r["allowed"] == true, r.dump());
    Json j = LogLine(s, uid);
    BOOST_TEST(j["user"]["username"] == "system:serviceaccount:ci:deployer");
    BOOST_TEST(j["kind"] == "apps/StatefulSet");
    BOOST_TEST(j["operation"] == "CREATE");
    const Json& image = j["images"][0];
    BOOST_TEST(image["digest"] == W().digest);
    if (round == 1) {
      BOOST_TEST(image["cached"] == true);  // the evidence travels with the cached decision
    }
    BOOST_REQUIRE_MESSAGE(!image["evidence"].empty(), j.dump());
    const Json& e = image["evidence"][0];
    BOOST_TEST(e["kind"] == "signature");
    BOOST_TEST(e["authority"] == "release");
    BOOST_TEST(e["keyId"] == key_id, j.dump());
    BOOST_TEST(e["digest"].get<std::string>().rfind("sha256:", 0) == 0u, j.dump());
  }
}

void Replace(const std::string& path, const std::string& text) {
  WriteText(path + ".new", text);
  std::filesystem::rename(path + ".new", path);
}

BOOST_AUTO_TEST_CASE(policy_reload_applies_good_and_refuses_bad) {
  Server s(W().Policy());
  const std::string review = Review(Uid(), "Pod", "p", {{W().unsigned_image}, {}, {}});
  BOOST_TEST(s.Review(review)["allowed"] == false);

  // A new policy that accepts the unsigned repository.
  const std::string accept =
      R"({"name":"unsigned-ok","scope":")" + Prefix() + R"(/unsigned","mode":"accept"},)";
  const std::string good = W().Policy(accept);
  const std::string good_digest = Digest::Of(AsBytes(good)).ToString();
  Replace(s.policy_path(), good);
  BOOST_REQUIRE_MESSAGE(WaitFor([&] {
                          return s.Metrics().find("digest=\"" + good_digest + "\"") !=
                                 std::string::npos;
                        }),
                        "the changed policy was never loaded:\n"
                            << s.Stderr());
  BOOST_TEST(s.Review(review)["allowed"] == true);

  // A broken policy is refused; the good one stays.
  Replace(s.policy_path(),
          R"({"version":1,"policies":[{"name":"x","scope":"*","mode":"sometimes"}]})");
  BOOST_REQUIRE_MESSAGE(
      WaitFor([&] { return s.Metric("vouch_serve_policy_reloads_total{result=\"error\"}") >= 1; }),
      "the broken policy was never looked at:\n"
          << s.Stderr());
  BOOST_TEST(s.Metrics().find("digest=\"" + good_digest + "\"") != std::string::npos);
  BOOST_TEST(s.Review(review)["allowed"] == true);
  BOOST_TEST(s.Stderr().find("policy reload refused") != std::string::npos, s.Stderr());

  // SIGHUP forces a reload of the (still broken) file: refused again.
  s.Signal(SIGHUP);
  BOOST_REQUIRE_MESSAGE(WaitFor([&] {
                          return s.Metric("vouch_serve_policy_reloads_total{result=\"error\"}") >=
                                 2;
                        }),
                        "SIGHUP did not reload:\n"
                            << s.Stderr());
  BOOST_TEST(s.Request("GET", "/readyz").code == 200);

  // SIGHUP with the original policy back: applied.
  WriteText(s.policy_path(), W().Policy());
  s.Signal(SIGHUP);
  const std::string first_digest = Digest::Of(AsBytes(W().Policy())).ToString();
  BOOST_REQUIRE(WaitFor(
      [&] { return s.Metrics().find("digest=\"" + first_digest + "\"") != std::string::npos; }));
  BOOST_TEST(s.Review(review)["allowed"] == false);
}

// The decision cache is keyed by the trust material too: a key file replaced under an unchanged
// policy file (key rotation, a revoked key) and a reload never answer with the old decision.
BOOST_AUTO_TEST_CASE(changed_key_file_is_never_answered_from_the_cache) {
  TempDir d;
  const std::string pub = d.File("release.pub");
  WriteText(pub, ReadText(W().release_pub));
  std::string policy = W().Policy();
  policy.replace(policy.find(W().release_pub), W().release_pub.size(), pub);
  Server s(policy);
  const auto review = [&] {
    return s.Review(Review(Uid(), "Pod", "p", {{W().signed_image}, {}, {}}));
  };
  BOOST_TEST(review()["allowed"] == true);
  const double verifications = s.Metric("vouch_serve_verifications_total");
  BOOST_TEST(review()["allowed"] == true);  // from the cache
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") == verifications);

  const std::string before = s.Metrics();
  RunResult g = Run({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                     d.File("other.pem")});
  BOOST_REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  RunResult p = Run({"openssl", "ec", "-in", d.File("other.pem"), "-pubout", "-out", pub});
  BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
  s.Signal(SIGHUP);
  BOOST_REQUIRE_MESSAGE(
      WaitFor([&] { return s.Metric("vouch_serve_policy_reloads_total{result=\"ok\"}") >= 1; }),
      "the reload after the key change was never applied:\n"
          << s.Stderr());
  BOOST_TEST(s.Metrics().find(before.substr(before.find("trust=\""), 80)) == std::string::npos);
  Json r = review();
  BOOST_TEST(r["allowed"] == false, r.dump());
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") == verifications + 1);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_share_one_verification) {
  Server& s = Main();
  const double v0 = s.Metric("vouch_serve_verifications_total");
  std::vector<std::thread> threads;
  std::vector<Json> answers(6);
  for (size_t i = 0; i < answers.size(); ++i) {
    const std::string review = Review(Uid(), "Pod", "p" + std::to_string(i),
                                      {{W().flight_image, W().flight_image}, {}, {}});
    threads.emplace_back([&s, &answers, i, review] { answers[i] = s.Review(review); });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const Json& a : answers) {
    BOOST_TEST(a["allowed"] == true, a.dump());
  }
  // Whether a request joined the running verification or found its cached result, the image
  // was verified once.
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") - v0 == 1);
}

BOOST_AUTO_TEST_CASE(rotated_certificate_is_served_to_new_connections) {
  TempDir d;
  const std::string cert = d.File("tls.crt"), key = d.File("tls.key");
  std::filesystem::copy_file(W().cert, cert);
  std::filesystem::copy_file(W().key, key);
  Server s(W().Policy(), {"--tls-cert", cert, "--tls-key", key});
  BOOST_TEST(s.TryGet("/healthz"));
  // A new pair (as cert-manager would write it), trusted alone by the client from now on.
  RunResult c =
      Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-days", "2", "-subj", "/CN=rotated", "-keyout", d.File("new.key"), "-out",
           d.File("new.crt"), "-addext", "subjectAltName=IP:127.0.0.1"});
  BOOST_REQUIRE_MESSAGE(c.exit_code == 0, c.err);
  s.TrustOnly(d.File("new.crt"));
  BOOST_TEST(!s.TryGet("/healthz"));  // still the old certificate
  // A half-written rotation (new certificate, old key) is refused and the old pair kept.
  std::filesystem::copy_file(d.File("new.crt"), cert,
                             std::filesystem::copy_options::overwrite_existing);
  BOOST_REQUIRE(
      WaitFor([&] { return s.Stderr().find("certificate reload refused") != std::string::npos; }));
  s.TrustOnly(W().cert);
  BOOST_TEST(s.TryGet("/healthz"));
  std::filesystem::copy_file(d.File("new.key"), key,
                             std::filesystem::copy_options::overwrite_existing);
  s.TrustOnly(d.File("new.crt"));
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return s.TryGet("/healthz"); }),
                        "the rotated certificate was never served:\n"
                            << s.Stderr());
}

BOOST_AUTO_TEST_CASE(review_over_the_image_cap_is_refused_without_verifying) {
  Server s(W().Policy(), {"--max-images-per-review", "3"});
  // Three distinct images in five containers: within the cap, verified as usual.
  PodImages three{
      {W().signed_image, W().cache_image, W().signed_image}, {W().flight_image}, {W().cache_image}};
  Json ok = s.Review(Review(Uid(), "Pod", "three", three));
  BOOST_TEST(ok["allowed"] == true, ok.dump());

  const double verifications = s.Metric("vouch_serve_verifications_total");
  const double resolutions = s.Metric("vouch_serve_tag_resolutions_total");
  const double requests = s.Metric("vouch_serve_registry_requests_total");
  const std::string uid = Uid();
  PodImages four{{W().signed_image, Prefix() + "/never-looked-up:v1"},
                 {W().flight_image},
                 {W().unsigned_image}};
  Json r = s.Review(Review(uid, "Pod", "four", four));
  BOOST_TEST(r["allowed"] == false);
  BOOST_TEST(r["status"]["code"] == 403);
  const std::string msg = Message(r);
  BOOST_TEST(msg.find("4 distinct images, over the cap of 3") != std::string::npos, msg);
  BOOST_TEST(msg.find("--max-images-per-review") != std::string::npos, msg);
  BOOST_TEST(msg.find("rejected") == std::string::npos, "a refusal, not a verdict: " << msg);

  Json m = s.Review(Review(Uid(), "Pod", "four", four), "/mutate");
  BOOST_TEST(m["allowed"] == true);
  BOOST_TEST(!m.contains("patch"), m.dump());
  BOOST_TEST(AllWarnings(m).find("cap of 3") != std::string::npos, m.dump());

  // Not one image of either review was looked up.
  BOOST_TEST(s.Metric("vouch_serve_verifications_total") == verifications);
  BOOST_TEST(s.Metric("vouch_serve_tag_resolutions_total") == resolutions);
  BOOST_TEST(s.Metric("vouch_serve_registry_requests_total") == requests);
  BOOST_TEST(s.Metric("vouch_serve_reviews_over_image_cap_total") == 2);
  const std::string log = ReadText(s.log_path());
  const size_t at = log.find(uid);
  BOOST_REQUIRE(at != std::string::npos);
  const std::string line = log.substr(at, log.find('\n', at) - at);
  BOOST_TEST(line.find("cap of 3") != std::string::npos, line);
}

// Tenant isolation: reviews flooding a registry that never answers (each naming images of
// their own) hold at most --registry-concurrency workers, and are cancelled once their
// deadline passes, while a review of an image on the healthy registry is answered in time.
BOOST_AUTO_TEST_CASE(dead_registry_flood_does_not_starve_a_healthy_registry) {
  Blackhole dead;
  const std::string host = dead.host_port();
  const std::string scope = R"({"name":"dead","scope":")" + host +
                            R"(/**","mode":"enforce","signatures":{"authorities":["release"],)"
                            R"("threshold":1}},)";
  Server s(W().Policy(scope), {"--workers", "6"});
  std::vector<Json> answers(12);
  std::vector<std::thread> flood;
  for (size_t i = 0; i < answers.size(); ++i) {
    PodImages p;
    for (int j = 0; j < 4; ++j) {
      p.containers.push_back(host + "/tenant-" + std::to_string(i) + "/app-" + std::to_string(j) +
                             ":v1");
    }
    const std::string review = Review(Uid(), "Pod", "flood-" + std::to_string(i), p);
    flood.emplace_back([&s, &answers, i, review] { answers[i] = s.Review(review); });
  }
  BOOST_REQUIRE_MESSAGE(
      WaitFor([&] { return s.Metric("vouch_serve_verifications_in_flight") >= 4; }), s.Metrics());
  // The dead registry holds its four slots; the rest of its work waits off the workers.
  BOOST_TEST(s.Metric("vouch_serve_verifications_in_flight") <= 4);
  BOOST_TEST(s.Metric("vouch_serve_verifications_queued") >= 1);
  Json healthy = s.Review(Review(Uid(), "Pod", "healthy", {{W().signed_image}, {}, {}}));
  BOOST_TEST(healthy["allowed"] == true, healthy.dump());
  for (auto& t : flood) {
    t.join();
  }
  for (const Json& a : answers) {
    BOOST_TEST(a["allowed"] == false);
    BOOST_TEST(Message(a).find("could not verify within the deadline") != std::string::npos,
               Message(a));
  }
  // Nobody waits for the dead registry any more: its verifications stop (cancelled, never
  // cached), and the workers are free again.
  BOOST_REQUIRE_MESSAGE(WaitFor([&] {
                          return s.Metric("vouch_serve_verifications_in_flight") == 0 &&
                                 s.Metric("vouch_serve_verifications_queued") == 0;
                        }),
                        s.Metrics());
  BOOST_TEST(s.Metric("vouch_serve_verifications_cancelled_total") >= 1);
  BOOST_TEST(s.Metric("vouch_serve_cache_hits_total") == 0);
}

// Connect opens a plain TCP connection to the server (no TLS: it only occupies a descriptor).
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  return fd;
}

// ClosedByPeer reports whether the server has closed |fd| (end of stream or reset).
bool ClosedByPeer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) {
    return false;
  }
  char c = 0;
  return ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

BOOST_AUTO_TEST_CASE(connections_over_the_cap_are_closed_at_once) {
  Server s(W().Policy(), {"--max-connections", "4"});
  std::vector<int> fds;
  for (int i = 0; i < 4 + 3; ++i) {
    fds.push_back(Connect(s.port()));
  }
  auto closed = [&] {
    return std::count_if(fds.begin(), fds.end(), [](int fd) { return ClosedByPeer(fd); });
  };
  BOOST_REQUIRE(WaitFor([&] { return closed() >= 3; }));
  // Exactly the three over the cap (the first four wait in their TLS handshake for 10 s).
  BOOST_TEST(closed() == 3);
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(!ClosedByPeer(fds[static_cast<size_t>(i)]), "connection " << i);
  }
  for (int fd : fds) {
    ::close(fd);
  }
  // Once they are gone, the server answers again.
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return s.TryGet("/healthz"); }), s.Stderr());
  BOOST_TEST(s.Metric("vouch_serve_connections_refused_total") >= 3);
}

// Out of descriptors (RLIMIT_NOFILE lowered for the server): accept fails with EMFILE while the
// connection waits in the backlog. The server pauses accepting instead of spinning on it, keeps
// serving the connections it has, and accepts again once descriptors are free.
BOOST_AUTO_TEST_CASE(descriptor_exhaustion_pauses_accepts_and_recovers) {
  Server s(W().Policy(), {}, 40);
  // A keep-alive connection made before the descriptors run out.
  std::unique_ptr<CURL, void (*)(CURL*)> keep(curl_easy_init(), curl_easy_cleanup);
  std::string body;
  auto get = [&](const std::string& path) {
    body.clear();
    const std::string url = "https://127.0.0.1:" + std::to_string(s.port()) + path;
    curl_easy_setopt(keep.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(keep.get(), CURLOPT_CAINFO, W().cert.c_str());
    curl_easy_setopt(keep.get(), CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(
        keep.get(), CURLOPT_WRITEFUNCTION, +[](char* p, size_t sz, size_t n, void* ud) -> size_t {
          static_cast<std::string*>(ud)->append(p, sz * n);
          return sz * n;
        });
    curl_easy_setopt(keep.get(), CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(keep.get());
    BOOST_REQUIRE_MESSAGE(rc == CURLE_OK, path << ": " << curl_easy_strerror(rc));
    long reused = 0;
    curl_easy_getinfo(keep.get(), CURLINFO_NUM_CONNECTS, &reused);
    return reused;
  };
  get("/healthz");
  auto accept_errors = [&] {
    BOOST_REQUIRE_EQUAL(get("/metrics"), 0);  // no new connection was needed
    const std::string series = "\nvouch_serve_accept_errors_total ";
    size_t at = body.find(series);
    return at == std::string::npos ? 0.0 : std::stod(body.substr(at + series.size()));
  };
  std::vector<int> fds;
  for (int i = 0; i < 60; ++i) {
    fds.push_back(Connect(s.port()));
  }
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return accept_errors() >= 1; }), s.Stderr());
  // A spinning accept loop fails thousands of times a second; this one pauses 50 ms, doubling
  // to 1 s, between attempts.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double errors = accept_errors();
  BOOST_TEST(errors <= 40, errors);
  BOOST_TEST(get("/healthz") == 0);  // the connections it has are still served
  for (int fd : fds) {
    ::close(fd);
  }
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return s.TryGet("/healthz"); }), s.Stderr());
  BOOST_TEST(s.Stderr().find("pausing accepts") != std::string::npos, s.Stderr());
}

BOOST_AUTO_TEST_CASE(bad_start_configuration_is_a_usage_error) {
  TempDir d;
  WriteText(d.File("bad.json"), "{");
  RunResult r = vouch::testing::Vouch({"serve", "--policy", d.File("bad.json"), "--tls-cert",
                                       W().cert, "--tls-key", W().key, "--listen", "127.0.0.1:0"});
  BOOST_TEST(r.exit_code == 2, r.err);
  WriteText(d.File("ok.json"), W().Policy());
  r = vouch::testing::Vouch({"serve", "--policy", d.File("ok.json"), "--tls-cert", d.File("none"),
                             "--tls-key", W().key, "--listen", "127.0.0.1:0"});
  BOOST_TEST(r.exit_code == 2, r.err);
  // Durations: vouch/core/duration.h's grammar, positive; a bare number is not seconds.
  const std::vector<std::pair<std::string, std::string>> bad_durations = {
      {"--deadline", "soon"}, {"--deadline", "8"},    {"--deadline", "0s"},   {"--deadline", "1us"},
      {"--cache-ttl", "0s"},  {"--cache-ttl", "300"}, {"--tag-ttl", "500ms"}, {"--tag-ttl", "-30s"},
  };
  for (const auto& [flag, value] : bad_durations) {
    r = vouch::testing::Vouch({"serve", "--policy", d.File("ok.json"), "--tls-cert", W().cert,
                               "--tls-key", W().key, "--listen", "127.0.0.1:0", flag, value});
    BOOST_TEST(r.exit_code == 2, flag << " " << value << ": " << r.err);
    BOOST_TEST(r.err.find(flag + ": bad duration \"" + value + "\"") != std::string::npos, r.err);
  }
}

// A registry whose bodies all arrive cut short or reset (the fault proxy,
// tests/fixtures/fault_proxy.py, in front of the open registry; HEADs pass, so tags resolve) makes
// the verification "error": denied as could not check, never rejected. The rejection-free error
// is not cached either: once the faults are cleared, the next review verifies the image.
BOOST_AUTO_TEST_CASE(truncated_or_reset_registry_is_an_error_and_not_cached) {
  vouch::testing::FaultProxy proxy(Reg());
  const std::string image = proxy.host_port() + W().signed_image.substr(Reg().size());
  // Without the negative cache (--error-cache-ttl 0; its reuse of "could not check" is covered
  // by the shared cache's unit tests) and without the circuit breaker (these faults would open
  // it): this case is about what one failed verification leaves behind.
  Server s(W().Policy(
               R"({"name":"proxied","scope":")" + proxy.host_port() +
               R"(/**","mode":"enforce","signatures":{"authorities":["release"],"threshold":1}},)"),
           {"--error-cache-ttl", "0", "--registry-breaker", "0"});
  auto image_log = [&](const std::string& uid) {
    const std::string text = ReadText(s.log_path());
    for (size_t start = 0, nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      Json j = Json::parse(text.substr(start, nl - start));
      if (j["uid"] == uid) {
        return j["images"][0];
      }
    }
    BOOST_FAIL("no decision logged for " << uid);
    return Json();
  };
  for (const auto& [fault, extra] : std::vector<std::pair<std::string, std::string>>{
           {"truncate", ""}, {"reset", R"(, "bytes": 1)"}}) {
    proxy.SetRules(vouch::testing::FaultRule("", fault, extra));
    const std::string uid = Uid();
    Json r = s.Review(Review(uid, "Pod", "p", {{image}, {}, {}}));
    BOOST_TEST(r["allowed"] == false, fault << ": " << r.dump());
    BOOST_TEST(Message(r).find("could not be verified") != std::string::npos, Message(r));
    Json logged = image_log(uid);
    BOOST_TEST(logged["result"] == "error", fault << ": " << logged.dump());
    BOOST_TEST(proxy.Faults() > 0, proxy.Log());
  }
  proxy.SetRules("[]");
  const std::string uid = Uid();
  Json r = s.Review(Review(uid, "Pod", "p", {{image}, {}, {}}));
  BOOST_TEST(r["allowed"] == true, r.dump() << "\n" << s.Stderr());
  Json logged = image_log(uid);
  BOOST_TEST(logged["result"] == "accepted", logged.dump());
  BOOST_TEST(logged["cached"] == false, logged.dump());
}

// A cold decision by tag asks for the manifest once: the gate's tag resolution (HEAD by tag)
// hands its descriptor to the engine, which does not resolve the digest again; a round trip
// fewer on every cold image. By digest, the one HEAD is the digest's.
BOOST_AUTO_TEST_CASE(cold_decision_resolves_the_manifest_once) {
  vouch::testing::FaultProxy proxy(Reg(), "[]");
  const std::string host = proxy.host_port();
  const std::string path = W().signed_image.substr(Reg().size());  // "/serve-PID/signed:v1"
  Server s(W().Policy(R"({"name":"proxied","scope":")" + host +
                      R"(/**","mode":"enforce","signatures":{"authorities":["release"],)"
                      R"("threshold":1}},)"));
  auto manifest_heads = [&] {
    std::vector<std::string> heads;
    std::istringstream log(proxy.Log());
    for (std::string line; std::getline(log, line);) {
      if (line.rfind("REQUEST HEAD ", 0) == 0 && line.find("/manifests/") != std::string::npos) {
        heads.push_back(line);
      }
    }
    return heads;
  };
  Json r = s.Review(Review(Uid(), "Pod", "p", {{host + path}, {}, {}}));
  BOOST_TEST(r["allowed"] == true, r.dump() << "\n" << proxy.Log());
  std::vector<std::string> heads = manifest_heads();
  BOOST_TEST_REQUIRE(heads.size() == 1u, proxy.Log());
  BOOST_TEST(heads[0].find("/manifests/v1") != std::string::npos, heads[0]);

  // By digest, on a server that has not seen the image: the HEAD is the digest's own.
  Server by_digest(W().Policy(R"({"name":"proxied","scope":")" + host +
                              R"(/**","mode":"enforce","signatures":{"authorities":["release"],)"
                              R"("threshold":1}},)"));
  const std::string pinned = host + path.substr(0, path.rfind(':')) + "@" + W().digest;
  r = by_digest.Review(Review(Uid(), "Pod", "p", {{pinned}, {}, {}}));
  BOOST_TEST(r["allowed"] == true, r.dump() << "\n" << proxy.Log());
  heads = manifest_heads();
  BOOST_TEST_REQUIRE(heads.size() == 2u, proxy.Log());
  BOOST_TEST(heads[1].find("/manifests/" + W().digest) != std::string::npos, heads[1]);
}

// A registry that throttles (429 with a long Retry-After) and then fails (503), behind the fault
// proxy: every image is "could not check" with its own result, "throttled", never "rejected";
// the circuit opens (metrics), later requests fail at once without reaching the registry (the
// proxy's request count), the cool-down is the registry's Retry-After, a failed trial reopens
// it, and once the faults are gone the trial closes it and the image is verified. Nothing is
// admitted unverified, except under the scope that says fetchFailure warn, and only while the
// registry could not be read: its unsigned image is rejected once the registry answers. The
// negative cache is off (--error-cache-ttl 0) so that every review reaches the breaker.
BOOST_AUTO_TEST_CASE(throttled_registry_opens_the_circuit_and_never_admits_unverified) {
  vouch::testing::FaultProxy proxy(Reg(), R"([{"action":"status","code":429,"retry_after":10}])");
  const std::string host = proxy.host_port();
  const std::string path = W().signed_image.substr(Reg().size());  // "/serve-PID/signed:v1"
  const std::string signed_image = host + path;
  const std::string unsigned_image = host + W().unsigned_image.substr(Reg().size());
  const std::string sig = R"("signatures":{"authorities":["release"],"threshold":1})";
  Server s(W().Policy(R"({"name":"proxied","scope":")" + host + R"(/**","mode":"enforce",)" +
                      sig + R"(},{"name":"warned","scope":")" + host +
                      R"(/*/unsigned","mode":"enforce","fetchFailure":"warn",)" + sig + "},"),
           {"--registry-breaker", "2", "--registry-breaker-cooldown", "1s", "--error-cache-ttl",
            "0"});
  const std::string open_gauge = "vouch_serve_registry_circuit_open{registry=\"" + host + "\"}";
  const std::string opened = "vouch_serve_registry_circuit_opened_total{registry=\"" + host + "\"}";
  auto throttled = [&](const std::string& reason) {
    return s.Metric("vouch_serve_registry_throttled_total{registry=\"" + host +
                    "\",reason=\"" + reason + "\"}");
  };
  auto denied_as_throttled = [&](const std::string& image, const std::string& step) {
    Json r = s.Review(Review(Uid(), "Pod", "p", {{image}, {}, {}}));
    BOOST_TEST(r["allowed"] == false, step << ": " << r.dump());
    BOOST_TEST(Message(r).find("could not be verified (registry throttled)") != std::string::npos,
               step << ": " << Message(r));
    BOOST_TEST(Message(r).find("rejected") == std::string::npos, step << ": " << Message(r));
    return Message(r);
  };

  // Two throttled verifications: the Retry-After (10 s) is past the deadline (2 s), so each
  // stops at its first 429, and the second failure opens the circuit.
  denied_as_throttled(signed_image, "first 429");
  denied_as_throttled(signed_image, "second 429");
  BOOST_TEST(proxy.Requests() == 2, proxy.Log());
  BOOST_TEST(s.Metric(opened) == 1, s.Metrics());
  BOOST_TEST(s.Metric(open_gauge) == 1, s.Metrics());
  BOOST_TEST(throttled("429") == 2, s.Metrics());

  // The registry now fails with 503; the circuit is open for the Retry-After, not the 1 s
  // cool-down: refused at once, nothing sent.
  proxy.SetRules(R"([{"action":"status","code":503}])");
  const std::string msg = denied_as_throttled(signed_image, "open circuit");
  BOOST_TEST(msg.find(host + ": circuit open") != std::string::npos, msg);
  BOOST_TEST(proxy.Requests() == 2, proxy.Log());
  BOOST_TEST(throttled("circuit_open") >= 1, s.Metrics());
  // fetchFailure warn admits, with a warning, the image that could not be fetched.
  Json warned = s.Review(Review(Uid(), "Pod", "p", {{unsigned_image}, {}, {}}));
  BOOST_TEST(warned["allowed"] == true, warned.dump());
  BOOST_TEST(AllWarnings(warned).find("fetchFailure warn") != std::string::npos, warned.dump());
  BOOST_TEST(proxy.Requests() == 2, proxy.Log());
  BOOST_TEST(s.Metric("vouch_serve_image_decisions_total{result=\"throttled\"}") == 4,
             s.Metrics());

  // Past the cool-down one trial goes through, meets the 503 and reopens the circuit.
  auto half_open = [&] { return s.Metric(open_gauge) == 0; };
  auto poll = [](const std::function<bool()>& pred) {  // a liveness bound, not a timing check
    for (int i = 0; i < 600; ++i) {
      if (pred()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  BOOST_REQUIRE_MESSAGE(poll(half_open), s.Metrics());
  denied_as_throttled(signed_image, "failed trial");
  BOOST_TEST(proxy.Requests() == 3, proxy.Log());
  BOOST_TEST(s.Metric(opened) == 2, s.Metrics());

  // Healed: after the (1 s) cool-down the trial succeeds, the circuit closes, the image is
  // verified; and the unsigned image is rejected, fetchFailure warn notwithstanding.
  proxy.SetRules("[]");
  BOOST_REQUIRE_MESSAGE(poll(half_open), s.Metrics());
  Json ok = s.Review(Review(Uid(), "Pod", "p", {{signed_image}, {}, {}}));
  BOOST_TEST(ok["allowed"] == true, ok.dump() << "\n" << proxy.Log());
  BOOST_TEST(s.Metric(open_gauge) == 0, s.Metrics());
  Json rejected = s.Review(Review(Uid(), "Pod", "p", {{unsigned_image}, {}, {}}));
  BOOST_TEST(rejected["allowed"] == false, rejected.dump());
  BOOST_TEST(Message(rejected).find("rejected") != std::string::npos, Message(rejected));
  BOOST_TEST(s.Metric(opened) == 2, s.Metrics());
}

// A catch-all scope does not name a host: under it, a pod cannot make the gate connect to a
// loopback (or link-local, metadata) address. The image is "could not check", with a message
// saying why, and no connection is ever opened.
std::string CatchAllPolicy() {
  return R"({"version":1,"authorities":{"release":{"key":{"path":")" + W().release_pub +
         R"("}}},"policies":[{"name":"everything","scope":"*","mode":"enforce",)"
         R"("signatures":{"authorities":["release"],"threshold":1}}]})";
}

BOOST_AUTO_TEST_CASE(loopback_registry_under_a_catch_all_scope_is_never_connected) {
  Counter c;
  Server s(CatchAllPolicy());
  const std::string image = c.Host() + "/x:y";
  Json r = s.Review(Review(Uid(), "Pod", "p", {{image}, {}, {}}));
  BOOST_TEST(r["allowed"] == false, r.dump());
  const std::string msg = Message(r);
  BOOST_TEST(msg.find(image + " (policy \"everything\") could not be verified") !=
                 std::string::npos,
             msg);
  BOOST_TEST(msg.find("registry address 127.0.0.1") != std::string::npos, msg);
  BOOST_TEST(msg.find("is not allowed") != std::string::npos, msg);
  BOOST_TEST(msg.find("--allow-registry-host") != std::string::npos, msg);
  // The signed image on the test registry too: its host is named by no scope.
  Json signed_r = s.Review(Review(Uid(), "Pod", "p", {{W().signed_image}, {}, {}}));
  BOOST_TEST(signed_r["allowed"] == false, signed_r.dump());
  BOOST_TEST(Message(signed_r).find("is not allowed") != std::string::npos, Message(signed_r));
  BOOST_TEST(s.Metric("vouch_serve_image_decisions_total{result=\"error\"}") >= 2);
  BOOST_TEST(c.accepted.load() == 0);
}

BOOST_AUTO_TEST_CASE(allow_registry_host_lets_the_gate_connect) {
  Counter c;
  Server s(CatchAllPolicy(),
           {"--allow-registry-host", Reg(), "--allow-registry-host", c.Host()});
  Json r = s.Review(Review(Uid(), "Pod", "p", {{W().signed_image}, {}, {}}));
  BOOST_TEST(r["allowed"] == true, r.dump());
  // The counter is no registry: could not check, but it was connected to.
  Json x = s.Review(Review(Uid(), "Pod", "p", {{c.Host() + "/x:y"}, {}, {}}));
  BOOST_TEST(x["allowed"] == false, x.dump());
  BOOST_TEST(Message(x).find("is not allowed") == std::string::npos, Message(x));
  BOOST_TEST(c.accepted.load() >= 1);
}

// A scope that decides outright (reject, accept, no scope) costs no registry request: not even
// the tag's resolution. The counter's host is named literally, so only the decision keeps the
// gate away from it.
BOOST_AUTO_TEST_CASE(outright_decisions_make_no_registry_request) {
  Counter c;
  const std::string extra = R"({"name":"no","scope":")" + c.Host() +
                            R"(/no/**","mode":"reject"},{"name":"yes","scope":")" + c.Host() +
                            R"(/yes/**","mode":"accept"},)";
  Server s(W().Policy(extra));
  const double requests0 = s.Metric("vouch_serve_registry_requests_total");
  Json no = s.Review(Review(Uid(), "Pod", "p", {{c.Host() + "/no/app:v1"}, {}, {}}));
  BOOST_TEST(no["allowed"] == false, no.dump());
  BOOST_TEST(Message(no).find("mode reject") != std::string::npos, Message(no));
  Json yes = s.Review(Review(Uid(), "Pod", "p", {{c.Host() + "/yes/app:v1"}, {}, {}}));
  BOOST_TEST(yes["allowed"] == true, yes.dump());
  // No scope but the default reject: rejected, not "could not check".
  Json other = s.Review(Review(Uid(), "Pod", "p", {{"127.0.0.1:1/elsewhere:v1"}, {}, {}}));
  BOOST_TEST(other["allowed"] == false, other.dump());
  BOOST_TEST(Message(other).find("rejected: mode") != std::string::npos, Message(other));
  // /mutate admits the accepted image as written, with a warning: there is no verified digest.
  Json m = s.Review(Review(Uid(), "Deployment", "web", {{c.Host() + "/yes/app:v1"}, {}, {}}),
                    "/mutate");
  BOOST_TEST(m["allowed"] == true, m.dump());
  BOOST_TEST(!m.contains("patch"), m.dump());
  BOOST_TEST(AllWarnings(m).find("not pinned to a digest") != std::string::npos, m.dump());
  BOOST_TEST(s.Metric("vouch_serve_registry_requests_total") == requests0);
  BOOST_TEST(s.Metric("vouch_serve_tag_resolutions_total") == 0);
  BOOST_TEST(c.accepted.load() == 0);
}

BOOST_AUTO_TEST_CASE(bad_allow_registry_host_is_a_usage_error) {
  TempDir d;
  WriteText(d.File("ok.json"), W().Policy());
  for (const std::string bad : {"registry", "reg.example.com/ns", "host:99999"}) {
    RunResult r = vouch::testing::Vouch({"serve", "--policy", d.File("ok.json"), "--tls-cert",
                                         W().cert, "--tls-key", W().key, "--listen",
                                         "127.0.0.1:0", "--allow-registry-host", bad});
    BOOST_TEST(r.exit_code == 2, bad << ": " << r.err);
    BOOST_TEST(r.err.find("--allow-registry-host") != std::string::npos, r.err);
  }
}

// RedisTlsFiles is a CA and a serving certificate it issued for 127.0.0.1 (openssl), for a
// redis-server that speaks TLS only.
struct RedisTlsFiles {
  TempDir dir;
  std::string ca = dir.File("ca.crt"), cert = dir.File("redis.crt"), key = dir.File("redis.key");
  RedisTlsFiles() {
    const std::string ca_key = dir.File("ca.key"), csr = dir.File("redis.csr"),
                      ext = dir.File("san.ext");
    WriteText(ext, "subjectAltName=IP:127.0.0.1\n");
    for (const std::vector<std::string>& step : std::vector<std::vector<std::string>>{
             {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-days", "1", "-subj", "/CN=vouch test Redis CA", "-keyout", ca_key,
              "-out", ca},
             {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr},
             {"openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
              "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", cert}}) {
      RunResult r = Run(step);
      BOOST_REQUIRE_MESSAGE(r.exit_code == 0, step[1] << ": " << r.err);
    }
  }
};

// RedisServer runs a real redis-server on a free loopback port, in a temporary directory, with
// no persistence; Stop and Start (on the same port) simulate an outage and a restart. With
// |tls| it speaks TLS only (client certificates not asked for).
class RedisServer {
 public:
  explicit RedisServer(const RedisTlsFiles* tls = nullptr) : port_(FreePort()), tls_(tls) {
    Start();
  }
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Start() {
    const std::string bin = "/usr/bin/redis-server";
    BOOST_REQUIRE_MESSAGE(::access(bin.c_str(), X_OK) == 0,
                          "redis-server is not installed (scripts/deps installs it)");
    std::vector<std::string> args = {bin,          "--port",       std::to_string(port_),
                                     "--bind",     "127.0.0.1",    "--save",
                                     "",           "--appendonly", "no",
                                     "--dir",      dir_.path(),    "--logfile",
                                     dir_.File("redis.log")};
    if (tls_ != nullptr) {
      args[2] = "0";  // no cleartext port
      for (const std::string& a :
           {std::string("--tls-port"), std::to_string(port_), std::string("--tls-cert-file"),
            tls_->cert, std::string("--tls-key-file"), tls_->key, std::string("--tls-ca-cert-file"),
            tls_->ca, std::string("--tls-auth-clients"), std::string("no")}) {
        args.push_back(a);
      }
    }
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const bool up = WaitFor([&] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port_));
      bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
      ::close(fd);
      return ok;
    });
    BOOST_REQUIRE_MESSAGE(up, "redis-server never listened on port " << port_);
  }

  void Stop() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string Url() const {
    return (tls_ != nullptr ? "rediss://127.0.0.1:" : "redis://127.0.0.1:") +
           std::to_string(port_);
  }

 private:
  TempDir dir_;
  int port_;
  const RedisTlsFiles* tls_;
  pid_t pid_ = -1;
};

// Three replicas share one redis-server: a decision made by one is served by the others
// without verifying again; with Redis stopped every review is still answered, with the same
// verdicts, from each replica's own cache and the registry; once Redis is back it is used again.
BOOST_AUTO_TEST_CASE(replicas_share_decisions_through_redis_and_survive_its_outage) {
  RedisServer redis;
  std::vector<std::unique_ptr<Server>> r;
  for (int i = 0; i < 3; ++i) {
    r.push_back(std::make_unique<Server>(W().Policy(), std::vector<std::string>{
                                                           "--cache", redis.Url()}));
  }
  auto metric = [&](int i, const std::string& m) { return r[i]->Metric(m); };
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE_MESSAGE(WaitFor([&] { return metric(i, "vouch_serve_shared_cache_up") == 1; }),
                          r[i]->Stderr());
  }
  std::string last_uid;
  auto review = [&](int i, const std::string& image) {
    last_uid = Uid();
    return r[i]->Review(Review(last_uid, "Pod", "p", {{image}, {}, {}}))["allowed"].get<bool>();
  };
  const std::string signed_image = W().signed_image;
  const std::string unsigned_image = W().unsigned_image;

  // Replica 0 decides; its decisions reach Redis.
  BOOST_TEST(review(0, unsigned_image) == false);
  BOOST_TEST(review(0, signed_image) == true);
  BOOST_TEST(metric(0, "vouch_serve_verifications_total") == 2);
  BOOST_REQUIRE(WaitFor([&] { return metric(0, "vouch_serve_shared_cache_writes_total") == 2; }));
  // Replicas 1 and 2 answer the same without a verification of their own, and their decision
  // log names the evidence the deciding replica verified (it travels through Redis).
  const std::string signature_digest =
      LogLine(*r[0], last_uid)["images"][0]["evidence"][0].value("digest", "");
  BOOST_TEST(signature_digest.rfind("sha256:", 0) == 0u);
  for (int i : {1, 2}) {
    BOOST_TEST(review(i, signed_image) == true, i);
    const Json evidence = LogLine(*r[i], last_uid)["images"][0]["evidence"];
    BOOST_TEST(evidence.size() == 1u, evidence.dump());
    BOOST_TEST(evidence[0].value("digest", "") == signature_digest, evidence.dump());
    BOOST_TEST(evidence[0].value("authority", "") == "release", evidence.dump());
    BOOST_TEST(review(i, unsigned_image) == false, i);
    BOOST_TEST(metric(i, "vouch_serve_verifications_total") == 0, i);
    BOOST_TEST(metric(i, "vouch_serve_shared_cache_hits_total") == 2, i);
  }

  // Redis stops: every review is answered, the verdicts do not change, and the replicas say
  // they run degraded (still ready).
  redis.Stop();
  // At once, before the replicas notice: a new image is verified by the replica asked (its
  // Redis lookup and write fail on the dead connection), as without a shared cache.
  const double v1 = metric(1, "vouch_serve_verifications_total");
  BOOST_TEST(review(1, W().cache_image) == true);
  BOOST_TEST(metric(1, "vouch_serve_verifications_total") == v1 + 1);
  BOOST_TEST(WaitFor([&] { return metric(1, "vouch_serve_shared_cache_errors_total") >= 1; }));
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(WaitFor([&] { return metric(i, "vouch_serve_shared_cache_up") == 0; }), i);
    Server::Reply ready = r[i]->Request("GET", "/readyz");
    BOOST_TEST(ready.code == 200);
    BOOST_TEST(ready.body.find("degraded") != std::string::npos, ready.body);
  }
  int answered = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 3; ++i) {
      BOOST_TEST(review(i, signed_image) == true, i);
      BOOST_TEST(review(i, unsigned_image) == false, i);
      answered += 2;
    }
  }
  BOOST_TEST(answered == 30);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(metric(i, "vouch_serve_decisions_total{result=\"allowed\"}") +
                   metric(i, "vouch_serve_decisions_total{result=\"denied\"}") ==
               (i == 1 ? 13 : 12), i);
  }

  // Redis comes back (empty): the replicas reconnect and share again.
  redis.Start();
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE_MESSAGE(WaitFor([&] { return metric(i, "vouch_serve_shared_cache_up") == 1; }),
                          r[i]->Stderr());
    BOOST_TEST(r[i]->Request("GET", "/readyz").body == "ready\n");
  }
  const double writes2 = metric(2, "vouch_serve_shared_cache_writes_total");
  BOOST_TEST(review(2, W().flight_image) == true);
  BOOST_REQUIRE(
      WaitFor([&] { return metric(2, "vouch_serve_shared_cache_writes_total") == writes2 + 1; }));
  for (int i : {0, 1}) {
    const double v = metric(i, "vouch_serve_verifications_total");
    const double hits = metric(i, "vouch_serve_shared_cache_hits_total");
    BOOST_TEST(review(i, W().flight_image) == true, i);
    BOOST_TEST(metric(i, "vouch_serve_verifications_total") == v, i);
    BOOST_TEST(metric(i, "vouch_serve_shared_cache_hits_total") == hits + 1, i);
  }
}

BOOST_AUTO_TEST_CASE(passwords_in_the_url_and_misplaced_tls_flags_are_usage_errors) {
  const std::vector<std::string> start = {"serve",      "--policy",  Main().policy_path(),
                                          "--tls-cert", W().cert,    "--tls-key",
                                          W().key,      "--listen",  "127.0.0.1:0"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = start;
    args.insert(args.end(), extra.begin(), extra.end());
    return vouch::testing::Vouch(args);
  };
  RunResult r = with({"--cache", "redis://:secret@127.0.0.1:6379"});
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err.find("--cache: bad cache URL") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("secret") == std::string::npos, r.err);
  // TLS settings without TLS would be silently unused.
  r = with({"--cache", "redis://127.0.0.1:6379", "--cache-ca-file", W().cert});
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err.find("need a rediss://") != std::string::npos, r.err);
  // A CA file that holds no certificate is refused before anything is served.
  r = with({"--cache", "rediss://127.0.0.1:6380", "--cache-ca-file", W().key});
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.err.find("--cache-ca-file") != std::string::npos, r.err);
}

// rediss://: two replicas share a decision through a redis-server that speaks only TLS, trusting
// its CA (--cache-ca-file); a replica that does not trust it (the system store) never
// connects, reports the cache down, and still decides alone.
BOOST_AUTO_TEST_CASE(replicas_share_decisions_over_tls_and_refuse_an_untrusted_redis) {
  RedisTlsFiles tls;
  RedisServer redis(&tls);
  std::vector<std::unique_ptr<Server>> r;
  for (int i = 0; i < 2; ++i) {
    r.push_back(std::make_unique<Server>(
        W().Policy(), std::vector<std::string>{"--cache", redis.Url(), "--cache-ca-file", tls.ca}));
  }
  Server untrusting(W().Policy(), {"--cache", redis.Url()});
  for (int i = 0; i < 2; ++i) {
    BOOST_REQUIRE_MESSAGE(WaitFor([&] { return r[i]->Metric("vouch_serve_shared_cache_up") == 1; }),
                          r[i]->Stderr());
  }
  auto allowed = [&](Server& s) {
    return s.Review(Review(Uid(), "Pod", "p", {{W().signed_image}, {}, {}}))["allowed"] == true;
  };
  BOOST_TEST(allowed(*r[0]));
  BOOST_REQUIRE(WaitFor([&] { return r[0]->Metric("vouch_serve_shared_cache_writes_total") == 1; }));
  BOOST_TEST(allowed(*r[1]));
  BOOST_TEST(r[1]->Metric("vouch_serve_verifications_total") == 0);
  BOOST_TEST(r[1]->Metric("vouch_serve_shared_cache_hits_total") == 1);

  BOOST_TEST(allowed(untrusting));
  BOOST_TEST(untrusting.Metric("vouch_serve_verifications_total") == 1);
  BOOST_TEST(untrusting.Metric("vouch_serve_shared_cache_up") == 0);
  BOOST_TEST(WaitFor([&] {
    return untrusting.Stderr().find("certificate is not trusted") != std::string::npos;
  }), untrusting.Stderr());
}

// The password comes from a file (or VOUCH_CACHE_PASSWORD) and is never printed: a Redis that
// requires one is used with it, and one refused shows as down without the secret in the log.
BOOST_AUTO_TEST_CASE(cache_password_file_authenticates_and_is_never_logged) {
  RedisServer redis;
  // Set the password with CONFIG SET through a replica-less raw connection.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(redis.Url().substr(redis.Url().rfind(':') + 1))));
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  const std::string cmd = "CONFIG SET requirepass s3cr3t-pw\r\n";
  BOOST_REQUIRE(::write(fd, cmd.data(), cmd.size()) == static_cast<ssize_t>(cmd.size()));
  char buf[64] = {};
  BOOST_REQUIRE(::read(fd, buf, sizeof(buf) - 1) > 0);
  ::close(fd);
  BOOST_REQUIRE_MESSAGE(std::string(buf).rfind("+OK", 0) == 0, buf);

  TempDir dir;
  WriteText(dir.File("good"), "s3cr3t-pw\n");
  WriteText(dir.File("bad"), "wrong-pw-123\n");
  Server good(W().Policy(), {"--cache", redis.Url(), "--cache-password-file", dir.File("good")});
  BOOST_TEST(WaitFor([&] { return good.Metric("vouch_serve_shared_cache_up") == 1; }),
             good.Stderr());
  Server bad(W().Policy(), {"--cache", redis.Url(), "--cache-password-file", dir.File("bad")});
  BOOST_TEST(WaitFor([&] { return bad.Stderr().find("AUTH refused") != std::string::npos; }),
             bad.Stderr());
  BOOST_TEST(bad.Metric("vouch_serve_shared_cache_up") == 0);
  for (const Server* s : {&good, &bad}) {
    BOOST_TEST(s->Stderr().find("s3cr3t") == std::string::npos, s->Stderr());
    BOOST_TEST(s->Stderr().find("wrong-pw") == std::string::npos, s->Stderr());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve_test
