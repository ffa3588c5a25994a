// The HTTPS side of `vouch serve` (Boost.Beast over Asio + OpenSSL), policy reload and the
// decision log. The decisions themselves are gate.cc's.
#include "vouch/serve/serve.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "metrics.h"
#include "redis_link.h"
#include "vouch/core/clock.h"
#include "vouch/policy/policy.h"
#include "vouch/serve/admission.h"
#include "vouch/serve/self_signed.h"

namespace vouch::serve {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using internal::AdmissionDecision;
using internal::Flight;
using internal::Gate;
using internal::LoadedPolicy;
using internal::Metrics;

std::mutex log_mu;

void Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu);
  std::cerr << "vouch serve: " << line << "\n" << std::flush;
}

// DecisionLog appends one JSON line per decision with a single write(2) on an O_APPEND file
// descriptor, so concurrent writers (and several replicas sharing a volume) never interleave
// within a line.
class DecisionLog {
 public:
  static Result<std::unique_ptr<DecisionLog>> Open(const std::string& target) {
    auto log = std::unique_ptr<DecisionLog>(new DecisionLog());
    if (target == "-") {
      log->fd_ = STDOUT_FILENO;
      return log;
    }
    log->fd_ = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log->fd_ < 0) {
      return Status(ErrorCode::kUnavailable,
                    "decision log " + target + ": " + std::strerror(errno));
    }
    log->own_ = true;
    return log;
  }
  ~DecisionLog() {
    if (own_) {
      ::close(fd_);
    }
  }
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  void Write(std::string line) {
    line += "\n";
    std::lock_guard<std::mutex> lock(mu_);
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) {
      Log(std::string("decision log write failed: ") +
          (n < 0 ? std::strerror(errno) : "short write"));
    }
  }

 private:
  DecisionLog() = default;
  std::mutex mu_;
  int fd_ = -1;
  bool own_ = false;
};

Result<std::shared_ptr<const LoadedPolicy>> LoadPolicyFile(const std::string& path) {
  std::vector<policy::LintFinding> findings;
  auto trust = verify::TrustPolicy::Load(path, &findings);
  if (!trust.ok()) {
    return trust.status();
  }
  auto lp = std::make_shared<LoadedPolicy>();
  lp->trust = std::move(*trust);
  lp->digest = lp->trust->policy().digest.ToString();
  lp->trust_digest = lp->trust->digest().ToString();
  return std::shared_ptr<const LoadedPolicy>(std::move(lp));
}

struct FileStamp {
  struct timespec mtime {};
  off_t size = -1;
  ino_t inode = 0;
  bool operator==(const FileStamp& o) const {
    return mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size &&
           inode == o.inode;
  }
};

std::optional<FileStamp> Stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  FileStamp s;
  s.mtime = st.st_mtim;
  s.size = st.st_size;
  s.inode = st.st_ino;
  return s;
}

// Server owns everything a connection needs.
struct Server {
  ServeOptions options;
  Metrics metrics;
  std::unique_ptr<registry::Client> client;
  // shared_cache (--cache) outlives the gate that uses it.
  std::unique_ptr<internal::SharedCache> shared_cache;
  std::unique_ptr<Gate> gate;
  // SharedCacheUp refreshes the metric from the client's flag (never blocks: it is read on the
  // HTTP threads) and returns it.
  bool SharedCacheUp() {
    bool up = shared_cache == nullptr || shared_cache->Up();
    if (shared_cache != nullptr) {
      metrics.shared_cache_up = up ? 1 : 0;
    }
    return up;
  }
  std::unique_ptr<DecisionLog> decision_log;
  // tls is the serving context; a rotated certificate replaces it for new connections.
  std::mutex tls_mu;
  std::shared_ptr<ssl::context> tls;
  std::shared_ptr<ssl::context> Tls() {
    std::lock_guard<std::mutex> lock(tls_mu);
    return tls;
  }
  std::atomic<bool> draining{false};
  std::atomic<int> active_admissions{0};
};

std::string PathLabel(std::string_view path) {
  for (std::string_view p : {"/validate", "/mutate", "/healthz", "/readyz", "/metrics"}) {
    if (path == p) {
      return std::string(p);
    }
  }
  return "other";
}

