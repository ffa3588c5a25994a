#include "vouch/core/duration.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace vouch {
namespace {

using std::chrono::nanoseconds;

constexpr int64_t kNs = 1;
constexpr int64_t kUs = 1000 * kNs;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kS = 1000 * kMs;
constexpr int64_t kM = 60 * kS;
constexpr int64_t kH = 60 * kM;
constexpr int64_t kD = 24 * kH;

struct ValidCase {
  std::string text;
  int64_t nanos;
  std::string canonical;  // FormatDuration of the value
};
std::ostream& operator<<(std::ostream& os, const ValidCase& c) { return os << c.text; }

const ValidCase kValid[] = {
    {"0", 0, "0s"},
    {"0s", 0, "0s"},
    {"0.0h", 0, "0s"},
    {"1ns", 1, "1ns"},
    {"1us", kUs, "1us"},
    {"1\xC2\xB5s", kUs, "1us"},  // micro sign
    {"1\xCE\xBCs", kUs, "1us"},  // Greek mu
    {"300ms", 300 * kMs, "300ms"},
    {"90s", 90 * kS, "1m30s"},
    {"90m", 90 * kM, "1h30m"},
    {"1h30m", 90 * kM, "1h30m"},
    {"30m1h", 90 * kM, "1h30m"},  // any order, as in Go
    {"1h1h", 2 * kH, "2h"},       // repeated units add up, as in Go
    {"1.5h", 90 * kM, "1h30m"},
    {".5h", 30 * kM, "30m"},
    {"1.h", kH, "1h"},
    {"1.5d", 36 * kH, "1d12h"},
    {"12h", 12 * kH, "12h"},
    {"30d", 30 * kD, "30d"},
    {"1w", 7 * kD, "7d"},
    {"2w3d", 17 * kD, "17d"},
    {"1.5s", 1500 * kMs, "1s500ms"},
    {"1h2m3s4ms5us6ns", kH + 2 * kM + 3 * kS + 4 * kMs + 5 * kUs + 6, "1h2m3s4ms5us6ns"},
    {"007s", 7 * kS, "7s"},
    // Exact to the nanosecond, finer digits dropped (Go's float64 would round).
    {"0.1ns", 0, "0s"},
    {"1.9999999999ns", 1, "1ns"},
    {"0.000000001s", 1, "1ns"},
    {"0.3333333333333333333333h", 1199999999999, "19m59s999ms999us999ns"},
    {"36600d", 36600 * kD, "36600d"},  // kMaxDuration exactly
};

BOOST_AUTO_TEST_SUITE(duration)

BOOST_DATA_TEST_CASE(parses, boost::unit_test::data::make(kValid), c) {
  Result<nanoseconds> d = ParseDuration(c.text);
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  BOOST_TEST(d->count() == c.nanos);
  BOOST_TEST(FormatDuration(*d) == c.canonical);
  // The canonical form reads back to the same value.
  Result<nanoseconds> again = ParseDuration(FormatDuration(*d));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->count() == c.nanos);
}

struct InvalidCase {
  std::string text;
  std::string fragment;  // in the message, after "bad duration \"<text>\": "
};
std::ostream& operator<<(std::ostream& os, const InvalidCase& c) { return os << c.text; }

const InvalidCase kInvalid[] = {
    {"", "empty"},
    {"30", "has no unit"},  // a bare number is not seconds
    {"00", "has no unit"},  // only the lone "0" goes without a unit
    {"1h30", "has no unit"},
    {"-1h", "no sign"},
    {"+1h", "no sign"},
    {"-0", "no sign"},
    {"h", "expected a number"},
    {".h", "expected a number"},
    {".", "expected a number"},
    {"1..5h", "the number 1. has no unit"},
    {"1h.", "expected a number"},
    {"1y", "unknown unit \"y\""},
    {"1mo", "unknown unit \"mo\""},
    {"1H", "unknown unit \"H\""},
    {"1D", "unknown unit \"D\""},
    {"1 h", "unknown unit \" h\""},
    {" 1h", "expected a number"},
    {"1h ", "unknown unit \"h \""},
    {"1_000s", "unknown unit \"_\""},
    {"1e3s", "unknown unit \"e\""},
    {"36600d1ns", "longer than 36600d"},
    {"36601d", "longer than 36600d"},
    {"5229w", "longer than 36600d"},
    {"99999999999999999999999999s", "longer than 36600d"},
    {"9223372036854775807ns1ns", "longer than 36600d"},
    {"3162240000000000001ns", "longer than 36600d"},
    {"20000d20000d", "longer than 36600d"},
};

