// Client: transport, retries, scheme choice and the auth flow (formats.md 1.9, 1.10).
#include <curl/curl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "client_impl.h"
#include "mirrored.h"
#include "url.h"
#include "core/internal/json.h"

namespace vouch::registry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double OpenSslJitter() {
  uint32_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof(r)) != 1) {
    return 0.5;
  }
  return static_cast<double>(r) / 4294967296.0;
}

// RetryAfter parses delta-seconds or an HTTP-date (RFC 9110 10.2.3).
std::optional<milliseconds> RetryAfter(const HttpResponse& resp) {
  auto v = resp.headers.Get("Retry-After");
  if (!v || v->empty()) {
    return std::nullopt;
  }
  if (std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (v->size() > 9) {
      return milliseconds(std::chrono::hours(24 * 365));
    }
    return milliseconds(std::stoll(*v) * 1000);
  }
  time_t when = curl_getdate(v->c_str(), nullptr);
  if (when < 0) {
    return std::nullopt;
  }
  time_t now = time(nullptr);
  return milliseconds(std::max<int64_t>(0, static_cast<int64_t>(when - now)) * 1000);
}

std::string UrlHost(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos) {
    return "";
  }
  std::string_view rest = url.substr(p + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view auth = rest.substr(0, end);
  size_t at = auth.rfind('@');
  if (at != std::string_view::npos) {
    auth = auth.substr(at + 1);
  }
  return std::string(auth);
}

// ThrottleKey is the host[:port] of |url|, lower case: the unit of throttling.
std::string ThrottleKey(std::string_view url) {
  std::string host = UrlHost(url);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

// BreakerOutcome classifies an exchange for the circuit breaker: only what says the registry is
// unavailable or throttling counts against it; the caller's own cancellation, a TLS scheme
// probe and a connection our address filter refused say nothing about it.
Outcome BreakerOutcome(const Result<HttpResponse>& r) {
  if (r.ok()) {
    int s = r->status;
    return s == 429 || (s >= 500 && s != 501 && s != 505) ? Outcome::kFailure : Outcome::kSuccess;
  }
  const Status& st = r.status();
  if (IsCancelled(st) || IsTlsMismatch(st)) {
    return Outcome::kNeutral;
  }
  if (IsUnavailable(st) || st.code() == ErrorCode::kDeadlineExceeded) {
    return Outcome::kFailure;  // no answer, a body cut short, the transport's request deadline
  }
  return Outcome::kNeutral;
}

// CheckComplete returns TruncatedResponseError when a 2xx body of |req| ended before the length
// it was expected to have: the Content-Length header when the response has one (its framing: a
// transport that did not notice the cut), else |req|.expected_body_bytes (a connection-delimited
// body closed early looks complete to HTTP). A body that is complete by its own Content-Length
// but not the descriptor's size is what the registry meant to send: not a truncation, and the
// caller's size and digest checks reject it. |received| is the body length (streamed bytes for a
// body_sink).
Status CheckComplete(const HttpRequest& req, const HttpResponse& resp, uint64_t received) {
  if (req.method == "HEAD" || resp.status < 200 || resp.status > 299) {
    return OkStatus();
  }
  std::optional<uint64_t> want;
  if (auto cl = resp.headers.Get("Content-Length"); cl && !cl->empty() && cl->size() <= 19 &&
      std::all_of(cl->begin(), cl->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    want = std::stoull(*cl);
  } else {
    want = req.expected_body_bytes;
  }
  if (!want) {
    return OkStatus();
  }
  if (received >= *want) {
    return OkStatus();
  }
  return TruncatedResponseError(req.method + " " + RedactUrl(req.url) + ": body ended after " +
                                std::to_string(received) + " of " + std::to_string(*want) +
                                " bytes");
}

}  // namespace

Status StatusFromResponse(const HttpResponse& resp, const std::string& what) {
  std::string detail;
  auto j = ParseJson(AsChars(resp.body), "registry error");
  if (j.ok()) {
    if (const Json* errs = FindField(*j, "errors"); errs && errs->is_array() && !errs->empty()) {
      const Json& e = (*errs)[0];
      std::string code = e.is_object() ? e.value("code", "") : "";
      std::string msg = e.is_object() && (*errs)[0].contains("message") &&
                                (*errs)[0]["message"].is_string()
                            ? (*errs)[0]["message"].get<std::string>()
                            : "";
      detail = code + (msg.empty() ? "" : ": " + msg);
    }
  }
  if (detail.empty()) {
    std::string body = ToString(resp.body).substr(0, 200);
    std::replace(body.begin(), body.end(), '\n', ' ');
    detail = body;
  }
  std::string msg = what + ": HTTP " + std::to_string(resp.status) +
                    (detail.empty() ? "" : " (" + detail + ")");
  switch (resp.status) {
    case 401:
      return UnauthenticatedError(msg);
    case 403:
      return PermissionDeniedError(msg);
    case 404:
      return NotFoundError(msg);
    case 405:
      return UnimplementedError(msg);
    case 413:
      return ResourceExhaustedError(msg);
    case 429:
      return UnavailableError("registry throttled: " + msg);
    default:
      break;
  }
  if (resp.status >= 500) {
    return UnavailableError(msg);
  }
  if (resp.status >= 400) {
    return FailedPreconditionError("registry rejected the request: " + msg);
  }
  return InternalError("unexpected response: " + msg);
}

Client::Impl::Impl(ClientOptions options) : opts(std::move(options)) {
  transport = opts.transport;
  if (!transport) {
    CurlTransportOptions t;
    t.ca_file = opts.ca_file;
    t.certs_d_roots = opts.certs_d_roots ? *opts.certs_d_roots : DefaultCertsDirRoots();
    if (opts.request_timeout) {
      t.request_timeout = *opts.request_timeout;
    }
    if (!t.ca_file) {
      if (const char* f = std::getenv("SSL_CERT_FILE"); f != nullptr && *f != '\0') {
        t.ca_file = f;
      }
    }
    transport = NewCurlTransport(t);
  }
  if (opts.registries_conf) {
    opts.insecure_registries.merge(opts.registries_conf->InsecureHosts());
  }
  creds = opts.credentials;
  if (!creds) {
    creds = NewDockerConfigStore(DockerConfigPaths());
  }
  if (!opts.retry.sleep) {
    opts.retry.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
  }
  if (!opts.retry.jitter) {
    opts.retry.jitter = &OpenSslJitter;
  }
}

bool Client::Impl::NoReferrersApi(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  return no_referrers_api_.count(host) > 0;
}

void Client::Impl::MarkNoReferrersApi(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  no_referrers_api_.insert(host);
}

bool Client::Impl::IsInsecure(const std::string& host) const {
  return opts.insecure_registries.count(host) > 0;
}

bool Client::Impl::AllowHttp(const std::string& host) const {
  return IsInsecure(host) || IsLoopbackHost(host);
}

void Client::Impl::Warn(const std::string& text) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!warned_.insert(text).second) {
      return;
    }
  }
  if (opts.warn) {
    opts.warn(text);
  }
}