// Pending is one admission request waiting for its verifications (on the session's strand).
struct Pending {
  Pending(net::any_io_executor ex) : timer(std::move(ex)) {}
  AdmissionRequest request;
  bool mutate = false;
  std::shared_ptr<const LoadedPolicy> policy;
  std::map<std::string, std::shared_ptr<Flight>> flights;
  size_t remaining = 0;
  bool finished = false;
  net::steady_timer timer;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server& server)
      : tls_(server.Tls()), stream_(std::move(socket), *tls_), server_(server) {
    ++server_.metrics.connections;
  }
  ~Session() { --server_.metrics.connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::OnStart, shared_from_this()));
  }

 private:
  void OnStart() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      return;  // scanners, health probes over plain TCP, clients that do not trust us
    }
    Read();
  }

  void Read() {
    request_ = {};
    parser_.emplace();
    parser_->body_limit(kMaxAdmissionBodyBytes);
    parser_->header_limit(64 * 1024);
    // Idle keep-alive connections are closed after a minute.
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == net::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return Reply(http::status::bad_request, "other",
                   "request body is over the limit of " + std::to_string(kMaxAdmissionBodyBytes) +
                       " bytes\n",
                   "text/plain");
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        keep_alive_ = false;
        return Reply(http::status::bad_request, "other",
                     "malformed HTTP request: " + ec.message() + "\n", "text/plain");
      }
      return;  // connection gone or timed out
    }
    started_ = std::chrono::steady_clock::now();
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    Handle();
  }

  void Handle() {
    std::string_view target(request_.target().data(), request_.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    const std::string label = PathLabel(path);
    const bool admission = path == "/validate" || path == "/mutate";
    const bool probe = path == "/healthz" || path == "/readyz" || path == "/metrics";
    if (!admission && !probe) {
      return Reply(http::status::not_found, label, "not found\n", "text/plain");
    }
    if (admission && request_.method() != http::verb::post) {
      allow_ = "POST";
      return Reply(http::status::method_not_allowed, label, "use POST\n", "text/plain");
    }
    if (probe && request_.method() != http::verb::get && request_.method() != http::verb::head) {
      allow_ = "GET, HEAD";
      return Reply(http::status::method_not_allowed, label, "use GET\n", "text/plain");
    }
    if (path == "/healthz") {
      return Reply(http::status::ok, label, "ok\n", "text/plain");
    }
    if (path == "/readyz") {
      if (server_.gate->policy() == nullptr || server_.draining) {
        return Reply(http::status::service_unavailable, label, "not ready\n", "text/plain");
      }
      // Without its shared cache the replica still decides (its own cache and the registries):
      // ready, but the body says it runs degraded.
      if (!server_.SharedCacheUp()) {
        return Reply(http::status::ok, label,
                     "ready (degraded: shared cache " + server_.shared_cache->Describe() +
                         " unreachable; deciding from the local cache and registries)\n",
                     "text/plain");
      }
      return Reply(http::status::ok, label, "ready\n", "text/plain");
    }
    if (path == "/metrics") {
      auto p = server_.gate->policy();
      server_.SharedCacheUp();
      return Reply(http::status::ok, label, server_.metrics.Render(p ? p->digest : "", p ? p->trust_digest : ""),
                   "text/plain; version=0.0.4");
    }
    Admission(path == "/mutate", label);
  }

  void Admission(bool mutate, const std::string& label) {
    Result<AdmissionRequest> parsed = ParseAdmissionReview(request_.body());
    if (!parsed.ok()) {
      return Reply(http::status::bad_request, label, parsed.status().message() + "\n",
                   "text/plain");
    }
    auto policy = server_.gate->policy();
    if (policy == nullptr) {
      return Reply(http::status::service_unavailable, label, "no policy loaded\n", "text/plain");
    }
    ++server_.active_admissions;
    pending_ = std::make_shared<Pending>(stream_.get_executor());
    pending_->request = std::move(*parsed);
    pending_->mutate = mutate;
    pending_->policy = policy;
    label_ = label;
    if (auto unverified =
            internal::DecideUnverified(pending_->request, mutate, policy->trust->policy())) {
      if (!mutate) {
        server_.metrics.Skipped(unverified->skipped);
      }
      return Answer(*unverified);
    }
    if (auto refused = server_.gate->OverImageCap(pending_->request, mutate)) {
      ++server_.metrics.reviews_over_image_cap;
      return Answer(*refused);
    }
    const auto deadline = started_ + server_.options.deadline;
    for (const ContainerImage& ci : pending_->request.images) {
      if (pending_->flights.count(ci.image) == 0) {
        pending_->flights[ci.image] = server_.gate->Verify(ci.image, policy, deadline);
      }
    }
    bool all_done = true;
    for (const auto& [image, flight] : pending_->flights) {
      if (flight->result() == nullptr) {
        all_done = false;
        break;
      }
    }
    if (all_done) {
      return Finish();
    }
    // Waiters run on worker threads: hop onto this connection's strand before touching Pending.
    pending_->remaining = pending_->flights.size();
    auto self = shared_from_this();
    auto pending = pending_;
    for (const auto& [image, flight] : pending_->flights) {
      flight->OnDone([self, pending] {
        net::post(self->stream_.get_executor(), [self, pending] {
          if (--pending->remaining == 0 && !pending->finished) {
            pending->timer.cancel();
          }
        });
      });
    }
    pending_->timer.expires_at(deadline);
    pending_->timer.async_wait([self, pending](beast::error_code) {
      if (!pending->finished && self->pending_ == pending) {
        self->Finish();
      }
    });
  }

  void Finish() {
    Answer(server_.gate->Decide(pending_->request, pending_->mutate, pending_->flights,
                                *pending_->policy));
  }

  // Answer replies to the pending admission request with |d|, counting and logging it.
  void Answer(const AdmissionDecision& d) {
    pending_->finished = true;
    auto pending = std::move(pending_);
    pending_.reset();
    --server_.active_admissions;
    for (const auto& iv : d.images) {
      server_.metrics.ImageDecision(iv.result);
    }
    if (!pending->mutate) {
      server_.metrics.Decision(d.response.allowed ? "allowed" : "denied");
    }
    if (server_.decision_log) {
      server_.decision_log->Write(
          internal::DecisionLogLine(pending->request, pending->mutate, d, pending->policy->digest));
    }
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_);
    server_.metrics.Latency(elapsed.count());
    Reply(http::status::ok, label_, RenderAdmissionReview(pending->request, d.response),
          "application/json");
  }

  void Reply(http::status status, const std::string& label, std::string body,
             const char* content_type) {
    server_.metrics.Request(label, static_cast<int>(status));
    auto res = std::make_shared<http::response<http::string_body>>(
        status, request_.version() ? request_.version() : 11);
    res->set(http::field::server, "vouch");
    res->set(http::field::content_type, content_type);
    if (!allow_.empty()) {
      res->set(http::field::allow, allow_);
      allow_.clear();
    }
    res->keep_alive(keep_alive_ && !server_.draining);
    if (request_.method() != http::verb::head) {
      res->body() = std::move(body);
    }
    res->prepare_payload();
    response_ = res;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    bool close = response_ == nullptr || response_->need_eof();
    response_.reset();
    if (ec) {
      return;
    }
    if (close) {
      return Close();
    }
    Read();
  }

  void Close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<ssl::context> tls_;  // outlives stream_ (declared first)
  beast::ssl_stream<beast::tcp_stream> stream_;
  Server& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::shared_ptr<Pending> pending_;
  std::chrono::steady_clock::time_point started_;
  std::string label_;
  std::string allow_;
  bool keep_alive_ = true;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // The acceptor has its own strand: Stop (from the signal handler) and the accept loop may
  // otherwise run on two I/O threads at once.
  Listener(net::io_context& ioc, Server& server)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        pause_(acceptor_.get_executor()),
        server_(server) {}

  Status Bind(const tcp::endpoint& ep) {
    beast::error_code ec;
    acceptor_.open(ep.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(ep, ec);
    }
    if (!ec) {
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return UnavailableError("listen on " + ep.address().to_string() + ":" +
                              std::to_string(ep.port()) + ": " + ec.message());
    }
    return OkStatus();
  }

  tcp::endpoint local() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec);
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->pause_.cancel();
    });
  }

 private:
  // OutOfResources: accept failed for want of a descriptor or memory. The connection stays in
  // the backlog and the acceptor stays readable, so accepting again at once would spin.
  static bool OutOfResources(const beast::error_code& ec) {
    return ec == net::error::no_descriptors ||
           ec == boost::system::errc::too_many_files_open_in_system ||
           ec == net::error::no_buffer_space || ec == net::error::no_memory;
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (OutOfResources(ec)) {
      ++server_.metrics.accept_errors;
      backoff_ = std::min<std::chrono::milliseconds>(
          backoff_.count() == 0 ? std::chrono::milliseconds(50) : 2 * backoff_,
          std::chrono::seconds(1));
      if (backoff_ == std::chrono::milliseconds(50)) {
        Log("accept: " + ec.message() + "; pausing accepts (50 ms, doubling up to 1 s)");
      }
      pause_.expires_after(backoff_);
      pause_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && self->acceptor_.is_open()) {
          self->Accept();
        }
      });
      return;
    }
    if (!ec) {
      backoff_ = std::chrono::milliseconds(0);
      // Over the cap the connection is closed at once: a client learns it now, rather than
      // when its own timeout fires, and the descriptors stay bounded.
      if (server_.metrics.connections.load() >= server_.options.max_connections) {
        ++server_.metrics.connections_refused;
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), server_)->Start();
      }
    }
    Accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer pause_;  // the pause after a failed accept
  std::chrono::milliseconds backoff_{0};
  Server& server_;
};