BOOST_DATA_TEST_CASE(rejects, boost::unit_test::data::make(kInvalid), c) {
  Result<nanoseconds> d = ParseDuration(c.text);
  BOOST_REQUIRE(!d.ok());
  BOOST_TEST(IsInvalidArgument(d.status()));
  const std::string prefix = "bad duration \"" + c.text + "\": ";
  BOOST_TEST(d.status().message().rfind(prefix, 0) == 0u, d.status().message());
  BOOST_TEST(d.status().message().find(c.fragment) != std::string::npos, d.status().message());
}

BOOST_AUTO_TEST_CASE(the_cap_is_about_a_hundred_years) {
  BOOST_TEST(kMaxDuration.count() == 36600 * kD);
  BOOST_TEST(ParseDuration("5228w").ok());
  BOOST_TEST(ParseDuration("878400h").ok());
  BOOST_TEST(!ParseDuration("878400h1ns").ok());
}

struct PositiveCase {
  std::string text;
  int64_t value;  // in the function's resolution; -1: rejected
};
std::ostream& operator<<(std::ostream& os, const PositiveCase& c) { return os << c.text; }

const PositiveCase kSeconds[] = {
    {"90s", 90}, {"1.5m", 90}, {"30d", 30 * 86400}, {"1500ms", -1}, {"1ns", -1},
    {"0", -1},   {"0s", -1},   {"1.5s", -1},        {"30", -1},     {"-1s", -1},
};

// CheckPositive asserts one PositiveCase against what a ParsePositive* function returned.
template <typename D>
void CheckPositive(const PositiveCase& c, const Result<D>& d) {
  if (c.value < 0) {
    BOOST_TEST(IsInvalidArgument(d.status()));
  } else {
    BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
    BOOST_TEST(d->count() == c.value);
  }
}

BOOST_DATA_TEST_CASE(positive_seconds, boost::unit_test::data::make(kSeconds), c) {
  CheckPositive(c, ParsePositiveSeconds(c.text));
}

const PositiveCase kMillis[] = {
    {"500ms", 500}, {"8s", 8000}, {"1.5s", 1500}, {"1m", 60000},
    {"0", -1},      {"0ms", -1},  {"1us", -1},    {"8", -1},
};

BOOST_DATA_TEST_CASE(positive_milliseconds, boost::unit_test::data::make(kMillis), c) {
  CheckPositive(c, ParsePositiveMilliseconds(c.text));
}

BOOST_AUTO_TEST_CASE(positive_rules_say_why) {
  BOOST_TEST(ParsePositiveSeconds("0s").status().message() ==
             "bad duration \"0s\": must be positive");
  BOOST_TEST(ParsePositiveSeconds("1500ms").status().message() ==
             "bad duration \"1500ms\": must be a whole number of seconds");
  BOOST_TEST(ParsePositiveMilliseconds("1us").status().message() ==
             "bad duration \"1us\": must be a whole number of milliseconds");
}

BOOST_AUTO_TEST_CASE(format_negative_and_extremes) {
  BOOST_TEST(FormatDuration(std::chrono::hours(-36)) == "-1d12h");
  BOOST_TEST(FormatDuration(std::chrono::seconds(86400 + 1)) == "1d1s");
  BOOST_TEST(FormatDuration(nanoseconds::max()) == "106751d23h47m16s854ms775us807ns");
  BOOST_TEST(FormatDuration(nanoseconds::min()) == "-106751d23h47m16s854ms775us808ns");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
