// FUZZ_CHECK: the assertion every fuzz target uses for its invariants. It stays on in every
// build type (NDEBUG does not remove it), names the broken condition on stderr and then traps,
// so libFuzzer records a crash and the corpus replay test fails.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                             \
      std::fflush(stderr);                                                             \
      __builtin_trap();                                                                \
    }                                                                                  \
  } while (false)

// FuzzLines splits a target's input at '\n' into the values of a repeated header (one value per
// line; an input without a newline is one value, an empty input one empty value).
inline std::vector<std::string> FuzzLines(std::string_view input) {
  std::vector<std::string> lines;
  for (size_t start = 0;;) {
    size_t nl = input.find('\n', start);
    lines.emplace_back(input.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) {
      return lines;
    }
    start = nl + 1;
  }
}
