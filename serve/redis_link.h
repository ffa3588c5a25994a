// One connection to Redis, in cleartext (redis://) or TLS (rediss://), speaking RESP through
// hiredis' command formatter and reply reader over a socket of our own: Debian bookworm's
// hiredis (0.14) has no TLS, so the transport is a socket with OpenSSL on it, and the protocol
// stays hiredis'. Internal to serve (shared_cache.cc).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/serve/serve.h"

struct redisReply;  // <hiredis.h>: the reply's type and fields, for the .cc files that read them

namespace vouch::serve::internal {

struct ReplyFree {
  void operator()(redisReply* r) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

// RedisTls is what a TLS link trusts and presents, loaded once (LoadRedisTls).
class RedisTls;

// LoadRedisTls builds the TLS client configuration of |options|: the server is verified against
// options.ca_file (the system store when empty) and by name or IP address; a client certificate
// is presented when options.cert_file is set. kInvalidArgument naming the file that does not load.
Result<std::shared_ptr<const RedisTls>> LoadRedisTls(const CacheTls& options);

// RedisLink is one connection. Not safe for concurrent use: its owner serialises calls.
class RedisLink {
 public:
  virtual ~RedisLink() = default;
  // Command sends one command (|argv|, binary-safe) and returns its reply, or kUnavailable when
  // the connection failed, timed out or sent something that is not RESP: the link is then
  // unusable and its owner drops it.
  virtual Result<ReplyPtr> Command(const std::vector<std::string_view>& argv) = 0;
};

// ConnectRedis connects to |url| within |connect_timeout| (and, with |tls|, verifies the
// server); every later Command must complete within |command_timeout|. |tls| is required for a
// rediss:// URL and ignored otherwise.
Result<std::unique_ptr<RedisLink>> ConnectRedis(const CacheUrl& url,
                                                const std::shared_ptr<const RedisTls>& tls,
                                                std::chrono::milliseconds connect_timeout,
                                                std::chrono::milliseconds command_timeout);

}  // namespace vouch::serve::internal
