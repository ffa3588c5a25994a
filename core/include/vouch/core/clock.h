// Clock: the seam for "now". Certificate windows and attestation ages are checked against a
// Clock so tests can fix time (tests/fakes/fake_clock.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vouch/core/status.h"

namespace vouch {

using TimePoint = std::chrono::system_clock::time_point;

// Clock returns the current time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// SystemClock returns the process-wide real clock.
const Clock& SystemClock();

// kClaimedTimeSkew is how far in the future a time claimed by evidence may lie: a provenance
// build's startedOn / finishedOn, a vulnerability report's scanFinishedOn, a VSA's timeVerified.
// The clocks of a builder, a scanner, a promotion gate and the verifier differ by a little;
// a time later than now plus this is refused (docs/policy.md), so that a report dated in the
// future can neither pass an age limit forever nor hide a newer one.
inline constexpr std::chrono::seconds kClaimedTimeSkew{300};

// IsFutureDated reports whether the claimed time |t| lies beyond kClaimedTimeSkew after |now|.
inline bool IsFutureDated(TimePoint t, TimePoint now) { return t > now + kClaimedTimeSkew; }

// FormatRfc3339 formats |t| as "2026-01-02T03:04:05Z" (UTC, whole seconds).
std::string FormatRfc3339(TimePoint t);
// FormatRfc3339Millis formats |t| as "2026-01-02T03:04:05.678Z" (UTC, milliseconds, floored),
// for logs whose lines must order within a second.
std::string FormatRfc3339Millis(TimePoint t);
// ParseRfc3339 parses RFC 3339 timestamps with optional fractional seconds and a "Z" or numeric
// offset. Anything else is kInvalidArgument.
Result<TimePoint> ParseRfc3339(const std::string& text);

}  // namespace vouch
