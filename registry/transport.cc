// Headers helpers and the libcurl Transport.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "curl_handle.h"
#include "vouch/core/file.h"
#include "vouch/registry/transport.h"

namespace vouch::registry {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::string_view kTlsMismatchPrefix = "tls-mismatch: ";
constexpr std::string_view kTruncatedPrefix = "truncated response: ";
constexpr std::string_view kCancelledPrefix = "cancelled: ";

thread_local const Cancellation* current_cancellation = nullptr;

// Origin is the part of a URL that decides where credentials may go.
struct Origin {
  std::string scheme;
  std::string host;  // lower case, IPv6 literals with their brackets
  std::string port;  // explicit or the scheme's default
};

std::optional<Origin> ParseOrigin(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return std::nullopt;
  }
  Origin o;
  for (char c : url.substr(0, sep)) {
    o.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (o.scheme != "http" && o.scheme != "https") {
    return std::nullopt;
  }
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    o.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (o.port.empty()) {
    o.port = o.scheme == "https" ? "443" : "80";
  }
  for (char c : authority) {
    o.host.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (o.host.empty()) {
    return std::nullopt;
  }
  return o;
}

}  // namespace

void Headers::Set(std::string_view name, std::string value) {
  Remove(name);
  Add(std::string(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& e) { return EqualsIgnoreCase(e.first, name); });
}

std::optional<std::string> Headers::Get(std::string_view name) const {
  for (const auto& e : entries_) {
    if (EqualsIgnoreCase(e.first, name)) {
      return e.second;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Headers::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (EqualsIgnoreCase(e.first, name)) {
      out.push_back(e.second);
    }
  }
  return out;
}

Result<bool> Transport::ProbeTls(const std::string& host_port, const AddressFilter&) {
  return UnimplementedError("this transport cannot probe " + host_port + " for TLS");
}

bool IsTlsMismatch(const Status& s) {
  return s.code() == ErrorCode::kUnavailable && s.message().starts_with(kTlsMismatchPrefix);
}

Status TruncatedResponseError(const std::string& what) {
  return UnavailableError(std::string(kTruncatedPrefix) + what);
}

bool IsTruncatedResponse(const Status& s) {
  return s.code() == ErrorCode::kUnavailable && s.message().starts_with(kTruncatedPrefix);
}

void Cancellation::ExtendTo(Clock::time_point deadline) {
  Clock::rep want = deadline.time_since_epoch().count();
  Clock::rep have = deadline_.load();
  while (have < want && !deadline_.compare_exchange_weak(have, want)) {
  }
}

bool Cancellation::cancelled() const {
  if (cancelled_.load()) {
    return true;
  }
  if (Clock::now() >= deadline()) {
    cancelled_.store(true);
    return true;
  }
  return false;
}

ScopedCancellation::ScopedCancellation(const Cancellation& cancellation)
    : previous_(current_cancellation) {
  current_cancellation = &cancellation;
}

ScopedCancellation::~ScopedCancellation() { current_cancellation = previous_; }

const Cancellation* CurrentCancellation() { return current_cancellation; }

Status CancelledError(const std::string& what) {
  return DeadlineExceededError(std::string(kCancelledPrefix) + what);
}

bool IsCancelled(const Status& s) {
  return s.code() == ErrorCode::kDeadlineExceeded && s.message().starts_with(kCancelledPrefix);
}

bool MaySendCredentials(std::string_view origin_url, std::string_view target_url) {
  std::optional<Origin> from = ParseOrigin(origin_url);
  std::optional<Origin> to = ParseOrigin(target_url);
  if (!from || !to || from->host != to->host) {
    return false;
  }
  if (from->scheme == "https" && to->scheme == "http") {
    return false;  // never in cleartext what was meant for TLS
  }
  // Another port is another server (ports after defaults: http://h and https://h differ, while
  // a loopback registry upgraded from http://h:5000 to https://h:5000 stays the same).
  return from->port == to->port;
}

namespace {

bool IsRestrictedV4(const uint8_t* a) {
  return a[0] == 127 || a[0] == 0 || (a[0] == 169 && a[1] == 254) ||
         (a[0] == 100 && a[1] == 100 && a[2] == 100 && a[3] == 200);  // Alibaba Cloud metadata
}

// HostPortNames reports whether allow-list |entry| ("HOST" or "HOST:PORT") names |host|:|port|.
bool HostPortNames(std::string_view entry, std::string_view host, uint16_t port) {
  std::string_view entry_host = entry;
  std::string_view entry_port;
  size_t colon = entry.rfind(':');
  if (colon != std::string_view::npos && entry.find(']', colon) == std::string_view::npos &&
      (entry.front() == '[' || entry.find(':') == colon)) {
    entry_host = entry.substr(0, colon);
    entry_port = entry.substr(colon + 1);
  }
  if (!EqualsIgnoreCase(entry_host, host)) {
    return false;
  }
  if (entry_port.empty()) {
    return port == 443 || port == 80;
  }
  return entry_port == std::to_string(port);
}

}  // namespace

bool IsRestrictedAddress(std::string_view address) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string text(address);
  uint8_t a[16] = {};
  if (inet_pton(AF_INET, text.c_str(), a) == 1) {
    return IsRestrictedV4(a);
  }
  if (inet_pton(AF_INET6, text.c_str(), a) != 1) {
    return true;  // not an address: fail closed
  }
  static constexpr uint8_t kEc2Metadata[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                               0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (std::equal(a, a + 16, kEc2Metadata)) {
    return true;  // fd00:ec2::254
  }
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) {
    return true;  // fe80::/10
  }
  const bool zero10 = std::all_of(a, a + 10, [](uint8_t b) { return b == 0; });
  if (zero10 && a[10] == 0xff && a[11] == 0xff) {
    return IsRestrictedV4(a + 12);  // ::ffff:a.b.c.d
  }
  if (zero10 && a[10] == 0 && a[11] == 0) {
    return IsRestrictedV4(a + 12);  // ::, ::1 and the deprecated ::a.b.c.d
  }
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::equal(a, a + 12, kNat64)) {
    return IsRestrictedV4(a + 12);  // 64:ff9b::a.b.c.d (RFC 6052)
  }
  return false;
}