Result<tcp::endpoint> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("--listen wants HOST:PORT, got \"" + text + "\"");
  }
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    host = "0.0.0.0";
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return InvalidArgumentError("--listen: bad port in \"" + text + "\"");
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError("--listen: \"" + host + "\" is not an IP address");
  }
  return tcp::endpoint(addr, static_cast<unsigned short>(std::stoul(port)));
}

Result<std::shared_ptr<ssl::context>> LoadTls(const ServeOptions& o) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ssl::context& tls = *ctx;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  beast::error_code ec;
  tls.use_certificate_chain_file(o.tls_cert, ec);
  if (ec) {
    return InvalidArgumentError("--tls-cert " + o.tls_cert + ": " + ec.message());
  }
  tls.use_private_key_file(o.tls_key, ssl::context::pem, ec);
  if (ec) {
    return InvalidArgumentError("--tls-key " + o.tls_key + ": " + ec.message());
  }
  return ctx;
}

SelfSignedOptions SelfSignedOptionsOf(const ServeOptions& o) {
  SelfSignedOptions s;
  s.dir = o.tls_self_signed_dir;
  s.ca_dir = o.tls_self_signed_ca_dir;
  s.dns_names = o.tls_dns_names;
  return s;
}

void LogSelfSigned(const SelfSignedState& st) {
  if (st.ca_generated) {
    Log("self-signed: made a new CA, " + st.ca_cert_path +
        ": put it in the webhook configurations' caBundle (docs/gate.md, \"Certificates\")");
  }
  Log(std::string("self-signed: ") + (st.cert_issued ? "issued " : "reusing ") + st.cert_path +
      " (valid until " + FormatRfc3339(st.not_after) + ", renewed after " +
      FormatRfc3339(st.renew_at) + "), CA " + st.ca_cert_path);
}

