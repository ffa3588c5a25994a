// Fuzz target for vouch::ParseDuration (maxAge in policy files, duration flags).
// Invariants: a parsed duration lies in [0, kMaxDuration]; FormatDuration writes text that
// parses again to exactly the same duration and formats to the same text; ParsePositiveSeconds
// accepts the input exactly when the duration is positive and a whole number of seconds.
// Built with -fsanitize=undefined, so arithmetic overflow inside the parser is a crash too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vouch/core/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  vouch::Result<std::chrono::nanoseconds> d = vouch::ParseDuration(text);
  vouch::Result<std::chrono::seconds> positive = vouch::ParsePositiveSeconds(text);
  if (!d.ok()) {
    FUZZ_CHECK(!positive.ok());
    return 0;
  }
  FUZZ_CHECK(d->count() >= 0 && *d <= vouch::kMaxDuration);
  const std::string formatted = vouch::FormatDuration(*d);
  vouch::Result<std::chrono::nanoseconds> again = vouch::ParseDuration(formatted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *d);
  FUZZ_CHECK(vouch::FormatDuration(*again) == formatted);
  const bool whole_positive = d->count() > 0 && *d % std::chrono::seconds(1) == d->zero();
  FUZZ_CHECK(positive.ok() == whole_positive);
  if (positive.ok()) {
    FUZZ_CHECK(*positive == *d);
  }
  return 0;
}