AddressFilter RestrictedAddressFilter(std::function<std::vector<std::string>()> allowed,
                                      std::string remedy) {
  return [allowed = std::move(allowed),
          remedy = std::move(remedy)](const ConnectTarget& t) -> Status {
    if (!IsRestrictedAddress(t.address)) {
      return OkStatus();
    }
    for (const std::string& entry : allowed()) {
      if (HostPortNames(entry, t.host, t.port)) {
        return OkStatus();
      }
    }
    return PermissionDeniedError("registry address " + t.address + " (of " + t.host + ":" +
                                 std::to_string(t.port) +
                                 ") is not allowed: loopback, link-local and cloud metadata "
                                 "addresses are refused" +
                                 (remedy.empty() ? "" : "; " + remedy));
  };
}

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return std::string(url);
  }
  size_t host_start = scheme + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  std::string_view authority = url.substr(host_start, host_end == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : host_end - host_start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return std::string(url);
  }
  return std::string(url.substr(0, host_start)) + "REDACTED@" +
         std::string(url.substr(host_start + at + 1));
}

namespace {

using internal::CurlPtr;
using internal::CurlSharePtr;
using internal::CurlSlistPtr;

// IsNotTlsDetail: OpenSSL's words for a peer that answered the ClientHello with plain text.
bool IsNotTlsDetail(const std::string& detail) {
  return detail.find("wrong version number") != std::string::npos ||
         detail.find("packet length too long") != std::string::npos ||
         detail.find("record layer failure") != std::string::npos;
}

// Guard is what the socket callback needs to vet one exchange's connections.
struct Guard {
  const AddressFilter* filter = nullptr;
  ConnectTarget target;  // host filled from the URL; port and address per connection
  Status refused;        // the first refusal
};

// OpenSocket is CURLOPT_OPENSOCKETFUNCTION: libcurl calls it with each resolved address before
// connecting, so the filter sees what is connected, not what the URL says.
curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* a) {
  auto* g = static_cast<Guard*>(clientp);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    char text[INET6_ADDRSTRLEN] = {};
    uint16_t port = 0;
    bool ok = false;
    // libcurl passes a sockaddr of |addrlen| bytes (a sockaddr_in6 for IPv6) at &a->addr.
    if (a->family == AF_INET && a->addrlen >= sizeof(sockaddr_in)) {
      sockaddr_in in{};
      std::memcpy(&in, &a->addr, sizeof(in));
      ok = inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text)) != nullptr;
      port = ntohs(in.sin_port);
    } else if (a->family == AF_INET6 && a->addrlen >= sizeof(sockaddr_in6)) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, &a->addr, sizeof(in6));
      ok = inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text)) != nullptr;
      port = ntohs(in6.sin6_port);
    }
    g->target.address = ok ? text : "(unknown address family)";
    g->target.port = port;
    Status s = (*g->filter)(g->target);
    if (!s.ok()) {
      if (g->refused.ok()) {
        g->refused = std::move(s);
      }
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

// SetGuard installs |g| on |h| when |filter| is set. |url| names the host the exchange is for.
void SetGuard(CURL* h, Guard& g, const AddressFilter& filter, std::string_view url) {
  if (!filter) {
    return;
  }
  g.filter = &filter;
  std::optional<Origin> o = ParseOrigin(url);
  g.target.host = o ? o->host : std::string();
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &g);
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Exchange is the per-request state the callbacks write into.
// kErrorBodyKeep is how much of a non-2xx body is kept (for the registry's error message).
constexpr size_t kErrorBodyKeep = 64 << 10;

struct Exchange {
  HttpResponse response;
  int status = 0;  // from the latest status line
  uint64_t cap = 0;
  bool is_head = false;
  bool oversize = false;
  const HttpRequest* request = nullptr;
  uint64_t streamed = 0;   // bytes handed to body_sink
  uint64_t uploaded = 0;   // bytes read from body_source
  Status callback_error;   // a sink or source failure that aborted the transfer
};

// Progress is libcurl's transfer-info callback: a non-zero answer aborts the exchange
// (CURLE_ABORTED_BY_CALLBACK). |userp| is the governing Cancellation (borrowed).
int Progress(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const Cancellation*>(userp)->cancelled() ? 1 : 0;
}

// Governed installs |cancel| (when set) as |h|'s progress check, so that a cancelled operation
// stops its exchange wherever it waits: DNS, connect, TLS handshake or body.
void Governed(CURL* h, const Cancellation* cancel) {
  if (cancel == nullptr) {
    return;
  }
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, cancel);
}

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  const HttpRequest& req = *ex->request;
  uint64_t left = req.body_source_size - ex->uploaded;
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * nitems, left));
  if (want == 0) {
    return 0;
  }
  Result<size_t> n = req.body_source(
      ex->uploaded, std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer), want));
  if (!n.ok() || *n == 0) {
    ex->callback_error = n.ok() ? DataLossError("request body ended early") : n.status();
    return CURL_READFUNC_ABORT;
  }
  ex->uploaded += *n;
  return *n;
}

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  size_t n = size * nmemb;
  if (ex->status < 200 || ex->status > 299) {
    // Error bodies are only read for their message: keep the start, drop the rest.
    size_t keep = std::min(n, kErrorBodyKeep - std::min(kErrorBodyKeep, ex->response.body.size()));
    ex->response.body.insert(ex->response.body.end(), reinterpret_cast<uint8_t*>(data),
                             reinterpret_cast<uint8_t*>(data) + keep);
    return n;
  }
  if (ex->request->body_sink) {
    if (ex->streamed + n > ex->cap) {
      ex->oversize = true;
      return 0;
    }
    Status s = ex->request->body_sink(
        ex->streamed, ByteView(reinterpret_cast<const uint8_t*>(data), n));
    if (!s.ok()) {
      ex->callback_error = s;
      return 0;
    }
    ex->streamed += n;
    return n;
  }
  if (ex->response.body.size() + n > ex->cap) {
    ex->oversize = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->response.body.insert(ex->response.body.end(), reinterpret_cast<uint8_t*>(data),
                           reinterpret_cast<uint8_t*>(data) + n);
  return n;
}

