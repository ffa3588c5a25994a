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

// FormatRfc3339 formats |t| as "2026-01-02T03:04:05Z" (UTC, whole seconds).
std::string FormatRfc3339(TimePoint t);
// FormatRfc3339Millis formats |t| as "2026-01-02T03:04:05.678Z" (UTC, milliseconds, floored),
// for logs whose lines must order within a second.
std::string FormatRfc3339Millis(TimePoint t);
// ParseRfc3339 parses RFC 3339 timestamps with optional fractional seconds and a "Z" or numeric
// offset. Anything else is kInvalidArgument.
Result<TimePoint> ParseRfc3339(const std::string& text);

}  // namespace vouch
