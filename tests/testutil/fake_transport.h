// FakeTransport: a registry::Transport whose answers a unit test writes, for the clients of
// Sigstore services (Rekor, TSA, Fulcio) and anything else that speaks HTTP through a Transport.
#pragma once

#include <functional>
#include <utility>

#include "vouch/core/bytes.h"
#include "vouch/registry/transport.h"

namespace vouch::testing {

// FakeTransport answers every exchange with |handler| and keeps the last request.
class FakeTransport final : public registry::Transport {
 public:
  using Handler = std::function<Result<registry::HttpResponse>(const registry::HttpRequest&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& request) override {
    last = request;
    return handler_(request);
  }
  registry::HttpRequest last;

 private:
  Handler handler_;
};

// HttpReply is a response with |status| and |body|.
inline registry::HttpResponse HttpReply(int status, Bytes body) {
  registry::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace vouch::testing