// Reloader watches the policy file (every options.policy_poll) and takes SIGHUP requests; a
// policy that does not load is refused and logged, and the one in force stays.
class Reloader {
 public:
  // |renew_at| is when the self-signed serving certificate is due for renewal (none: the
  // certificate files are the operator's).
  Reloader(Server& server, std::optional<FileStamp> stamp, std::optional<TimePoint> renew_at)
      : server_(server),
        stamp_(stamp),
        renew_at_(renew_at),
        cert_stamp_(Stamp(server.options.tls_cert)),
        key_stamp_(Stamp(server.options.tls_key)),
        thread_([this] { Loop(); }) {}
  ~Reloader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  void Request() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requested_ = true;
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, server_.options.policy_poll, [this] { return stop_ || requested_; });
      if (stop_) {
        return;
      }
      bool forced = requested_;
      requested_ = false;
      lock.unlock();
      Check(forced);
      Renew();
      CheckTls();
      lock.lock();
    }
  }

  void Check(bool forced) {
    const std::string& path = server_.options.policy_path;
    std::optional<FileStamp> now = Stamp(path);
    if (!forced && now && stamp_ && *now == *stamp_) {
      return;
    }
    if (!forced && !now && !stamp_) {
      return;
    }
    stamp_ = now;
    auto loaded = LoadPolicyFile(path);
    if (!loaded.ok()) {
      server_.metrics.PolicyReload("error");
      Log("policy reload refused, keeping " + server_.gate->policy()->digest + ": " +
          loaded.status().ToString());
      return;
    }
    if ((*loaded)->trust_digest == server_.gate->policy()->trust_digest && !forced) {
      return;  // touched, same bytes and trust material
    }
    server_.gate->SetPolicy(*loaded);
    server_.metrics.PolicyReload("ok");
    Log("policy reloaded: " + (*loaded)->digest);
  }

  // Renew rotates the self-signed serving certificate once it is due: the files change, and
  // CheckTls (next) loads them as it would any rotated pair. A failure is logged and retried a
  // minute later; the current certificate serves meanwhile.
  void Renew() {
    if (!renew_at_ || SystemClock().Now() < *renew_at_) {
      return;
    }
    auto st = EnsureSelfSignedTls(SelfSignedOptionsOf(server_.options), SystemClock().Now());
    if (!st.ok()) {
      Log("self-signed certificate renewal failed (retrying in a minute): " +
          st.status().ToString());
      renew_at_ = SystemClock().Now() + std::chrono::minutes(1);
      return;
    }
    LogSelfSigned(*st);
    renew_at_ = st->renew_at;
  }

  // CheckTls swaps in a rotated serving certificate (cert-manager and kubelet secret updates)
  // for new connections; a pair that does not load is refused and the old one kept.
  void CheckTls() {
    std::optional<FileStamp> cert = Stamp(server_.options.tls_cert);
    std::optional<FileStamp> key = Stamp(server_.options.tls_key);
    if (cert == cert_stamp_ && key == key_stamp_) {
      return;
    }
    cert_stamp_ = cert;
    key_stamp_ = key;
    auto ctx = LoadTls(server_.options);
    if (!ctx.ok()) {
      Log("certificate reload refused, keeping the old one: " + ctx.status().message());
      return;
    }
    std::lock_guard<std::mutex> lock(server_.tls_mu);
    server_.tls = *ctx;
    Log("certificate reloaded");
  }

  Server& server_;
  std::optional<FileStamp> stamp_;
  std::optional<TimePoint> renew_at_;
  std::optional<FileStamp> cert_stamp_;
  std::optional<FileStamp> key_stamp_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool requested_ = false;
  std::thread thread_;
};

}  // namespace

