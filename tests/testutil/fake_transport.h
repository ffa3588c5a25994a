// FakeTransport: a registry::Transport whose every exchange is answered by a test's handler, for
// the clients of Sigstore services (Fulcio, Rekor, TSA, a token endpoint) and anything else that
// speaks HTTP through a Transport, tested without a socket. Header-only, for suites that link
// vouch::registry.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/registry/transport.h"

namespace vouch::testing {

class FakeTransport final : public registry::Transport {
 public:
  using Handler = std::function<Result<registry::HttpResponse>(const registry::HttpRequest&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& request) override {
    requests.push_back(request);
    last = request;
    return handler_(request);
  }
  // requests holds every request received, in order; last is the latest.
  std::vector<registry::HttpRequest> requests;
  registry::HttpRequest last;

 private:
  Handler handler_;
};

// HttpReply builds a response with |status| and |body|.
inline registry::HttpResponse HttpReply(int status, const std::string& body) {
  registry::HttpResponse r;
  r.status = status;
  r.body.assign(body.begin(), body.end());
  return r;
}
inline registry::HttpResponse HttpReply(int status, Bytes body) {
  registry::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace vouch::testing
