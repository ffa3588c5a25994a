// Throttle on a fake clock: the token bucket's pacing and deadline refusal, and the circuit
// breaker's open / half-open / closed cycle, its window, Retry-After and what does not count.
// The client tests at the end run it behind the fake registry (sleeps recorded, never slept).
#include <boost/test/unit_test.hpp>

#include "registry/fake_registry.h"
#include "registry/test_images.h"
#include "vouch/registry/client.h"
#include "vouch/registry/throttle.h"

namespace vouch::registry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = Throttle::Clock;

struct FakeClock {
  Clock::time_point t = Clock::time_point(seconds(1000));
  std::function<Clock::time_point()> Fn() {
    return [this] { return t; };
  }
};

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

ThrottleOptions Breaker(FakeClock& clock, int failures = 3) {
  ThrottleOptions o;
  o.breaker_failures = failures;
  o.breaker_window = seconds(10);
  o.breaker_cooldown = seconds(5);
  o.now = clock.Fn();
  return o;
}

BOOST_AUTO_TEST_SUITE(ThrottleTests)

BOOST_AUTO_TEST_CASE(BucketAllowsBurstThenPacesAtTheRate) {
  FakeClock clock;
  ThrottleOptions o;
  o.requests_per_second = 10;
  o.burst = 2;
  o.now = clock.Fn();
  Throttle t(o);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 0);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 0);
  // Empty: the third waits one token's time, the fourth queues behind it.
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 100);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 200);
  // Another host has its own bucket.
  BOOST_TEST(t.Admit("other.test:5000", kNoDeadline)->count() == 0);
  // Time refills the bucket (never above the burst).
  clock.t += seconds(10);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 0);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 0);
  BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 100);
}

BOOST_AUTO_TEST_CASE(BucketRefusesAWaitPastTheDeadline) {
  FakeClock clock;
  ThrottleOptions o;
  o.requests_per_second = 1;
  o.now = clock.Fn();
  Throttle t(o);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  auto r = t.Admit("r.test", clock.t + milliseconds(500));
  BOOST_TEST(!r.ok());
  BOOST_TEST(IsThrottled(r.status()), r.status().ToString());
  BOOST_TEST(r.status().message().find("rate limit") != std::string::npos);
  // The refused request took no token: with time for it, the next one waits one second.
  BOOST_TEST(t.Admit("r.test", clock.t + seconds(2))->count() == 1000);
  BOOST_TEST(t.Snapshot().at(0).throttled.at("rate_limit") == 1u);
}

BOOST_AUTO_TEST_CASE(NoLimitsMeansNoWait) {
  FakeClock clock;
  ThrottleOptions o;
  o.now = clock.Fn();
  Throttle t(o);
  for (int i = 0; i < 100; ++i) {
    BOOST_TEST(t.Admit("r.test", kNoDeadline)->count() == 0);
    t.Record("r.test", Outcome::kFailure, 503);
  }
  BOOST_TEST(t.Refusal("r.test").ok());
}

BOOST_AUTO_TEST_CASE(BreakerOpensFailsFastHalfOpensAndCloses) {
  FakeClock clock;
  Throttle t(Breaker(clock));
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
    t.Record("r.test", Outcome::kFailure, 503);
  }
  auto refused = t.Admit("r.test", kNoDeadline);
  BOOST_TEST(!refused.ok());
  BOOST_TEST(IsThrottled(refused.status()));
  BOOST_TEST((refused.status().code() == ErrorCode::kUnavailable));
  BOOST_TEST(refused.status().message().find("r.test: circuit open") != std::string::npos,
             refused.status().message());
  BOOST_TEST(!t.Refusal("r.test").ok());
  BOOST_TEST(t.Admit("other.test", kNoDeadline).ok());  // per host
  BOOST_TEST((t.Snapshot().at(1).circuit == CircuitState::kOpen));

  // After the cool-down: one trial, the others still refused while it runs.
  clock.t += seconds(5);
  BOOST_TEST(t.Refusal("r.test").ok());
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  BOOST_TEST(!t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kSuccess, 200);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  HostThrottleState s = t.Snapshot().at(1);
  BOOST_TEST(s.host == "r.test");
  BOOST_TEST((s.circuit == CircuitState::kClosed));
  BOOST_TEST(s.opened == 1u);
  BOOST_TEST(s.throttled.at("circuit_open") == 3u);
}