registry::ThrottleOptions DefaultRegistryThrottle() {
  registry::ThrottleOptions t;
  t.requests_per_second = 50;
  t.burst = 100;
  t.breaker_failures = 5;
  t.breaker_window = std::chrono::minutes(1);
  t.breaker_cooldown = std::chrono::seconds(30);
  t.max_cooldown = std::chrono::minutes(10);
  return t;
}

Status Serve(const ServeOptions& options) {
  // A decision log on a closed pipe must not kill the gate (sockets use MSG_NOSIGNAL already).
  ::signal(SIGPIPE, SIG_IGN);
  Server server;
  server.options = options;
  VOUCH_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options.listen));
  std::optional<TimePoint> renew_at;
  if (!options.tls_self_signed_dir.empty()) {
    VOUCH_ASSIGN_OR_RETURN(SelfSignedState st,
                           EnsureSelfSignedTls(SelfSignedOptionsOf(options), SystemClock().Now()));
    LogSelfSigned(st);
    server.options.tls_cert = st.cert_path;
    server.options.tls_key = st.key_path;
    renew_at = st.renew_at;
  }
  VOUCH_ASSIGN_OR_RETURN(server.tls, LoadTls(server.options));
  std::optional<FileStamp> stamp = Stamp(options.policy_path);
  VOUCH_ASSIGN_OR_RETURN(auto initial, LoadPolicyFile(options.policy_path));
  if (!options.decision_log.empty()) {
    VOUCH_ASSIGN_OR_RETURN(server.decision_log, DecisionLog::Open(options.decision_log));
  }

  registry::ClientOptions co = options.client;
  server.metrics.throttle = co.throttle;
  registry::RequestObserver chained = co.observer;
  Metrics* metrics = &server.metrics;
  co.observer = [chained, metrics](const registry::RequestLog& log) {
    ++metrics->registry_requests;
    if (log.status == 0 || log.status == 429 || log.status >= 500) {
      ++metrics->registry_errors;
    }
    if (chained) {
      chained(log);
    }
  };
  // Pod specs name the registries, so a pod could otherwise make the gate connect to itself, the
  // node or the cloud metadata service. Restricted addresses are reached only for hosts the
  // operator allows or a scope of the policy in force names literally (read per connection,
  // so a reload applies).
  Server* srv = &server;
  co.address_filter = registry::RestrictedAddressFilter(
      [srv] {
        std::vector<std::string> hosts = srv->options.allow_registry_hosts;
        std::shared_ptr<const LoadedPolicy> p = srv->gate ? srv->gate->policy() : nullptr;
        if (p != nullptr) {
          for (const policy::ScopePolicy& sp : p->trust->policy().policies) {
            if (std::string h = policy::ScopeRegistry(sp.scope); !h.empty()) {
              hosts.push_back(std::move(h));
            }
          }
        }
        return hosts;
      },
      "name the registry literally in a policy scope or allow it with --allow-registry-host");
  server.client = std::make_unique<registry::Client>(std::move(co));
  internal::GateOptions go;
  if (!options.cache_url.empty()) {
    VOUCH_ASSIGN_OR_RETURN(CacheUrl url, ParseCacheUrl(options.cache_url));
    std::shared_ptr<const internal::RedisTls> tls;
    if (url.tls) {
      VOUCH_ASSIGN_OR_RETURN(tls, internal::LoadRedisTls(options.cache_tls));
    }
    server.shared_cache = internal::NewRedisCache(url, options.cache_password, tls);
    server.metrics.shared_cache_up = 0;
    go.shared = server.shared_cache.get();
    Log("shared cache " + url.ToString() +
        (options.cache_password.empty() ? "" : " (with a password)"));
  }
  go.cache_ttl = options.cache_ttl;
  go.error_cache_ttl = options.error_cache_ttl;
  go.tag_ttl = options.tag_ttl;
  go.deadline = options.deadline;
  go.worker_threads = options.worker_threads;
  go.registry_concurrency = options.registry_concurrency;
  go.max_images_per_review = options.max_images_per_review;
  server.gate = std::make_unique<Gate>(go, server.metrics, *server.client);
  server.gate->SetPolicy(initial);

  const int io_threads = std::max(1, options.io_threads);
  net::io_context ioc(io_threads);
  auto listener = std::make_shared<Listener>(ioc, server);
  VOUCH_RETURN_IF_ERROR(listener->Bind(endpoint));
  tcp::endpoint bound = listener->local();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) {
    host = "[" + host + "]";
  }
  Log("policy " + options.policy_path + " (" + initial->digest + ")");
  Log("listening on https://" + host + ":" + std::to_string(bound.port()));
  listener->Accept();

  Reloader reloader(server, stamp, renew_at);
  net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  net::steady_timer drain_timer(ioc);
  std::chrono::steady_clock::time_point drain_until;
  std::function<void()> drain_check;
  drain_check = [&] {
    if (server.active_admissions.load() <= 0 || std::chrono::steady_clock::now() >= drain_until) {
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(50));
    drain_timer.async_wait([&](beast::error_code) { drain_check(); });
  };
  std::function<void(beast::error_code, int)> on_signal;
  on_signal = [&](beast::error_code ec, int sig) {
    if (ec) {
      return;
    }
    if (sig == SIGHUP) {
      Log("SIGHUP: reloading the policy");
      reloader.Request();
      signals.async_wait(on_signal);
      return;
    }
    Log("shutting down: no new connections; answering requests in flight");
    server.draining = true;
    listener->Stop();
    drain_until =
        std::chrono::steady_clock::now() + options.deadline + std::chrono::milliseconds(500);
    drain_check();
  };
  signals.async_wait(on_signal);

  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; ++i) {
    threads.emplace_back([&ioc] { ioc.run(); });
  }
  ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  if (!server.gate->Shutdown(std::chrono::seconds(1))) {
    // A cancelled verification has not stopped yet; nothing is left that could use its
    // answer. Exit now rather than keep the Pod terminating.
    Log("stopped (abandoning verifications still waiting on registries)");
    std::fflush(nullptr);
    std::_Exit(0);
  }
  Log("stopped");
  return OkStatus();
}

}  // namespace vouch::serve
