// Small text helpers shared across modules.
#pragma once

#include <string_view>

namespace vouch {

// TrimAsciiSpace returns |s| without its leading and trailing ASCII whitespace (" \t\n\v\f\r").
inline std::string_view TrimAsciiSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace vouch
