#include "redis_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "core/internal/fd.h"
#include "core/internal/ossl.h"

namespace vouch::serve::internal {

// SSL handles are used here only (the server side is Boost.Asio's).
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

void ReplyFree::operator()(redisReply* r) const { freeReplyObject(r); }

class RedisTls {
 public:
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
};

namespace {

using Clock = std::chrono::steady_clock;

// Shared decisions are a few KiB: a longer reply is not one of ours, and is not buffered.
constexpr size_t kMaxReply = 4 << 20;

struct ReaderFree {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
struct CommandFree {
  void operator()(char* c) const { redisFreeCommand(c); }
};
struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

Status Errno(const std::string& what, int err = errno) {
  return UnavailableError(what + ": " + std::strerror(err));
}

// Wait polls |fd| for |events| until |deadline|. Errors and hang-ups are left for the read or
// write that follows to report.
Status Wait(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return UnavailableError(std::string(what) + ": timed out");
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) {
      return OkStatus();
    }
    if (n < 0 && errno != EINTR) {
      return Errno(what);
    }
  }
}

// Dial connects a non-blocking TCP socket to the first address of |url| that accepts.
Result<Fd> Dial(const CacheUrl& url, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found);
  if (rc != 0) {
    return UnavailableError("resolving " + url.host + ": " + ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, AddrInfoFree> list(found);
  Status last = UnavailableError("connect: no address");
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      last = Errno("socket");
      continue;
    }
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = Errno("connect");
      continue;
    }
    VOUCH_RETURN_IF_ERROR(Wait(fd.get(), POLLOUT, deadline, "connect"));
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      last = Errno("connect", err != 0 ? err : errno);
      continue;
    }
    const int one = 1;
    (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  return last;
}

// TlsWait turns an OpenSSL "want" into a wait on the socket; anything else is the failure of
// |what|.
Status TlsWait(SSL* ssl, int fd, int ret, Clock::time_point deadline, const char* what) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return Wait(fd, POLLIN, deadline, what);
    case SSL_ERROR_WANT_WRITE:
      return Wait(fd, POLLOUT, deadline, what);
    case SSL_ERROR_ZERO_RETURN:
      return UnavailableError(std::string(what) + ": connection closed");
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        return errno != 0 ? Errno(what) : UnavailableError(std::string(what) + ": connection closed");
      }
      [[fallthrough]];
    default:
      return OpenSslError(ErrorCode::kUnavailable, what);
  }
}

// Handshake runs TLS on |fd|, checking the server's certificate against |tls| and |host| (a DNS
// name, or an IP address matched against the certificate's IP SANs).
Result<std::unique_ptr<SSL, SslFree>> Handshake(const RedisTls& tls, int fd,
                                                const std::string& host,
                                                Clock::time_point deadline) {
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(tls.ctx.get()));
  if (ssl == nullptr || SSL_set_fd(ssl.get(), fd) != 1) {
    return OpenSslError(ErrorCode::kInternal, "TLS setup");
  }
  in6_addr addr{};
  const bool ip = ::inet_pton(AF_INET, host.c_str(), &addr) == 1 ||
                  ::inet_pton(AF_INET6, host.c_str(), &addr) == 1;
  const int named = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str())
                       : SSL_set_tlsext_host_name(ssl.get(), host.c_str()) == 1 &&
                             SSL_set1_host(ssl.get(), host.c_str()) == 1;
  if (named != 1) {
    return OpenSslError(ErrorCode::kInternal, "TLS setup for " + host);
  }
  for (;;) {
    ERR_clear_error();
    const int ret = SSL_connect(ssl.get());
    if (ret == 1) {
      return ssl;
    }
    const long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return UnavailableError(std::string("TLS: the server's certificate is not trusted: ") +
                              X509_verify_cert_error_string(verify));
    }
    VOUCH_RETURN_IF_ERROR(TlsWait(ssl.get(), fd, ret, deadline, "TLS handshake"));
  }
}

class Link final : public RedisLink {
 public:
  Link(Fd fd, std::unique_ptr<SSL, SslFree> ssl, std::chrono::milliseconds timeout)
      : fd_(std::move(fd)), ssl_(std::move(ssl)), reader_(redisReaderCreate()), timeout_(timeout) {}