BOOST_AUTO_TEST_CASE(FailedTrialReopens) {
  FakeClock clock;
  Throttle t(Breaker(clock, 1));
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kFailure, 0);
  clock.t += seconds(5);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kFailure, 502);
  BOOST_TEST(!t.Admit("r.test", kNoDeadline).ok());
  clock.t += seconds(4);
  BOOST_TEST(!t.Admit("r.test", kNoDeadline).ok());  // a full cool-down again
  clock.t += seconds(1);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  BOOST_TEST(t.Snapshot().at(0).opened == 2u);
}

BOOST_AUTO_TEST_CASE(NeutralTrialLetsAnotherTrialThrough) {
  FakeClock clock;
  Throttle t(Breaker(clock, 1));
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kFailure, 503);
  clock.t += seconds(5);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kNeutral);  // e.g. cancelled by its caller
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  BOOST_TEST(!t.Admit("r.test", kNoDeadline).ok());
}

BOOST_AUTO_TEST_CASE(SuccessAndTheWindowResetTheCount) {
  FakeClock clock;
  Throttle t(Breaker(clock));
  auto fail = [&] {
    BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
    t.Record("r.test", Outcome::kFailure, 429);
  };
  fail();
  fail();
  t.Record("r.test", Outcome::kSuccess, 404);  // a 404 is an answer
  fail();
  fail();
  BOOST_TEST(t.Refusal("r.test").ok());
  clock.t += seconds(11);  // the run falls out of the window
  fail();
  fail();
  BOOST_TEST(t.Refusal("r.test").ok());
  fail();
  BOOST_TEST(!t.Refusal("r.test").ok());
  BOOST_TEST(t.Snapshot().at(0).throttled.at("429") == 7u);
}

BOOST_AUTO_TEST_CASE(LongestRetryAfterLengthensTheCooldownUpToTheCap) {
  FakeClock clock;
  ThrottleOptions o = Breaker(clock, 2);
  o.max_cooldown = seconds(60);
  Throttle t(o);
  t.Record("r.test", Outcome::kFailure, 429, seconds(20));
  t.Record("r.test", Outcome::kFailure, 429, seconds(7));
  clock.t += seconds(19);
  BOOST_TEST(!t.Admit("r.test", kNoDeadline).ok());
  clock.t += seconds(1);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());
  t.Record("r.test", Outcome::kSuccess, 200);

  t.Record("r.test", Outcome::kFailure, 429, std::chrono::hours(24));
  t.Record("r.test", Outcome::kFailure, 429);
  clock.t += seconds(60);
  BOOST_TEST(t.Admit("r.test", kNoDeadline).ok());  // capped at max_cooldown
}

BOOST_AUTO_TEST_CASE(ThrottledErrorIsRecognisedUnderContext) {
  Status s = ThrottledError("r.test: circuit open");
  BOOST_TEST(IsThrottled(s));
  BOOST_TEST(IsThrottled(s.WithContext("signatures")));
  BOOST_TEST(!IsThrottled(UnavailableError("GET /v2/: HTTP 503")));
  BOOST_TEST(!IsThrottled(NotFoundError("registry throttled: no")));
}

// --- through the client -------------------------------------------------------------------

struct ClientFixture {
  std::shared_ptr<FakeRegistry> reg = std::make_shared<FakeRegistry>();
  std::vector<milliseconds> sleeps;
  FakeClock clock;
  int sent = 0;
  ClientFixture() { PushImage(*reg, "app", "v1", "amd64"); }
  // FailAll makes every registry request answer |code| (Retry-After |retry_after| when set)
  // and counts the requests that reach the registry.
  void FailAll(int code, std::string retry_after = "") {
    reg->fault = [this, code,
                  retry_after](const HttpRequest&) -> std::optional<Result<HttpResponse>> {
      ++sent;
      if (code == 0) {
        return std::nullopt;
      }
      HttpResponse r;
      r.status = code;
      if (!retry_after.empty()) {
        r.headers.Add("Retry-After", retry_after);
      }
      return Result<HttpResponse>(r);
    };
  }
  ClientOptions Options(ThrottleOptions t) {
    ClientOptions o = FastOptions(reg, &sleeps);
    t.now = clock.Fn();
    o.throttle = std::make_shared<Throttle>(t);
    return o;
  }
};

