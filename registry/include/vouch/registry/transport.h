// The Transport seam: every HTTP exchange of the registry client goes through one interface, with
// a libcurl implementation for real use and fakes in tests (leveldb Env, aktualizr HttpInterface).
// No curl type appears here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch::registry {

// Headers is an ordered list of (name, value) pairs; names compare case-insensitively.
class Headers {
 public:
  void Add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Set replaces every header called |name| with one value.
  void Set(std::string_view name, std::string value);
  void Remove(std::string_view name);
  // Get returns the first value of |name|, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  // GetAll returns every value of |name| in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// ConnectTarget is one connection a transport is about to open.
struct ConnectTarget {
  // host is the request URL's host, lower case, an IPv6 literal in brackets ("[::1]"): the
  // name the request is for, whatever it resolved to.
  std::string host;
  // port is the port about to be connected to.
  uint16_t port = 0;
  // address is the numeric address about to be connected to ("10.0.0.5", "::ffff:127.0.0.1").
  std::string address;
};

// AddressFilter is asked before every connection a transport opens, after name resolution, so
// it sees the address actually connected: a name that resolves to loopback and a redirect to one
// are both caught. A non-OK status refuses the connection before any byte is sent; when no
// address of the host is allowed the exchange fails with that status. It may be called from any
// thread.
using AddressFilter = std::function<Status(const ConnectTarget& target)>;

// IsRestrictedAddress reports whether the numeric address |address| ("127.0.0.1", "::1",
// "[fe80::1]") is one a service fetching images on behalf of others must not reach: loopback
// (127.0.0.0/8, ::1), unspecified (0.0.0.0/8, ::), link-local (169.254.0.0/16, fe80::/10; the
// cloud metadata address 169.254.169.254 among them), the metadata addresses outside those
// ranges (fd00:ec2::254, 100.100.100.200), and IPv6 forms carrying a restricted IPv4 address
// (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d). Private
// ranges (RFC 1918, fc00::/7) are not restricted: private registries live there. Text that is
// not a numeric address is restricted (fail closed). Unlike IsLoopbackHost (reference.h), which
// reads a host name as written, this classifies what a name resolved to.
bool IsRestrictedAddress(std::string_view address);

// RestrictedAddressFilter returns the AddressFilter of a service that fetches images named by
// others (`vouch serve`): a connection to a restricted address (IsRestrictedAddress) is refused
// with kPermissionDenied ("registry address 127.0.0.1 is not allowed ...", then |remedy|)
// unless the target's host and port are named by one of the entries |allowed| returns. An entry
// is "HOST" (ports 443 and 80: what a reference without a port reaches) or "HOST:PORT", spelled as
// image references spell registries (IPv6 in brackets); hosts compare case-insensitively.
// |allowed| is called only for restricted addresses, at connection time, so it may follow a
// policy that changes. Every other address is allowed.
AddressFilter RestrictedAddressFilter(std::function<std::vector<std::string>()> allowed,
                                      std::string remedy);

// HttpRequest is one request. Transports never follow redirects: the client does, so that it can
// drop credentials when the host or scheme changes (MaySendCredentials).
struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL
  Headers headers;
  Bytes body;
  // max_response_bytes caps the body; a larger body (by Content-Length or while streaming) makes
  // the round trip fail with kResourceExhausted.
  uint64_t max_response_bytes = 4 << 20;
  // expected_body_bytes, when set, is the length a 2xx body without a Content-Length must reach
  // (a blob's descriptor size): a shorter one may be a connection-delimited body cut early, a
  // truncated response (TruncatedResponseError) the client retries. A response's own
  // Content-Length, when it has one, is the expectation instead: a body complete by it but not
  // of the descriptor's size is what the registry sent, and the size and digest checks reject it.
  std::optional<uint64_t> expected_body_bytes;
  // tls_verify false accepts any server certificate (only for --insecure-registry hosts).
  bool tls_verify = true;
  // body_sink, when set, receives a 2xx response body piece by piece as it arrives instead of
  // HttpResponse::body (which then stays empty), so memory does not grow with the body.
  // |offset| is where the piece starts; a transport that starts the body over (a retried
  // exchange) begins again at offset 0. max_response_bytes still caps the total. A non-OK
  // status from the sink aborts the exchange with that status.
  std::function<Status(uint64_t offset, ByteView piece)> body_sink;
  // body_source, when set, supplies the request body instead of |body|: exactly
  // body_source_size bytes, read like pread (fill |buf| from |offset|, return the count, 0 only
  // at the end). It may be called again from offset 0 when the exchange is retried.
  std::function<Result<size_t>(uint64_t offset, std::span<uint8_t> buf)> body_source;
  uint64_t body_source_size = 0;
  // address_filter, when set, vets every connection the exchange opens (AddressFilter).
  AddressFilter address_filter;
};

