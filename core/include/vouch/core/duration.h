// Durations as people write them in flags and policy files: one grammar for every command
// (`--max-age`, `vouch serve --deadline/--cache-ttl/--tag-ttl`) and for the policy's `maxAge`.
//
// The grammar is Go's time.ParseDuration (https://pkg.go.dev/time#ParseDuration), the one cosign,
// Kubernetes and most of this ecosystem's tools read, plus two longer units:
//
//   duration := "0" | component { component }
//   component := number unit
//   number   := digits [ "." [ digits ] ] | "." digits
//   unit     := "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h" | "d" | "w"
//
// "d" is 24h and "w" is 7d (no calendar: no months, no years, no daylight saving). Components add
// up in any order, as in Go: "1h30m", "90m", "1.5h" and "30m1h" are all 90 minutes. A fraction
// is exact to the nanosecond; what is finer than a nanosecond is dropped.
//
// Rejected, all as kInvalidArgument: the empty string; a sign ("-1h", "+1h": Go accepts them,
// but no vouch duration may be negative, and "+" says nothing); a number without a unit other
// than the lone "0" ("30" is not "30s": a bare number meant seconds in some older vouch flags,
// and the grammar no longer guesses); spaces and every other character; upper-case units
// ("1H"); and anything longer than kMaxDuration (about 100 years), which also keeps every sum
// far from overflowing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "vouch/core/status.h"

namespace vouch {

// kMaxDuration is the longest duration ParseDuration accepts: 36600 days, a little over 100
// years. Longer is never meant, and the cap keeps arithmetic on TimePoints far from overflow.
inline constexpr std::chrono::nanoseconds kMaxDuration = std::chrono::hours(24 * 36600);

// ParseDuration parses |text| in the grammar above and returns its length, from 0 up to
// kMaxDuration. Anything else is kInvalidArgument with a message that starts with
// "bad duration \"<text>\"" and says what is wrong.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// ParsePositiveSeconds parses |text| as ParseDuration does and also requires it to be positive
// and a whole number of seconds ("90s", "1.5m", "30d"; not "0s", not "1500ms"), as the policy's
// maxAge, `--max-age` and the webhook's cache lifetimes need. kInvalidArgument otherwise.
Result<std::chrono::seconds> ParsePositiveSeconds(std::string_view text);

// ParsePositiveMilliseconds is ParsePositiveSeconds at millisecond resolution ("500ms", "8s";
// not "0", not "1us"), for deadlines.
Result<std::chrono::milliseconds> ParsePositiveMilliseconds(std::string_view text);

// FormatDuration writes |d| in the grammar above, in its canonical form: units from days down to
// nanoseconds, largest first, components that are zero left out ("30d", "1h30m", "1d12h",
// "1s500ms"), and "0s" for zero. Weeks are never written ("14d", not "2w"). ParseDuration reads
// the result back to exactly |d|. A negative |d| is written with a leading '-', which
// ParseDuration rejects; callers print only non-negative durations.
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace vouch
