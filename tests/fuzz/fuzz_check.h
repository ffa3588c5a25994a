// FUZZ_CHECK: the assertion every fuzz target uses for its invariants. It stays on in every
// build type (NDEBUG does not remove it), names the broken condition on stderr and then traps,
// so libFuzzer records a crash and the corpus replay test fails.
#pragma once

#include <cstdio>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                             \
      std::fflush(stderr);                                                             \
      __builtin_trap();                                                                \
    }                                                                                  \
  } while (false)