// HttpResponse is the status line, headers and the whole (capped) body.
struct HttpResponse {
  int status = 0;
  Headers headers;
  Bytes body;
};

// Transport performs single HTTP exchanges. Implementations must be safe to call from several
// threads at once.
//
// RoundTrip returns the response for any HTTP status (a 404 is a response, not an error). Only
// 2xx bodies count against max_response_bytes; other bodies are truncated to 64 KiB. Errors:
// connection refused/reset and low-speed aborts are kUnavailable; a body cut short (shorter
// than its Content-Length, a chunked body without its last chunk) is TruncatedResponseError
// (kUnavailable); an exchange that outlasts the transport's overall request deadline is
// kDeadlineExceeded; a body over max_response_bytes is kResourceExhausted; a TLS server
// answering a plain-HTTP peer or vice versa is kUnavailable with IsTlsMismatch() set on the
// message prefix "tls-mismatch:"; certificate verification failure is kUnauthenticated.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> RoundTrip(const HttpRequest& request) = 0;

  // ProbeTls reports whether |host_port| completes a TLS handshake (true) or answers the
  // ClientHello with something that is not TLS, i.e. a plain-HTTP server (false). It sends no
  // HTTP request and no credentials, and does not verify the certificate: the answer only picks
  // the scheme, and the real requests that follow verify as usual. It exists because a failed
  // verified handshake is slow (libcurl loads the whole CA bundle first, ~50 ms), and plain-HTTP
  // registries on loopback are common in development. Connection failures are kUnavailable.
  // |filter|, when set, vets the connection as HttpRequest::address_filter does. The default
  // implementation returns kUnimplemented (callers then learn the scheme from a real request).
  virtual Result<bool> ProbeTls(const std::string& host_port, const AddressFilter& filter);
};

// Cancellation tells the registry exchanges made for one operation that nobody wants their answer
// any more: after Cancel(), or once its deadline has passed. The curl transport checks it while
// an exchange waits on the network (libcurl's progress callback: at least about once a second,
// during connect, TLS handshake and transfer alike) and the client checks it before every
// attempt and retry sleep; an exchange it ends fails with CancelledError. A server uses it so
// that a dead or dripping registry holds a worker only as long as some request waits for the
// answer. Thread-safe: any thread may cancel or extend while the exchanges run.
class Cancellation {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Cancellation(Clock::time_point deadline = Clock::time_point::max())
      : deadline_(deadline.time_since_epoch().count()) {}
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Cancel ends the exchanges at once (at their next check); it cannot be undone.
  void Cancel() { cancelled_.store(true); }
  // ExtendTo moves the deadline to |deadline| when that is later (a new waiter); never earlier.
  void ExtendTo(Clock::time_point deadline);
  // cancelled reports whether Cancel was called or the deadline has passed. Once it has said
  // true it stays true (an extension that comes later does not revive exchanges already cut).
  bool cancelled() const;
  Clock::time_point deadline() const {
    return Clock::time_point(Clock::duration(deadline_.load()));
  }

 private:
  mutable std::atomic<bool> cancelled_{false};
  std::atomic<Clock::rep> deadline_;
};

// ScopedCancellation makes |cancellation| govern every registry exchange the current thread
// starts (through a Client or the curl transport) until the scope ends, without threading it
// through every repository call. Scopes nest: the innermost governs, and the one before it is
// restored at the end. |cancellation| must outlive the scope.
class ScopedCancellation {
 public:
  explicit ScopedCancellation(const Cancellation& cancellation);
  ~ScopedCancellation();
  ScopedCancellation(const ScopedCancellation&) = delete;
  ScopedCancellation& operator=(const ScopedCancellation&) = delete;

 private:
  const Cancellation* previous_;
};

// CurrentCancellation returns the Cancellation governing this thread's exchanges (borrowed), or
// nullptr outside any ScopedCancellation.
const Cancellation* CurrentCancellation();

// CancelledError returns the status of an exchange its Cancellation ended (|what| names it):
// kDeadlineExceeded (the answer is no longer wanted in time) with the message prefix
// "cancelled: ". It means "could not check", never a rejection, and the client does not retry it.
Status CancelledError(const std::string& what);

// IsCancelled reports whether |s| came from CancelledError.
bool IsCancelled(const Status& s);

// IsTlsMismatch reports whether |s| says the peer does not speak TLS (so http:// may be tried for
// hosts where plain HTTP is allowed).
bool IsTlsMismatch(const Status& s);

