// Fuzz target for vouch::ParseRfc3339 (timestamps in bundles, certificates and policy files).
// Invariant: a parsed time formats (FormatRfc3339, whole seconds, UTC) to text that parses again
// to the same time rounded down to the second, and formatting that gives the same text.
// Built with -fsanitize=undefined, so arithmetic overflow inside the parser is a crash too.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vouch/core/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Valid timestamps are at most ~40 bytes; the rest only exercises the first length check.
  if (size > 256) {
    return 0;
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  vouch::Result<vouch::TimePoint> t = vouch::ParseRfc3339(text);
  if (!t.ok()) {
    return 0;
  }
  const std::string formatted = vouch::FormatRfc3339(*t);
  vouch::Result<vouch::TimePoint> again = vouch::ParseRfc3339(formatted);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == std::chrono::floor<std::chrono::seconds>(*t));
  FUZZ_CHECK(vouch::FormatRfc3339(*again) == formatted);
  return 0;
}