Result<HttpResponse> Client::Impl::Send(HttpRequest req) {
  if (!req.address_filter) {
    req.address_filter = opts.address_filter;  // redirects and token realms included
  }
  const RetryPolicy& policy = opts.retry;
  milliseconds slept{0};
  // How much of a streamed body the sink took in the current attempt (a retried exchange
  // starts again at offset 0).
  uint64_t streamed = 0;
  if (req.body_sink) {
    req.body_sink = [inner = std::move(req.body_sink), &streamed](uint64_t offset,
                                                                  ByteView piece) -> Status {
      Status s = inner(offset, piece);
      if (s.ok()) {
        streamed = offset + piece.size();
      }
      return s;
    };
  }
  // A cancelled operation makes no further attempt and sleeps no longer than its deadline.
  const Cancellation* cancel = CurrentCancellation();
  Throttle* throttle = opts.throttle.get();
  const std::string host = throttle != nullptr ? ThrottleKey(req.url) : std::string();
  for (int attempt = 1;; ++attempt) {
    if (cancel != nullptr && cancel->cancelled()) {
      return CancelledError(req.method + " " + RedactUrl(req.url));
    }
    if (throttle != nullptr) {
      // Before the attempt: an open circuit refuses at once, the bucket may make it wait.
      Result<milliseconds> wait = throttle->Admit(
          host, cancel != nullptr ? cancel->deadline() : Clock::time_point::max());
      if (!wait.ok()) {
        return wait.status();
      }
      if (wait->count() > 0) {
        policy.sleep(*wait);
      }
    }
    auto t0 = Clock::now();
    streamed = 0;
    Result<HttpResponse> r = transport->RoundTrip(req);
    count.fetch_add(1);
    if (r.ok()) {
      Status complete = CheckComplete(req, *r, req.body_sink ? streamed : r->body.size());
      if (!complete.ok()) {
        r = complete;  // retried below like a connection reset
      }
    }
    if (opts.observer) {
      RequestLog log;
      log.method = req.method;
      log.url = RedactUrl(req.url);
      log.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
      if (r.ok()) {
        log.status = r->status;
        log.response_bytes = r->body.size();
      } else {
        log.error = r.status().message();
      }
      opts.observer(log);
    }
    std::optional<milliseconds> retry_after;
    if (r.ok() && (r->status == 429 || r->status >= 500)) {
      retry_after = RetryAfter(*r);
    }
    if (throttle != nullptr) {
      throttle->Record(host, BreakerOutcome(r), r.ok() ? r->status : 0, retry_after);
    }
    if (!r.ok()) {
      if (!IsUnavailable(r.status()) || IsTlsMismatch(r.status())) {
        return r;
      }
    } else {
      for (const std::string& w : r->headers.GetAll("Warning")) {
        Warn("registry warning: " + w);
      }
      int s = r->status;
      if (s != 429 && (s < 500 || s == 501 || s == 505)) {
        return r;
      }
    }
    // Exponential backoff with jitter, never below Retry-After.
    double base = static_cast<double>(policy.initial_backoff.count()) *
                  std::pow(2.0, static_cast<double>(attempt - 1));
    base = std::min(base, static_cast<double>(policy.max_backoff.count()));
    auto wait = milliseconds(static_cast<int64_t>(base / 2 + policy.jitter() * base / 2));
    if (retry_after) {
      wait = std::max(wait, *retry_after);
    }
    if (attempt >= policy.max_attempts || slept + wait > policy.max_total) {
      std::string tries = " after " + std::to_string(attempt) + " attempt(s)";
      if (!r.ok()) {
        return Status(r.status().code(), r.status().message() + tries);
      }
      if (r->status == 429) {
        return UnavailableError("registry throttled: " + req.method + " " + RedactUrl(req.url) +
                                " answered 429 Too Many Requests" + tries +
                                (retry_after ? " (Retry-After " +
                                                   std::to_string(retry_after->count() / 1000) +
                                                   "s exceeds the retry budget)"
                                             : ""));
      }
      return StatusFromResponse(*r, req.method + " " + RedactUrl(req.url)).WithContext(
          "registry unavailable" + tries);
    }
    if (throttle != nullptr) {
      // The failure may have opened the circuit: the retry would be refused, so do not sleep
      // for it.
      if (Status open = throttle->Refusal(host); !open.ok()) {
        return open;
      }
    }
    if (cancel != nullptr && Clock::now() + wait >= cancel->deadline()) {
      // The next attempt would start after the deadline: stop now instead of sleeping for it.
      // A 429 stays "throttled" (IsThrottled), so the answer names the registry's refusal.
      std::string what = req.method + " " + RedactUrl(req.url) + " (" +
                         (r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message()) +
                         "; no time left for a retry)";
      if (r.ok() && r->status == 429) {
        return ThrottledError(what);
      }
      return CancelledError(what);
    }
    policy.sleep(wait);
    slept += wait;
  }
}

