// Client::Impl: what every repository of one Client shares (transport, auth state, counters),
// and the private factories of the two Repository implementations. Internal to the module.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vouch/registry/client.h"

namespace vouch::registry {

struct Client::Impl {
  explicit Impl(ClientOptions options);

  ClientOptions opts;
  std::shared_ptr<Transport> transport;
  std::shared_ptr<CredentialStore> creds;
  std::atomic<uint64_t> count{0};

  // Send performs one exchange with the retry policy (5xx, 429, connection errors), counting
  // and reporting each attempt. A retryable failure that outlasts the policy is kUnavailable.
  Result<HttpResponse> Send(HttpRequest req);

  // Exchange sends |req| to |host| at |target| (a path starting with "/" or an absolute URL on
  // the same host), choosing the scheme (https; http only for loopback/insecure hosts when the
  // peer does not speak TLS) and running the auth flow for |scopes| (one retry after a 401).
  Result<HttpResponse> Exchange(const std::string& host, std::vector<std::string> scopes,
                                const std::string& target, HttpRequest req);

  // BaseUrl returns scheme://host for |host| (after the scheme is known).
  std::string BaseUrl(const std::string& host);

  // Lookup returns cached credentials for |host|.
  Result<std::shared_ptr<const Credentials>> LookupCredentials(const std::string& host);

  // ProbeScheme settles the scheme of a host that may speak plain HTTP with one
  // Transport::ProbeTls handshake (once per host and client); nothing when the transport
  // cannot probe.
  void ProbeScheme(const std::string& host);

  // NoReferrersApi reports whether |host| answered a referrers request with 404 earlier in this
  // client's life; MarkNoReferrersApi records that. The referrers route is a registry-wide
  // capability (distribution 2.8 does not register it at all), so one probe per host suffices.
  bool NoReferrersApi(const std::string& host);
  void MarkNoReferrersApi(const std::string& host);

  bool IsInsecure(const std::string& host) const;
  bool AllowHttp(const std::string& host) const;
  void Warn(const std::string& text);

 private:
  struct Token {
    std::string value;
    std::chrono::steady_clock::time_point expiry;
  };
  Status Authorize(const std::string& host, const std::vector<std::string>& scopes,
                   HttpRequest& req, bool after_401);
  Result<std::string> GetToken(const std::string& host, const Challenge& ch,
                               const std::vector<std::string>& scopes, bool force);
  Result<HttpResponse> SendTo(const std::string& host, const std::string& target,
                              HttpRequest req);

  std::mutex mu_;
  std::map<std::string, std::string> scheme_;
  std::set<std::string> probed_;
  std::map<std::string, Challenge> challenge_;
  std::map<std::string, Token> tokens_;
  std::map<std::string, std::shared_ptr<const Credentials>> cred_cache_;
  std::set<std::string> warned_;
  std::set<std::string> no_referrers_api_;
  std::map<std::string, std::shared_ptr<std::mutex>> token_fetch_mu_;  // by token key
};

// StatusFromResponse turns a non-success response into a Status naming |what|, using the
// registry's error JSON when present.
Status StatusFromResponse(const HttpResponse& resp, const std::string& what);

std::unique_ptr<Repository> NewRemoteRepository(std::shared_ptr<Client::Impl> impl,
                                                Reference ref, Access access);
Result<std::unique_ptr<Repository>> NewLayoutRepository(std::shared_ptr<Client::Impl> impl,
                                                        Reference ref, Access access);

// CheckManifestBytes verifies |bytes| against |expected| (when set) and parses the media type.
// Returns the Manifest with digest and media type filled in.
Result<Manifest> CheckManifestBytes(Bytes bytes, const std::optional<Digest>& expected,
                                    std::string_view content_type, const std::string& what);

}  // namespace vouch::registry
