// FixedClock: the Clock seam (vouch/core/clock.h) stopped at one instant, for expiry and
// validity-window tests. Header-only: suites that include it link vouch::core themselves.
#pragma once

#include "vouch/core/clock.h"

namespace vouch::testing {

// FixedClock is a Clock whose Now() is |t| until the test advances it.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint Now() const override { return t_; }
  // Advance moves the instant forward, for code that measures elapsed time.
  void Advance(std::chrono::milliseconds d) { t_ += d; }

 private:
  TimePoint t_;
};

}  // namespace vouch::testing
