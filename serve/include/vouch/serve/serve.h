// `vouch serve`: the Kubernetes admission webhook that enforces a trust policy
// (vouch/policy/policy.h) on every image a workload would run. docs/gate.md describes the
// endpoints, the caches, the deadline, the decision log and the deployment.
//
// The server speaks HTTPS (Boost.Beast over Asio with OpenSSL). HTTP is handled on a few I/O
// threads that never wait on a registry: verifications run on a separate worker pool, and a
// request waits for them with a timer that fires at the deadline. Decisions are cached by
// (image repository@digest, policy digest); tag resolutions by tag with their own, shorter TTL;
// concurrent requests for one image share one verification; with a cache URL, replicas share
// decisions through Redis (docs/gate.md, "Shared cache on Redis").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::serve {

// ServeOptions configure Serve.
// CacheTls is how `vouch serve` talks TLS to a rediss:// cache: the server's certificate is
// checked against ca_file (the system's trust store when empty) and the URL's host; cert_file
// and key_file (PEM, together) are the client certificate for a Redis that asks for one.
struct CacheTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

struct ServeOptions {
  std::string policy_path;  // the trust policy file (reloaded on SIGHUP and on change)
  std::string tls_cert;     // PEM certificate chain (serving certificate first)
  std::string tls_key;      // PEM private key (unencrypted)
  // tls_self_signed_dir, when set, replaces tls_cert and tls_key: the gate keeps its own CA and
  // serving certificate there (vouch/serve/self_signed.h), made or reused at start and renewed
  // while serving when less than a third of the certificate's lifetime is left.
  std::string tls_self_signed_dir;
  // tls_self_signed_ca_dir, with tls_self_signed_dir: take the CA from here (ca.crt, ca.key; read
  // only) instead of keeping one in tls_self_signed_dir, so that replicas share one caBundle.
  std::string tls_self_signed_ca_dir;
  // tls_dns_names are the self-signed serving certificate's names (empty: the shipped Service's,
  // DefaultServiceDnsNames()).
  std::vector<std::string> tls_dns_names;
  // listen is HOST:PORT ("0.0.0.0:8443", "127.0.0.1:0", "[::]:8443"). Port 0 picks a free port;
  // the bound address is printed to stderr as "vouch serve: listening on https://HOST:PORT".
  std::string listen = "0.0.0.0:8443";
  // deadline bounds each admission request: what is not verified by then is treated as "could
  // not verify" (deny, unless the scope's failurePolicy is allow). Keep it below the webhook's
  // timeoutSeconds.
  std::chrono::milliseconds deadline{8000};
  std::chrono::seconds cache_ttl{300};  // decisions (accepted and rejected)
  // error_cache_ttl is how long a "could not check" answer is reused, in this replica only,
  // before the image is tried again (a short negative TTL, so that a dead registry is not asked
  // again by every review of a burst); 0 turns it off. A cancellation is never cached, and a
  // cached "could not check" stays "could not check".
  std::chrono::seconds error_cache_ttl{5};
  std::chrono::seconds tag_ttl{30};     // tag -> digest resolutions
  // decision_log is a file appended one JSON line per decision, "-" for stdout, "" for none.
  std::string decision_log;
  int io_threads = 2;       // threads serving HTTP
  int worker_threads = 16;  // threads running verifications (they wait on registries)
  // registry_concurrency is how many verifications of images on one registry (host[:port])
  // run at once; the others wait in that registry's queue without holding a worker.
  int registry_concurrency = 4;
  // max_images_per_review: a review naming more distinct images is refused (/validate denies,
  // /mutate leaves it unpatched) without verifying any.
  size_t max_images_per_review = 64;
  // max_connections caps open client connections; one over the cap is closed at once.
  int max_connections = 1024;
  // policy_poll is how often the policy file's mtime/size/digest is checked for changes.
  std::chrono::milliseconds policy_poll{1000};
  // client configures the registry client; its observer is chained with the request counter,
  // and its address_filter is replaced by the gate's (below). client.throttle's state is
  // reported in /metrics; `vouch serve` sets DefaultRegistryThrottle() with the flags applied
  // (null: no back-pressure, as --registry-rate 0 --registry-breaker 0 ask).
  registry::ClientOptions client;
  // allow_registry_hosts ("HOST" or "HOST:PORT", spelled as in image references) may be
  // connected to on loopback, link-local or metadata addresses. Every other host may be only
  // when a scope of the policy in force names it literally (registry::RestrictedAddressFilter,
  // policy::ScopeRegistry); otherwise such a connection is refused and the image is "could not
  // check". Empty by default.
  std::vector<std::string> allow_registry_hosts;
  // cache_url, when not empty, is the Redis the replicas share decisions through
  // ("redis://HOST:PORT[/DB]" or "rediss://…" for TLS, see ParseCacheUrl); cache_password
  // authenticates to it ("" for none) and is never printed; cache_tls applies to rediss://.
  std::string cache_url;
  std::string cache_password;
  CacheTls cache_tls;
};

// CacheUrl is a parsed `--cache` URL.
struct CacheUrl {
  bool tls = false;  // rediss://
  std::string host;  // a name or an address; IPv6 without brackets
  int port = 6379;
  int db = 0;
  // ToString renders "redis[s]://HOST:PORT/DB" (never a password: URLs with one are refused).
  std::string ToString() const;
};

// ParseCacheUrl parses "redis://HOST[:PORT][/DB]" and "rediss://…" (Redis over TLS) with HOST a
// name, an IPv4 address or a bracketed IPv6 address, PORT 6379 by default, DB 0 by default.
// kInvalidArgument, saying why, for any other scheme, and for a URL carrying a user or password
// (it would show in process listings: the password comes from --cache-password-file or
// VOUCH_CACHE_PASSWORD).
Result<CacheUrl> ParseCacheUrl(std::string_view url);

// DefaultRegistryThrottle is the gate's back-pressure towards registries (docs/gate.md): 50
// requests/s per registry host with bursts of 100, and a circuit that opens after 5 consecutive
// failures within a minute, for 30 s (or the registry's longest Retry-After, up to 10 min).
registry::ThrottleOptions DefaultRegistryThrottle();

// Serve loads the policy, binds, and serves until SIGTERM or SIGINT (then it stops accepting,
// answers what is in flight and returns OK). Verifications still running then are cancelled;
// when one has not stopped a second after that, Serve ends the process with exit status 0
// instead of returning (no one is left to use the answer). A policy that
// does not load is kInvalidArgument (or its I/O code); a certificate or key that does not load, or
// an address that cannot be bound, is an error before anything is served.
Status Serve(const ServeOptions& options);

}  // namespace vouch::serve