std::string Client::Impl::BaseUrl(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scheme_.find(host);
  return (it == scheme_.end() ? std::string("https") : it->second) + "://" + host;
}

Result<HttpResponse> Client::Impl::SendTo(const std::string& host, const std::string& target,
                                          HttpRequest req) {
  bool absolute = target.starts_with("http://") || target.starts_with("https://");
  if (!absolute && AllowHttp(host)) {
    ProbeScheme(host);
  }
  req.url = absolute ? target : BaseUrl(host) + target;
  req.tls_verify = !IsInsecure(host);
  Result<HttpResponse> r = Send(req);
  if (!r.ok() && IsTlsMismatch(r.status()) && !absolute) {
    if (!AllowHttp(host)) {
      return UnavailableError(host +
                              " does not speak TLS; plain HTTP is used only for loopback "
                              "addresses and hosts named with --insecure-registry");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      scheme_[host] = "http";
    }
    req.url = BaseUrl(host) + target;
    r = Send(req);
  }
  return r;
}

void Client::Impl::ProbeScheme(const std::string& host) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (scheme_.count(host) > 0 || probed_.count(host) > 0) {
      return;
    }
    probed_.insert(host);
  }
  // HTTPS first, as docker does for insecure and 127.0.0.0/8 registries, but found out with a
  // bare handshake: a verified failed handshake costs ~50 ms of CA loading per process.
  Result<bool> tls = transport->ProbeTls(host, opts.address_filter);
  if (!tls.ok()) {
    return;  // unknown: the first real request decides, as before
  }
  std::lock_guard<std::mutex> lock(mu_);
  scheme_.emplace(host, *tls ? "https" : "http");
}