// TruncatedResponseError returns the status of a response whose body ended before its announced
// or expected length (|what| names the exchange). It is kUnavailable, with the message prefix
// "truncated response: ", because a body cut short says nothing about the object: the client
// retries it like a 5xx, and a verifier that still cannot read the object reports "could not
// check" (exit 3), never a rejection. A complete body that does not match its digest is
// kDataLoss instead.
Status TruncatedResponseError(const std::string& what);

// IsTruncatedResponse reports whether |s| came from TruncatedResponseError.
bool IsTruncatedResponse(const Status& s);

// HostCertificates is what a per-host certificate directory (ROOT/HOST[:PORT]/, as docker's
// /etc/docker/certs.d and containers-certs.d(5)) holds for one registry.
struct HostCertificates {
  // ca_files are the *.crt files: CAs trusted for this host in addition to the CA store.
  std::vector<std::string> ca_files;
  // client_cert and client_key are a *.cert file and the *.key of the same name: the client
  // certificate presented to this host (the first pair in name order).
  std::string client_cert;
  std::string client_key;

  bool empty() const { return ca_files.empty() && client_cert.empty(); }
};

// DefaultCertsDirRoots returns the roots of the per-host certificate directories, in order:
// $VOUCH_CERTS_D_DIRS when set (':'-separated; empty: none), else
// $XDG_CONFIG_HOME/containers/certs.d (~/.config/containers/certs.d), /etc/containers/certs.d,
// /etc/docker/certs.d.
std::vector<std::string> DefaultCertsDirRoots();

// FindHostCertificates reads the first directory ROOT/|authority| that exists among |roots|
// (containers/image's rule: directories are not merged). |authority| is the registry as a URL
// names it: "host" or "host:port". Files are taken in name order. A *.cert without its *.key,
// or a *.key without its *.cert, is kInvalidArgument naming the file; an unreadable directory
// is an error too.
Result<HostCertificates> FindHostCertificates(const std::vector<std::string>& roots,
                                              std::string_view authority);

// CurlTransportOptions configures NewCurlTransport.
struct CurlTransportOptions {
  // ca_file, when set, replaces the system CA store (PEM bundle).
  std::optional<std::string> ca_file;
  // certs_d_roots are the per-host certificate directory roots (FindHostCertificates): a
  // host's CAs are added to the CA store (|ca_file|, else libcurl's default bundle), never
  // replace it, and its client certificate is presented. Empty: none.
  std::vector<std::string> certs_d_roots;
  std::chrono::seconds connect_timeout{15};
  // low_speed_timeout aborts a transfer that moves under 1 byte/s for this long (kUnavailable,
  // retried).
  std::chrono::seconds low_speed_timeout{60};
  // request_timeout is the overall deadline of one exchange, connection and whole body
  // included, so that a registry dripping bytes just above the low-speed limit cannot hold a
  // command for ever: past it the exchange fails with kDeadlineExceeded, which is not retried.
  // Zero or less means no deadline.
  std::chrono::milliseconds request_timeout{std::chrono::minutes(10)};
  std::string user_agent = "vouch/0.1";
};

// NewCurlTransport returns the libcurl transport. Connections, DNS and TLS sessions are shared
// across requests and threads (CURLSH), so requests to one host reuse a keep-alive connection.
std::unique_ptr<Transport> NewCurlTransport(const CurlTransportOptions& options);

// RequestLog describes one finished exchange, for -v logging and request counting. It never
// carries credentials: only the method, the URL (without userinfo) and the outcome.
struct RequestLog {
  std::string method;
  std::string url;
  int status = 0;  // 0 when no response arrived
  std::chrono::milliseconds elapsed{0};
  uint64_t response_bytes = 0;
  std::string error;  // transport error message when status is 0
};

// RequestObserver is called after every exchange (from any thread).
using RequestObserver = std::function<void(const RequestLog&)>;

// RedactUrl removes userinfo ("user:pass@") from |url|.
std::string RedactUrl(std::string_view url);

// MaySendCredentials reports whether the credentials of the registry at |origin_url|
// ("scheme://host[:port]", the scheme the client speaks to it) may go with a request to the
// absolute URL |target_url| (a redirect Location, a pagination Link, an upload Location). Only
// when both name the same host and port (host compared case-insensitively, default ports 443
// and 80 implied) and the target does not go from https to plain http. Anything else, including
// a URL that does not parse, is false: the request is then sent without Authorization.
bool MaySendCredentials(std::string_view origin_url, std::string_view target_url);

}  // namespace vouch::registry