BOOST_FIXTURE_TEST_CASE(ClientStopsRetryingOnceTheCircuitOpens, ClientFixture) {
  ThrottleOptions t;
  t.breaker_failures = 2;
  t.breaker_cooldown = seconds(1);
  ClientOptions o = Options(t);
  Client c(o);
  auto repo = c.Open(*ParseReference("reg.test/app:v1"));
  FailAll(503);
  auto r = (*repo)->Resolve("v1");
  BOOST_TEST(!r.ok());
  BOOST_TEST(IsThrottled(r.status()), r.status().ToString());
  BOOST_TEST(sent == 2);  // the retry policy allows 5 attempts; the breaker stopped at 2
  BOOST_TEST(sleeps.size() == 1u);
  // Later requests fail at once without reaching the registry.
  r = (*repo)->Resolve("v1");
  BOOST_TEST(r.status().message().find("reg.test: circuit open") != std::string::npos,
             r.status().ToString());
  BOOST_TEST(sent == 2);
  // Healed, and after the cool-down: the trial succeeds and the circuit closes.
  FailAll(0);
  clock.t += seconds(1);
  BOOST_TEST((*repo)->Resolve("v1").ok());
  BOOST_TEST((o.throttle->Snapshot().at(0).circuit == CircuitState::kClosed));
}

BOOST_FIXTURE_TEST_CASE(ClientHonoursRetryAfterInTheCooldown, ClientFixture) {
  ThrottleOptions t;
  t.breaker_failures = 1;
  t.breaker_cooldown = seconds(1);
  ClientOptions o = Options(t);
  Client c(o);
  auto repo = c.Open(*ParseReference("reg.test/app:v1"));
  FailAll(429, "30");
  auto r = (*repo)->Resolve("v1");
  BOOST_TEST(IsThrottled(r.status()), r.status().ToString());
  BOOST_TEST(sent == 1);
  FailAll(0);
  clock.t += seconds(29);
  BOOST_TEST(!(*repo)->Resolve("v1").ok());
  clock.t += seconds(1);
  BOOST_TEST((*repo)->Resolve("v1").ok());
  BOOST_TEST(o.throttle->Snapshot().at(0).throttled.at("429") == 1u);
}

BOOST_FIXTURE_TEST_CASE(ClientWaitsForTokensThroughTheSleepSeam, ClientFixture) {
  ThrottleOptions t;
  t.requests_per_second = 2;
  t.burst = 1;
  Client c(Options(t));
  auto repo = c.Open(*ParseReference("reg.test/app:v1"));
  BOOST_TEST((*repo)->Resolve("v1").ok());
  BOOST_TEST(sleeps.empty());
  BOOST_TEST((*repo)->Resolve("v1").ok());
  BOOST_TEST(sleeps.size() == 1u);
  BOOST_TEST(sleeps.at(0).count() == 500);
}

BOOST_FIXTURE_TEST_CASE(ClientNeverSleepsForATokenPastTheDeadline, ClientFixture) {
  ThrottleOptions t;
  t.requests_per_second = 0.1;
  t.burst = 1;
  ClientOptions o = FastOptions(reg, &sleeps);
  o.throttle = std::make_shared<Throttle>(t);  // the real clock, as the Cancellation's
  Client c(o);
  auto repo = c.Open(*ParseReference("reg.test/app:v1"));
  BOOST_TEST((*repo)->Resolve("v1").ok());
  Cancellation cancel(Clock::now() + seconds(5));
  ScopedCancellation scope(cancel);
  auto r = (*repo)->Resolve("v1");
  BOOST_TEST(IsThrottled(r.status()), r.status().ToString());
  BOOST_TEST(sleeps.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::registry::testing