Result<std::shared_ptr<const Credentials>> Client::Impl::LookupCredentials(
    const std::string& host) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cred_cache_.find(host);
    if (it != cred_cache_.end()) {
      return it->second;
    }
  }
  std::string key = host == kDockerHubApiHost ? std::string(kDockerHubDomain) : host;
  VOUCH_ASSIGN_OR_RETURN(auto found, creds->Lookup(key));
  std::shared_ptr<const Credentials> c;
  if (found) {
    c = std::make_shared<const Credentials>(std::move(*found));
  }
  std::lock_guard<std::mutex> lock(mu_);
  cred_cache_[host] = c;
  return c;
}

Result<std::string> Client::Impl::GetToken(const std::string& host, const Challenge& ch,
                                           const std::vector<std::string>& scopes, bool force) {
  std::string realm = ch.Param("realm");
  std::string service = ch.Param("service");
  std::string key = realm + "|" + service;
  for (const auto& s : scopes) {
    key += "|" + s;
  }
  // One handshake at a time per realm, service and scopes, so parallel blob copies share one
  // token, while a token server that hangs delays only the requests that need its tokens.
  std::shared_ptr<std::mutex> fetch_mu;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& m = token_fetch_mu_[key];
    if (!m) {
      m = std::make_shared<std::mutex>();
    }
    fetch_mu = m;
  }
  std::lock_guard<std::mutex> fetch_lock(*fetch_mu);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(key);
    if (!force && it != tokens_.end() && Clock::now() < it->second.expiry) {
      return it->second.value;
    }
  }
  if (!(realm.starts_with("https://") || realm.starts_with("http://"))) {
    return UnauthenticatedError("bearer challenge from " + host + " has no usable realm");
  }
  std::string realm_host = UrlHost(realm);
  if (realm.starts_with("http://") && !AllowHttp(realm_host)) {
    return UnauthenticatedError("refusing plain-HTTP token realm " + realm +
                                " (not loopback and not --insecure-registry)");
  }
  VOUCH_ASSIGN_OR_RETURN(auto c, LookupCredentials(host));
  if (c && !c->registry_token.empty()) {
    return std::string(c->registry_token.view());
  }
  HttpRequest req;
  req.max_response_bytes = 1 << 20;
  req.tls_verify = !IsInsecure(realm_host);
  if (c && !c->identity_token.empty()) {
    // OAuth2 refresh-token grant (distribution docs/spec/auth/oauth.md).
    req.method = "POST";
    req.url = realm;
    std::string body = "grant_type=refresh_token&refresh_token=" +
                       internal::QueryEscape(c->identity_token.view()) +
                       "&service=" + internal::QueryEscape(service) + "&client_id=vouch";
    for (const auto& s : scopes) {
      body += "&scope=" + internal::QueryEscape(s);
    }
    req.body = ToBytes(body);
    SecureWipe(body.data(), body.size());
    req.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  } else {
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&") +
                      "service=" + internal::QueryEscape(service);
    for (const auto& s : scopes) {
      url += "&scope=" + internal::QueryEscape(s);
    }
    req.url = url;
    if (c && !c->username.empty()) {
      std::string pair = c->username + ":" + std::string(c->password.view());
      req.headers.Add("Authorization", "Basic " + Base64Encode(AsBytes(pair)));
      SecureWipe(pair.data(), pair.size());
    }
  }
  VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, Send(req));
  if (resp.status == 401 || resp.status == 403) {
    return UnauthenticatedError("token server " + RedactUrl(realm) + " refused " +
                                (c ? "the credentials" : "anonymous access") + " (HTTP " +
                                std::to_string(resp.status) + ")" +
                                (c ? "" : "; run `vouch login " + host + "`"));
  }
  if (resp.status != 200) {
    return StatusFromResponse(resp, "token request to " + RedactUrl(realm));
  }
  auto j = ParseJson(AsChars(resp.body), "token response");
  if (!j.ok() || !j->is_object()) {
    return UnauthenticatedError("token server " + RedactUrl(realm) + " sent a malformed answer");
  }
  std::string token;
  for (const char* f : {"token", "access_token"}) {
    if (const Json* v = FindField(*j, f); v && v->is_string() && !v->get<std::string>().empty()) {
      token = v->get<std::string>();
      break;
    }
  }
  if (token.empty()) {
    return UnauthenticatedError("token server " + RedactUrl(realm) + " returned no token");
  }
  int64_t ttl = 60;  // a missing expires_in means 60 s
  if (const Json* e = FindField(*j, "expires_in"); e && e->is_number_integer()) {
    ttl = std::max<int64_t>(e->get<int64_t>(), 1);
  }
  auto margin = std::min<int64_t>(30, ttl / 5);
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[key] = Token{token, Clock::now() + std::chrono::seconds(ttl - margin)};
  return token;
}

