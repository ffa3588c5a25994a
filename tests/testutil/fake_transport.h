// FakeTransport: a registry::Transport whose every exchange is answered by a test's handler, for
// the clients of one service (Fulcio, a token endpoint) tested without a socket. Header-only, for
// suites that link vouch::registry.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vouch/registry/transport.h"

namespace vouch::testing {

class FakeTransport final : public registry::Transport {
 public:
  using Handler = std::function<Result<registry::HttpResponse>(const registry::HttpRequest&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<registry::HttpResponse> RoundTrip(const registry::HttpRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }
  // requests holds every request received, in order.
  std::vector<registry::HttpRequest> requests;

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

}  // namespace vouch::testing
