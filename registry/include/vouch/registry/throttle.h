// Back-pressure towards registries: a token bucket and a circuit breaker per registry host.
//
// A registry that rate-limits (429) or fails (5xx, refused connections, timeouts) is asked less,
// not more: the token bucket spaces the requests of one client out, and after a run of failures
// the circuit breaker stops sending to that host for a cool-down, answering at once with "could
// not check" (kUnavailable) instead of adding load and holding callers. The Client consults the
// Throttle before every attempt and reports every outcome to it (ClientOptions::throttle), so the
// state is shared by every repository, token request and redirect of one process.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/status.h"

namespace vouch::registry {

// ThrottleOptions configure a Throttle. Everything is per host ("host[:port]" as in URLs).
struct ThrottleOptions {
  using Clock = std::chrono::steady_clock;
  // requests_per_second refills each host's token bucket; 0 means no rate limit.
  double requests_per_second = 0;
  // burst is the bucket's size (requests sent at once before the rate applies); 0 means
  // max(1, requests_per_second).
  int burst = 0;
  // breaker_failures consecutive failures (429, 5xx other than 501/505, connection errors,
  // truncated bodies, transport timeouts; never 404, 401 or other answers) open the circuit
  // when they all fall within breaker_window; 0 disables the breaker.
  int breaker_failures = 0;
  std::chrono::milliseconds breaker_window{std::chrono::seconds(60)};
  // breaker_cooldown is how long an open circuit refuses requests before it lets one trial
  // through (half-open). The longest Retry-After of the failures that opened it (a failed
  // trial included) lengthens the cool-down, up to max_cooldown.
  std::chrono::milliseconds breaker_cooldown{std::chrono::seconds(30)};
  std::chrono::milliseconds max_cooldown{std::chrono::minutes(10)};
  // now is the clock (a seam for tests); default steady_clock::now.
  std::function<Clock::time_point()> now;
};

// Outcome classifies one finished exchange for the breaker.
enum class Outcome {
  kSuccess,  // the registry answered (any status but 429 and 5xx): closes a half-open circuit
  kFailure,  // the registry is unavailable or throttling
  kNeutral,  // says nothing about the registry (cancelled by the caller, refused by our filter)
};

// CircuitState is one host's breaker state.
enum class CircuitState { kClosed, kOpen, kHalfOpen };

// HostThrottleState is a snapshot of one host, for metrics.
struct HostThrottleState {
  std::string host;
  CircuitState circuit = CircuitState::kClosed;
  // throttled counts this host's exchanges that were throttled: answered 429 by the registry
  // ("429"), refused unsent because the circuit was open ("circuit_open"), or refused because
  // the rate limit left no time before the caller's deadline ("rate_limit").
  std::map<std::string, uint64_t> throttled;
  uint64_t opened = 0;  // how many times the circuit opened
};

class Throttle {
 public:
  using Clock = ThrottleOptions::Clock;
  explicit Throttle(ThrottleOptions options);

  // Admit asks to send one request to |host| with an answer wanted by |deadline|. It returns
  // how long to wait first (the token bucket; zero when a token is free), or kUnavailable
  // without sending when the circuit is open (message: "registry throttled: HOST: circuit
  // open ...") or when the wait would end after |deadline|. In a half-open circuit only one
  // request at a time is admitted (the trial); it must be followed by Record.
  Result<std::chrono::milliseconds> Admit(const std::string& host, Clock::time_point deadline);

  // Record reports the outcome of an admitted request: |http_status| is the response's status
  // (0 when none arrived), |retry_after| the registry's Retry-After, when it sent one.
  void Record(const std::string& host, Outcome outcome, int http_status = 0,
              std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

  // Refusal returns the status Admit would fail with because |host|'s circuit is open (OK when
  // it is not), without taking a token or the trial: the client checks it before sleeping for a
  // retry that would be refused anyway.
  Status Refusal(const std::string& host);

  // Snapshot returns every host seen, sorted by host.
  std::vector<HostThrottleState> Snapshot() const;

  const ThrottleOptions& options() const { return options_; }

 private:
  struct Host {
    // Token bucket: |tokens| at |refilled| (may go below zero: requests waiting their turn).
    double tokens = 0;
    Clock::time_point refilled{};
    bool bucket_started = false;
    // Breaker.
    CircuitState circuit = CircuitState::kClosed;
    int failures = 0;                  // consecutive, within the window
    Clock::time_point first_failure{};  // of the current run
    std::chrono::milliseconds longest_retry_after{0};
    Clock::time_point reopen{};  // when an open circuit goes half-open
    bool trial_in_flight = false;
    std::map<std::string, uint64_t> throttled;
    uint64_t opened = 0;
  };
  Status OpenError(const std::string& host, const Host& h, Clock::time_point now) const;
  // Open (re)opens |h| at |now| for the cool-down.
  void Open(Host& h, Clock::time_point now);

  ThrottleOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Host> hosts_;
};

// ThrottledError returns the status of a request a throttled registry did not serve (|what|
// names it): kUnavailable with the message prefix "registry throttled: ". It means "could not
// check", never a rejection.
Status ThrottledError(const std::string& what);

// IsThrottled reports whether |s| (possibly with context added in front) says a registry was
// throttled: answered 429, or refused unsent by an open circuit or the rate limit.
bool IsThrottled(const Status& s);

}  // namespace vouch::registry
