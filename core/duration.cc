// Go's time.ParseDuration grammar plus "d" and "w" (vouch/core/duration.h), in integer
// arithmetic: Go converts fractions through float64; here they are exact to the nanosecond.
#include "vouch/core/duration.h"

#include <array>
#include <cstdint>
#include <string>

namespace vouch {
namespace {

using std::chrono::nanoseconds;

constexpr int64_t Pow10(int n) {
  int64_t p = 1;
  for (int i = 0; i < n; ++i) {
    p *= 10;
  }
  return p;
}

// Unit is one unit of the grammar. Its length is coefficient * 10^exponent nanoseconds, kept
// apart so that a fraction of it is computed in 64 bits without overflow (see FractionOf).
struct Unit {
  std::string_view name;
  int64_t coefficient;
  int exponent;
  constexpr int64_t Nanos() const { return coefficient * Pow10(exponent); }
};

constexpr std::array<Unit, 10> kUnits = {{
    {"ns", 1, 0},
    {"us", 1, 3},
    {"\xC2\xB5s", 1, 3},  // U+00B5 MICRO SIGN, as Go accepts
    {"\xCE\xBCs", 1, 3},  // U+03BC GREEK SMALL LETTER MU, as Go accepts
    {"ms", 1, 6},
    {"s", 1, 9},
    {"m", 6, 10},
    {"h", 36, 11},
    {"d", 864, 11},
    {"w", 6048, 11},
}};

// FormatDuration's units, largest first: weeks are left out on purpose ("14d" reads better
// than "2w", and "30d" better than "4w2d").
constexpr std::array<std::string_view, 7> kFormatUnits = {"d", "h", "m", "s", "ms", "us", "ns"};

// Fraction digits beyond this many are dropped: the 16th is worth less than a nanosecond even
// of a week, and 15 digits times the largest coefficient still fit in an int64.
constexpr int kMaxFractionDigits = 15;

constexpr std::string_view kUnitList = "ns, us, ms, s, m, h, d or w";

const Unit* FindUnit(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) {
      return &u;
    }
  }
  return nullptr;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Bad(std::string_view text, const std::string& why) {
  return InvalidArgumentError("bad duration \"" + std::string(text) + "\": " + why);
}

Status TooLong(std::string_view text) {
  return Bad(text, "longer than " + FormatDuration(kMaxDuration) + " (about 100 years)");
}

// FractionOf returns floor(0.<digits> * unit) in nanoseconds, where |fraction| holds the first
// |digits| fraction digits. With unit = c * 10^e: for digits <= e the result is an exact
// multiple of c, else fraction * c / 10^(digits - e), and fraction * c < 10^15 * 6048 < 2^63.
int64_t FractionOf(int64_t fraction, int digits, const Unit& unit) {
  if (digits <= unit.exponent) {
    return fraction * unit.coefficient * Pow10(unit.exponent - digits);
  }
  return fraction * unit.coefficient / Pow10(digits - unit.exponent);
}

template <typename D>
Result<D> ParsePositive(std::string_view text, std::string_view resolution) {
  VOUCH_ASSIGN_OR_RETURN(nanoseconds d, ParseDuration(text));
  if (d.count() == 0) {
    return Bad(text, "must be positive");
  }
  if (d % D(1) != nanoseconds(0)) {
    return Bad(text, "must be a whole number of " + std::string(resolution));
  }
  return std::chrono::duration_cast<D>(d);
}

}  // namespace

Result<nanoseconds> ParseDuration(std::string_view text) {
  if (text == "0") {
    return nanoseconds(0);  // Go's one unitless form
  }
  if (text.empty()) {
    return Bad(text, "empty (write a number and a unit: \"90s\", \"1h30m\", \"7d\")");
  }
  if (text[0] == '-' || text[0] == '+') {
    return Bad(text, "a duration has no sign");
  }
  const int64_t max = kMaxDuration.count();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t number_start = i;
    int64_t whole = 0;
    bool whole_too_long = false;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      int digit = text[i] - '0';
      if (whole > (max - digit) / 10) {
        whole_too_long = true;
      } else {
        whole = whole * 10 + digit;
      }
    }
    bool has_digits = i > number_start;
    int64_t fraction = 0;
    int fraction_digits = 0;
    if (i < text.size() && text[i] == '.') {
      for (++i; i < text.size() && IsDigit(text[i]); ++i) {
        has_digits = true;
        if (fraction_digits < kMaxFractionDigits) {
          fraction = fraction * 10 + (text[i] - '0');
          ++fraction_digits;
        }
      }
    }
    if (!has_digits) {
      return Bad(text, "expected a number at \"" + std::string(text.substr(number_start)) +
                           "\" (write a number and a unit: \"90s\", \"1h30m\", \"7d\")");
    }
    const size_t unit_start = i;
    while (i < text.size() && !IsDigit(text[i]) && text[i] != '.') {
      ++i;
    }
    std::string_view number = text.substr(number_start, unit_start - number_start);
    std::string_view name = text.substr(unit_start, i - unit_start);
    if (name.empty()) {
      return Bad(text, "the number " + std::string(number) + " has no unit (" +
                           std::string(kUnitList) + ")");
    }
    const Unit* unit = FindUnit(name);
    if (unit == nullptr) {
      return Bad(text,
                 "unknown unit \"" + std::string(name) + "\" (" + std::string(kUnitList) + ")");
    }
    if (whole_too_long || whole > max / unit->Nanos()) {
      return TooLong(text);
    }
    // Both terms are at most |max| plus less than one unit: the sum cannot overflow.
    total += whole * unit->Nanos() + FractionOf(fraction, fraction_digits, *unit);
    if (total > max) {
      return TooLong(text);
    }
  }
  return nanoseconds(total);
}

Result<std::chrono::seconds> ParsePositiveSeconds(std::string_view text) {
  return ParsePositive<std::chrono::seconds>(text, "seconds");
}

Result<std::chrono::milliseconds> ParsePositiveMilliseconds(std::string_view text) {
  return ParsePositive<std::chrono::milliseconds>(text, "milliseconds");
}

std::string FormatDuration(nanoseconds d) {
  if (d.count() == 0) {
    return "0s";
  }
  std::string out = d.count() < 0 ? "-" : "";
  // Unsigned, so that the most negative value has a magnitude too.
  uint64_t left =
      d.count() < 0 ? 0 - static_cast<uint64_t>(d.count()) : static_cast<uint64_t>(d.count());
  for (std::string_view name : kFormatUnits) {
    const auto size = static_cast<uint64_t>(FindUnit(name)->Nanos());
    if (left >= size) {
      out += std::to_string(left / size) + std::string(name);
      left %= size;
    }
  }
  return out;
}

}  // namespace vouch