size_t WriteHeader(char* data, size_t size, size_t nmemb, void* userp) {
  auto* ex = static_cast<Exchange*>(userp);
  size_t n = size * nmemb;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
    line.remove_suffix(1);
  }
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue or a redirect): start over.
    ex->response.headers = Headers();
    size_t sp = line.find(' ');
    ex->status = sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  std::string name(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  // Refuse early when the announced body is over the cap (not for HEAD, whose Content-Length
  // describes the resource).
  if (!ex->is_head && ex->status >= 200 && ex->status <= 299 &&
      EqualsIgnoreCase(name, "content-length")) {
    uint64_t len = 0;
    for (char c : value) {
      if (c < '0' || c > '9') {
        break;
      }
      len = len * 10 + static_cast<uint64_t>(c - '0');
      if (len > ex->cap) {
        ex->oversize = true;
        return 0;
      }
    }
  }
  ex->response.headers.Add(std::move(name), std::string(value));
  return n;
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    static CurlGlobal global;
    share_.reset(curl_share_init());
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share_.get(), CURLSHOPT_LOCKFUNC, &CurlTransport::Lock);
    curl_share_setopt(share_.get(), CURLSHOPT_UNLOCKFUNC, &CurlTransport::Unlock);
    curl_share_setopt(share_.get(), CURLSHOPT_USERDATA, this);
  }

  ~CurlTransport() override {
    // Easy handles must go before the share they use.
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.clear();
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<bool> ProbeTls(const std::string& host_port, const AddressFilter& filter) override {
    // A handshake only (CONNECT_ONLY), unverified and therefore without loading the CA bundle,
    // on a private handle outside the share so that nothing of it is reused by real requests.
    CurlPtr easy(curl_easy_init());
    if (!easy) {
      return InternalError("curl_easy_init failed");
    }
    CURL* h = easy.get();
    std::string url = "https://" + host_port + "/";
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
    Guard guard;
    SetGuard(h, guard, filter, url);
    const Cancellation* cancel = CurrentCancellation();
    Governed(h, cancel);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      return true;
    }
    if (!guard.refused.ok() && rc == CURLE_COULDNT_CONNECT) {
      return guard.refused;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && cancel != nullptr) {
      return CancelledError("TLS probe of " + host_port);
    }
    std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_SSL_CONNECT_ERROR && IsNotTlsDetail(detail)) {
      return false;
    }
    return UnavailableError("TLS probe of " + host_port + ": " + detail);
  }

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    CurlPtr easy = Take();
    if (!easy) {
      return InternalError("curl_easy_init failed");
    }
    CURL* h = easy.get();
    Exchange ex;
    ex.cap = request.max_response_bytes;
    ex.is_head = request.method == "HEAD";
    ex.request = &request;
    char errbuf[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_SHARE, share_.get());
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.low_speed_timeout.count()));
    if (options_.request_timeout.count() > 0) {
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    }
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    Guard guard;
    SetGuard(h, guard, request.address_filter, request.url);
    const Cancellation* cancel = CurrentCancellation();
    Governed(h, cancel);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    if (options_.ca_file) {
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file->c_str());
    }
    VOUCH_ASSIGN_OR_RETURN(std::shared_ptr<const HostTls> host_tls, HostTlsFor(h, request.url));
    if (host_tls) {
      host_tls->Apply(h);
    }
    if (!request.tls_verify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.body_source) {
      // Streamed upload: curl pulls the body through ReadBody.
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, &ex);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body_source_size));
    } else {
      // POST/PUT/PATCH/DELETE: send the in-memory body as is (may be empty).
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (request.method != "DELETE" || !request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      }
    }

    curl_slist* raw = nullptr;
    CurlSlistPtr headers;
    auto add = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(raw, line.c_str());
      if (next != nullptr) {
        raw = next;
        headers.release();
        headers.reset(raw);
      }
    };
    add("Expect:");  // no 100-continue round trip
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers.entries()) {
      add(name + ": " + value);
      has_content_type = has_content_type || EqualsIgnoreCase(name, "content-type");
    }
    if (!has_content_type && request.method != "GET" && request.method != "HEAD") {
      add("Content-Type:");  // suppress curl's form default
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    const auto started = std::chrono::steady_clock::now();
    CURLcode rc = curl_easy_perform(h);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    Give(std::move(easy));

    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      std::string what = request.method + " " + RedactUrl(request.url) + ": " + detail;
      if (!ex.callback_error.ok()) {
        return ex.callback_error;
      }
      if (!guard.refused.ok() && rc == CURLE_COULDNT_CONNECT) {
        return guard.refused;
      }
      if (ex.oversize) {
        return ResourceExhaustedError("response from " + RedactUrl(request.url) +
                                      " is larger than the cap of " + std::to_string(ex.cap) +
                                      " bytes");
      }
      switch (rc) {
        case CURLE_ABORTED_BY_CALLBACK:
          if (cancel != nullptr) {
            return CancelledError(what);
          }
          return UnavailableError(what);
        case CURLE_PARTIAL_FILE:
          return TruncatedResponseError(what);
        case CURLE_OPERATION_TIMEDOUT:
          // The overall deadline, as opposed to the low-speed check or the connect timeout
          // (both also CURLE_OPERATION_TIMEDOUT, both worth a retry). libcurl's clock may fire
          // a few milliseconds before ours reaches the deadline, hence the margin.
          if (options_.request_timeout.count() > 0 &&
              detail.find("too slow") == std::string::npos &&
              elapsed + std::chrono::milliseconds(50) >= options_.request_timeout) {
            return DeadlineExceededError(what + " (request deadline of " +
                                         std::to_string(options_.request_timeout.count()) +
                                         " ms)");
          }
          return UnavailableError(what);
        case CURLE_PEER_FAILED_VERIFICATION:
          return UnauthenticatedError("TLS certificate not trusted: " + what +
                                      " (use --ca-file or SSL_CERT_FILE)");
        case CURLE_SSL_CONNECT_ERROR:
          if (IsNotTlsDetail(detail)) {
            return UnavailableError(std::string(kTlsMismatchPrefix) + what);
          }
          return UnavailableError("TLS handshake failed: " + what);
        default:
          return UnavailableError(what);
      }
    }
    ex.response.status = static_cast<int>(status);
    return std::move(ex.response);
  }

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* userp) {
    static_cast<CurlTransport*>(userp)->locks_[static_cast<size_t>(data) % kLocks].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* userp) {
    static_cast<CurlTransport*>(userp)->locks_[static_cast<size_t>(data) % kLocks].unlock();
  }

  CurlPtr Take() {
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!pool_.empty()) {
        CurlPtr h = std::move(pool_.back());
        pool_.pop_back();
        curl_easy_reset(h.get());
        return h;
      }
    }
    return CurlPtr(curl_easy_init());
  }
  void Give(CurlPtr h) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.push_back(std::move(h));
  }

  // HostTls is what a host's certificate directory adds to its exchanges.
  struct HostTls {
    std::string ca_bundle;  // the CA store's bundle followed by the host's CAs; "" for none
    std::string client_cert;
    std::string client_key;

    void Apply(CURL* h) const {
      if (!ca_bundle.empty()) {
        curl_blob blob{const_cast<char*>(ca_bundle.data()), ca_bundle.size(), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
      }
      if (!client_cert.empty()) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, client_cert.c_str());
        curl_easy_setopt(h, CURLOPT_SSLKEY, client_key.c_str());
      }
    }
  };

  // HostTlsFor returns what the certificate directories hold for |url|'s host (null: nothing),
  // read once per host. The host's CAs join the bundle the exchange would otherwise use, so
  // that they add to the CA store rather than replace it.
  Result<std::shared_ptr<const HostTls>> HostTlsFor(CURL* h, const std::string& url) {
    std::optional<Origin> o = ParseOrigin(url);
    if (options_.certs_d_roots.empty() || !o || o->scheme != "https") {
      return std::shared_ptr<const HostTls>();
    }
    const std::string authority = o->port == "443" ? o->host : o->host + ":" + o->port;
    std::lock_guard<std::mutex> lock(host_tls_mu_);
    if (auto it = host_tls_.find(authority); it != host_tls_.end()) {
      return it->second;
    }
    VOUCH_ASSIGN_OR_RETURN(HostCertificates found,
                           FindHostCertificates(options_.certs_d_roots, authority));
    std::shared_ptr<HostTls> tls;
    if (!found.empty()) {
      tls = std::make_shared<HostTls>();
      tls->client_cert = found.client_cert;
      tls->client_key = found.client_key;
      if (!found.ca_files.empty()) {
        VOUCH_ASSIGN_OR_RETURN(tls->ca_bundle, ComposeBundle(h, found.ca_files));
      }
    }
    host_tls_[authority] = tls;
    return std::shared_ptr<const HostTls>(tls);
  }

  // ComposeBundle concatenates the CA store's PEM bundle (--ca-file, else libcurl's default)
  // and |extra|.
  Result<std::string> ComposeBundle(CURL* h, const std::vector<std::string>& extra) {
    std::string base;
    if (options_.ca_file) {
      base = *options_.ca_file;
    } else {
      char* builtin = nullptr;
      if (curl_easy_getinfo(h, CURLINFO_CAINFO, &builtin) == CURLE_OK && builtin != nullptr) {
        base = builtin;
      }
    }
    std::string bundle;
    std::vector<std::string> files = extra;
    if (!base.empty() && PathExists(base)) {
      files.insert(files.begin(), base);
    }
    for (const std::string& file : files) {
      auto pem = ReadFile(file, 64u << 20);
      if (!pem.ok()) {
        return pem.status().WithContext("reading CA certificates");
      }
      bundle.append(AsChars(*pem));
      bundle.push_back('\n');
    }
    return bundle;
  }

  static constexpr size_t kLocks = 8;
  CurlTransportOptions options_;
  std::mutex host_tls_mu_;
  std::map<std::string, std::shared_ptr<const HostTls>> host_tls_;
  std::array<std::mutex, kLocks> locks_;
  CurlSharePtr share_;
  std::mutex pool_mu_;
  std::vector<CurlPtr> pool_;
};

}  // namespace

std::unique_ptr<Transport> NewCurlTransport(const CurlTransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace vouch::registry
