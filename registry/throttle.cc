// Throttle: token bucket and circuit breaker per registry host.
#include "vouch/registry/throttle.h"

#include <algorithm>
#include <cmath>

#include "vouch/core/duration.h"

namespace vouch::registry {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::string_view kThrottledPrefix = "registry throttled: ";

// Rounded up, so that a caller sleeping for it finds the token there.
milliseconds CeilMs(std::chrono::duration<double> d) {
  return milliseconds(static_cast<int64_t>(std::ceil(d.count() * 1000.0)));
}

}  // namespace

Status ThrottledError(const std::string& what) {
  return UnavailableError(std::string(kThrottledPrefix) + what);
}

bool IsThrottled(const Status& s) {
  // Context may have been added in front (verify names the requirement), hence find.
  return s.code() == ErrorCode::kUnavailable &&
         s.message().find(kThrottledPrefix) != std::string::npos;
}

Throttle::Throttle(ThrottleOptions options) : options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] { return Clock::now(); };
  }
  if (options_.burst <= 0) {
    options_.burst = std::max(1, static_cast<int>(std::ceil(options_.requests_per_second)));
  }
}

Status Throttle::OpenError(const std::string& host, const Host& h, Clock::time_point now) const {
  std::string when =
      h.circuit == CircuitState::kHalfOpen
          ? "a trial request is in flight"
          : "retrying in " + FormatDuration(std::max(milliseconds(0),
                                                     duration_cast<milliseconds>(h.reopen - now)));
  return ThrottledError(host + ": circuit open after " +
                        std::to_string(options_.breaker_failures) +
                        " consecutive failures (429, 5xx or no answer); " + when +
                        "; the request was not sent");
}

void Throttle::Open(Host& h, Clock::time_point now) {
  milliseconds cool = std::max(options_.breaker_cooldown, h.longest_retry_after);
  cool = std::min(cool, options_.max_cooldown);
  h.circuit = CircuitState::kOpen;
  h.reopen = now + cool;
  h.longest_retry_after = milliseconds(0);  // a later run is timed by its own Retry-After
  h.trial_in_flight = false;
  ++h.opened;
}

Result<milliseconds> Throttle::Admit(const std::string& host, Clock::time_point deadline) {
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  Host& h = hosts_[host];
  bool trial = false;
  if (options_.breaker_failures > 0 && h.circuit != CircuitState::kClosed) {
    if (h.circuit == CircuitState::kOpen && now >= h.reopen) {
      h.circuit = CircuitState::kHalfOpen;
      h.trial_in_flight = false;
    }
    if (h.circuit == CircuitState::kOpen || h.trial_in_flight) {
      ++h.throttled["circuit_open"];
      return OpenError(host, h, now);
    }
    trial = true;  // half-open, no trial yet: this request is it
  }
  milliseconds wait{0};
  if (options_.requests_per_second > 0) {
    const double burst = options_.burst;
    if (!h.bucket_started) {
      h.tokens = burst;
      h.refilled = now;
      h.bucket_started = true;
    }
    std::chrono::duration<double> elapsed = now - h.refilled;
    h.tokens = std::min(burst, h.tokens + elapsed.count() * options_.requests_per_second);
    h.refilled = now;
    if (h.tokens < 1) {
      // Reserve the next token: requests queue in order, each waiting for its own.
      wait = CeilMs(std::chrono::duration<double>((1 - h.tokens) / options_.requests_per_second));
      if (now + wait >= deadline) {
        ++h.throttled["rate_limit"];
        return ThrottledError(host + ": the rate limit of " +
                              std::to_string(options_.requests_per_second) +
                              " requests/s leaves no time before the deadline; the request was "
                              "not sent");
      }
    }
    h.tokens -= 1;
  }
  if (trial) {
    h.trial_in_flight = true;
  }
  return wait;
}

void Throttle::Record(const std::string& host, Outcome outcome, int http_status,
                      std::optional<milliseconds> retry_after) {
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  Host& h = hosts_[host];
  if (http_status == 429) {
    ++h.throttled["429"];
  }
  if (options_.breaker_failures <= 0 || outcome == Outcome::kNeutral) {
    if (h.circuit == CircuitState::kHalfOpen) {
      h.trial_in_flight = false;  // the trial told nothing: let another one through
    }
    return;
  }
  if (outcome == Outcome::kSuccess) {
    h.circuit = CircuitState::kClosed;
    h.failures = 0;
    h.longest_retry_after = milliseconds(0);
    h.trial_in_flight = false;
    return;
  }
  if (retry_after) {
    h.longest_retry_after = std::max(h.longest_retry_after, *retry_after);
  }
  if (h.circuit == CircuitState::kHalfOpen) {
    Open(h, now);  // the trial failed
    return;
  }
  if (h.circuit == CircuitState::kOpen) {
    return;  // a request admitted before the circuit opened, failing late
  }
  if (h.failures == 0 || now - h.first_failure > options_.breaker_window) {
    h.failures = 0;
    h.first_failure = now;
  }
  if (++h.failures >= options_.breaker_failures) {
    Open(h, now);
  }
}

Status Throttle::Refusal(const std::string& host) {
  if (options_.breaker_failures <= 0) {
    return OkStatus();
  }
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second.circuit != CircuitState::kOpen || now >= it->second.reopen) {
    return OkStatus();
  }
  ++it->second.throttled["circuit_open"];
  return OpenError(host, it->second, now);
}

std::vector<HostThrottleState> Throttle::Snapshot() const {
  const Clock::time_point now = options_.now();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HostThrottleState> out;
  for (const auto& [host, h] : hosts_) {
    HostThrottleState s;
    s.host = host;
    s.circuit = h.circuit;
    if (s.circuit == CircuitState::kOpen && now >= h.reopen) {
      s.circuit = CircuitState::kHalfOpen;  // the next request will be the trial
    }
    s.throttled = h.throttled;
    s.opened = h.opened;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vouch::registry
