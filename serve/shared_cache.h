// The decision cache that `vouch serve` replicas share (`--cache redis://HOST:PORT[/DB]`), behind
// an interface so that the gate can be tested with an in-memory fake. Internal.
//
// A shared value is only a cache of a verification that a replica made under the same policy
// and trust material: its key names the trust digest (LoadedPolicy::trust_digest) and the
// pinned image, and it holds the verdict with the evidence that decided. Only accepted and
// rejected decisions are shared; "could not check" stays with the replica that could not.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/status.h"
#include "vouch/serve/serve.h"
#include "vouch/verify/decision.h"

namespace vouch::serve::internal {

class RedisTls;  // redis_link.h

// SharedCache is a key-value store with per-value expiry. Every call may fail (the store is
// down, slow or refuses): callers treat a failure as a miss and decide on their own.
class SharedCache {
 public:
  virtual ~SharedCache() = default;
  // Get returns the value, nullopt when there is none, or an error when the store did not answer.
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  // Set stores |value| under |key| for |ttl|.
  virtual Status Set(const std::string& key, const std::string& value,
                     std::chrono::seconds ttl) = 0;
  // Up reports whether the store answered its last call or health check. Never blocks.
  virtual bool Up() const = 0;
  // Describe names the store for logs and /readyz ("redis://127.0.0.1:6379/0"), never a secret.
  virtual std::string Describe() const = 0;
};

// RedisTimeouts bound every exchange with Redis: a replica never waits long on its cache.
struct RedisTimeouts {
  std::chrono::milliseconds connect{100};
  std::chrono::milliseconds command{100};
  // After a failure no call reaches Redis for |backoff_min|, doubling per failed reconnect up to
  // |backoff_max|; calls in between fail at once.
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  // health is how often a background thread checks the connection (PING when up, reconnect when
  // due when down), so Up() and /readyz follow Redis without traffic.
  std::chrono::milliseconds health{1000};
};

// NewRedisCache returns a client of |url| (redis_link.h), authenticating with |password| when it
// is not empty, over TLS configured by |tls| for a rediss:// URL. It does not connect before
// returning: a Redis that is down at start is reported by Up() and retried with backoff.
std::unique_ptr<SharedCache> NewRedisCache(const CacheUrl& url, std::string password,
                                           std::shared_ptr<const RedisTls> tls = nullptr,
                                           RedisTimeouts timeouts = {});

// kSharedDecisionVersion is the "version" field of shared values; a value with another version
// (written by another vouch) is a miss.
inline constexpr int kSharedDecisionVersion = 1;

// SharedDecisionKey is the store key of |pinned| ("registry/repo@sha256:…") decided under the
// policy whose trust digest is |trust_digest|.
std::string SharedDecisionKey(std::string_view trust_digest, std::string_view pinned);

// EncodeSharedDecision renders |decision| (accepted or rejected) as the JSON value stored under
// its key, valid until |expires|: the verdict, its status message, the selected scope, each
// requirement's result (with the findings that counted: valid objects and their signers) and
// the verified inputs (signatures and attestations that counted, by authority, location and
// digest).
std::string EncodeSharedDecision(const verify::ImageDecision& decision,
                                 std::chrono::system_clock::time_point expires);

// SharedDecision is a decoded value: the decision and when it stops being valid.
struct SharedDecision {
  std::shared_ptr<const verify::ImageDecision> decision;
  std::chrono::system_clock::time_point expires;
};

// DecodeSharedDecision parses a stored value. nullopt (a miss) when it does not parse, has
// another version, holds a decision other than accepted or rejected, or has expired at |now|.
std::optional<SharedDecision> DecodeSharedDecision(std::string_view value,
                                                   std::chrono::system_clock::time_point now);

}  // namespace vouch::serve::internal