  Result<ReplyPtr> Command(const std::vector<std::string_view>& argv) override {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (std::string_view a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    char* raw = nullptr;
    const long long n =
        redisFormatCommandArgv(&raw, static_cast<int>(args.size()), args.data(), lens.data());
    std::unique_ptr<char, CommandFree> command(raw);
    if (n < 0 || reader_ == nullptr) {
      return InternalError("Redis command: out of memory");
    }
    const Clock::time_point deadline = Clock::now() + timeout_;
    VOUCH_RETURN_IF_ERROR(WriteAll(std::string_view(command.get(), static_cast<size_t>(n)),
                                   deadline));
    return ReadReply(deadline);
  }

 private:
  Result<ReplyPtr> ReadReply(Clock::time_point deadline) {
    size_t total = 0;
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) {
        return UnavailableError(std::string("not a Redis reply: ") + reader_->errstr);
      }
      if (reply != nullptr) {
        return ReplyPtr(static_cast<redisReply*>(reply));
      }
      char buf[16 * 1024];
      VOUCH_ASSIGN_OR_RETURN(size_t got, ReadSome(buf, sizeof(buf), deadline));
      total += got;
      if (total > kMaxReply) {
        return UnavailableError("reply over 4 MiB");
      }
      if (redisReaderFeed(reader_.get(), buf, got) != REDIS_OK) {
        return UnavailableError(std::string("not a Redis reply: ") + reader_->errstr);
      }
    }
  }

  Result<size_t> ReadSome(char* buf, size_t cap, Clock::time_point deadline) {
    for (;;) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_read(ssl_.get(), buf, static_cast<int>(cap));
        if (n > 0) {
          return static_cast<size_t>(n);
        }
        VOUCH_RETURN_IF_ERROR(TlsWait(ssl_.get(), fd_.get(), n, deadline, "read"));
        continue;
      }
      const ssize_t n = ::recv(fd_.get(), buf, cap, 0);
      if (n > 0) {
        return static_cast<size_t>(n);
      }
      if (n == 0) {
        return UnavailableError("read: connection closed");
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        VOUCH_RETURN_IF_ERROR(Wait(fd_.get(), POLLIN, deadline, "read"));
      } else if (errno != EINTR) {
        return Errno("read");
      }
    }
  }

  Status WriteAll(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
        if (n > 0) {
          data.remove_prefix(static_cast<size_t>(n));
        } else {
          VOUCH_RETURN_IF_ERROR(TlsWait(ssl_.get(), fd_.get(), n, deadline, "write"));
        }
        continue;
      }
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        data.remove_prefix(static_cast<size_t>(n));
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        VOUCH_RETURN_IF_ERROR(Wait(fd_.get(), POLLOUT, deadline, "write"));
      } else if (errno != EINTR) {
        return Errno("write");
      }
    }
    return OkStatus();
  }

  Fd fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::unique_ptr<redisReader, ReaderFree> reader_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace

Result<std::shared_ptr<const RedisTls>> LoadRedisTls(const CacheTls& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgumentError("--cache-cert-file and --cache-key-file go together");
  }
  auto tls = std::make_shared<RedisTls>();
  tls->ctx.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = tls->ctx.get();
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return OpenSslError(ErrorCode::kInternal, "TLS client setup");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // A write is retried with what is left, from wherever the caller's buffer is.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const bool loaded = options.ca_file.empty()
                          ? SSL_CTX_set_default_verify_paths(ctx) == 1
                          : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) == 1;
  if (!loaded) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        "--cache-ca-file " + options.ca_file + ": no CA certificate loaded");
  }
  if (!options.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
       SSL_CTX_check_private_key(ctx) != 1)) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        "--cache-cert-file " + options.cert_file + " / --cache-key-file " +
                            options.key_file + ": not a certificate and its key");
  }
  return std::shared_ptr<const RedisTls>(std::move(tls));
}

Result<std::unique_ptr<RedisLink>> ConnectRedis(const CacheUrl& url,
                                                const std::shared_ptr<const RedisTls>& tls,
                                                std::chrono::milliseconds connect_timeout,
                                                std::chrono::milliseconds command_timeout) {
  const Clock::time_point deadline = Clock::now() + connect_timeout;
  VOUCH_ASSIGN_OR_RETURN(Fd fd, Dial(url, deadline));
  std::unique_ptr<SSL, SslFree> ssl;
  if (url.tls) {
    if (tls == nullptr) {
      return InternalError("rediss:// without a TLS configuration");
    }
    VOUCH_ASSIGN_OR_RETURN(ssl, Handshake(*tls, fd.get(), url.host, deadline));
  }
  return std::unique_ptr<RedisLink>(
      std::make_unique<Link>(std::move(fd), std::move(ssl), command_timeout));
}

}  // namespace vouch::serve::internal