Status Client::Impl::Authorize(const std::string& host, const std::vector<std::string>& scopes,
                               HttpRequest& req, bool after_401) {
  std::optional<Challenge> ch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = challenge_.find(host);
    if (it != challenge_.end()) {
      ch = it->second;
    }
  }
  req.headers.Remove("Authorization");
  if (!ch) {
    return OkStatus();
  }
  if (ch->scheme == "basic") {
    VOUCH_ASSIGN_OR_RETURN(auto c, LookupCredentials(host));
    if (!c || c->username.empty()) {
      if (after_401) {
        return UnauthenticatedError(host + " requires authentication; run `vouch login " + host +
                                    "`");
      }
      return OkStatus();
    }
    std::string pair = c->username + ":" + std::string(c->password.view());
    req.headers.Add("Authorization", "Basic " + Base64Encode(AsBytes(pair)));
    SecureWipe(pair.data(), pair.size());
    return OkStatus();
  }
  VOUCH_ASSIGN_OR_RETURN(std::string token, GetToken(host, *ch, scopes, after_401));
  req.headers.Add("Authorization", "Bearer " + token);
  return OkStatus();
}

Result<HttpResponse> Client::Impl::Exchange(const std::string& host,
                                            std::vector<std::string> scopes,
                                            const std::string& target, HttpRequest req) {
  bool absolute = target.starts_with("http://") || target.starts_with("https://");
  if (absolute && !MaySendCredentials(BaseUrl(host), target)) {
    // A redirect, pagination Link or upload Location to another host or port, or down to
    // plain HTTP: followed, but never with this registry's credentials, and a 401 there is
    // not answered with them either.
    req.headers.Remove("Authorization");
    req.url = target;
    req.tls_verify = !IsInsecure(UrlHost(target));
    return Send(std::move(req));
  }
  for (int round = 0; round < 2; ++round) {
    VOUCH_RETURN_IF_ERROR(Authorize(host, scopes, req, round > 0));
    VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, SendTo(host, target, req));
    if (resp.status != 401) {
      return resp;
    }
    if (round > 0) {
      return StatusFromResponse(resp, req.method + " " + RedactUrl(req.url))
          .WithContext("credentials refused");
    }
    auto challenges = ParseChallenges(resp.headers.GetAll("WWW-Authenticate"));
    if (!challenges.ok()) {
      return UnauthenticatedError(host + " sent an unparseable challenge: " +
                                  challenges.status().message());
    }
    std::optional<Challenge> pick;
    for (const Challenge& c : *challenges) {
      if (c.scheme == "bearer") {
        pick = c;  // prefer Bearer over Basic
        break;
      }
      if (c.scheme == "basic" && !pick) {
        pick = c;
      }
    }
    if (!pick) {
      return StatusFromResponse(resp, req.method + " " + RedactUrl(req.url))
          .WithContext("no supported auth challenge");
    }
    if (pick->scheme == "bearer" && pick->Param("error") == "insufficient_scope") {
      std::string s = pick->Param("scope");
      if (!s.empty() && std::find(scopes.begin(), scopes.end(), s) == scopes.end()) {
        scopes.push_back(s);
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    challenge_[host] = *pick;
  }
  return InternalError("unreachable");
}

// --- Client -----------------------------------------------------------------------------------

Client::Client(ClientOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
Client::~Client() = default;

uint64_t Client::request_count() const { return impl_->count.load(); }

namespace {

// OpenEndpoints opens |ref| as a layout, a remote repository, or its registries.conf endpoints.
Result<std::unique_ptr<Repository>> OpenEndpoints(const std::shared_ptr<Client::Impl>& impl_,
                                                  const Reference& ref, Access access) {
  if (ref.is_layout()) {
    return NewLayoutRepository(impl_, ref, access);
  }
  if (!impl_->opts.registries_conf) {
    return NewRemoteRepository(impl_, ref, access);
  }
  const RegistriesConf& conf = *impl_->opts.registries_conf;
  std::vector<Endpoint> endpoints;
  if (access == Access::kPull) {
    VOUCH_ASSIGN_OR_RETURN(endpoints, PullEndpoints(conf, ref));
  } else {
    VOUCH_ASSIGN_OR_RETURN(Endpoint primary, PushEndpoint(conf, ref));
    endpoints.push_back(std::move(primary));
  }
  if (endpoints.size() == 1 && endpoints[0].ref.SameRepository(ref)) {
    return NewRemoteRepository(impl_, ref, access);
  }
  std::vector<internal::MirroredEndpoint> repos;
  for (Endpoint& e : endpoints) {
    std::unique_ptr<Repository> repo = NewRemoteRepository(impl_, e.ref, access);
    repos.push_back({std::move(e), std::move(repo)});
  }
  return internal::NewMirroredRepository(ref, std::move(repos));
}

}  // namespace

Result<std::unique_ptr<Repository>> Client::Open(const Reference& ref, Access access) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<Repository> repo, OpenEndpoints(impl_, ref, access));
  const std::optional<Reference>& elsewhere = impl_->opts.attachment_repository;
  if (elsewhere && !elsewhere->SameRepository(ref)) {
    VOUCH_ASSIGN_OR_RETURN(repo->attachments_, OpenEndpoints(impl_, *elsewhere, access));
  }
  return repo;
}

Result<std::optional<Reference>> ResolveAttachmentRepository(
    const std::optional<std::string>& flag,
    const std::function<std::optional<std::string>(std::string_view)>& env) {
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (env) {
      return env(name);
    }
    const char* v = std::getenv(std::string(name).c_str());
    return v != nullptr ? std::optional<std::string>(v) : std::nullopt;
  };
  std::string source = "--attachment-repository";
  std::optional<std::string> value = flag;
  for (std::string_view name : {"VOUCH_REPOSITORY", "COSIGN_REPOSITORY"}) {
    if (!value) {
      if (std::optional<std::string> v = lookup(name); v && !v->empty()) {
        value = std::move(v);
        source = "$" + std::string(name);
      }
    }
  }
  if (!value) {
    return std::optional<Reference>();
  }
  Result<Reference> ref = ParseReference(*value);
  const bool bare = ref.ok() && !ref->digest && ref->tag == "latest" &&
                    value->find('@') == std::string::npos && !value->ends_with(":latest");
  if (!bare) {
    return InvalidArgumentError(source + ": want a repository without tag or digest, got \"" +
                                *value + "\"" +
                                (ref.ok() ? "" : " (" + ref.status().message() + ")"));
  }
  return std::optional<Reference>(std::move(*ref));
}

Status Client::Ping(std::string_view registry, const Credentials& credentials) {
  std::string host = ApiHost(registry);
  ClientOptions o = impl_->opts;
  o.transport = impl_->transport;
  o.credentials = NewStaticCredentialStore(host, credentials.Clone());
  Impl probe(std::move(o));
  HttpRequest req;
  req.max_response_bytes = 1 << 16;
  VOUCH_ASSIGN_OR_RETURN(HttpResponse resp, probe.Exchange(host, {}, "/v2/", req));
  impl_->count.fetch_add(probe.count.load());
  if (resp.status == 200) {
    return OkStatus();
  }
  return StatusFromResponse(resp, "GET /v2/ on " + host);
}


}  // namespace vouch::registry
