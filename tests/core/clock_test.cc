#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "vouch/core/clock.h"

namespace vouch {
namespace {

BOOST_AUTO_TEST_SUITE(clock)

BOOST_AUTO_TEST_CASE(rfc3339_round_trip) {
  auto t = ParseRfc3339("2026-01-02T03:04:05Z");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(FormatRfc3339(*t) == "2026-01-02T03:04:05Z");
  auto frac = ParseRfc3339("2022-12-31T23:59:59.999Z");
  BOOST_REQUIRE(frac.ok());
  BOOST_TEST(FormatRfc3339(*frac) == "2022-12-31T23:59:59Z");
  auto off = ParseRfc3339("2026-01-02T05:04:05+02:00");
  BOOST_REQUIRE(off.ok());
  BOOST_TEST(FormatRfc3339(*off) == "2026-01-02T03:04:05Z");
}

const char* kBadTimes[] = {"", "2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z",
                           "2026-02-30T03:04:05Z", "2026-01-02T03:04:05.Z", "yesterday",
                           "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05+01:60",
                           "9999-12-31T23:59:59Z", "1000-01-01T00:00:00Z"};

BOOST_AUTO_TEST_CASE(rfc3339_before_epoch_with_fraction) {
  auto t = ParseRfc3339("1969-12-31T23:59:59.5Z");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(FormatRfc3339(*t) == "1969-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(rfc3339_millis) {
  auto t = ParseRfc3339("2022-12-31T23:59:59.0456Z");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(FormatRfc3339Millis(*t) == "2022-12-31T23:59:59.045Z");
  auto whole = ParseRfc3339("2026-01-02T03:04:05Z");
  BOOST_REQUIRE(whole.ok());
  BOOST_TEST(FormatRfc3339Millis(*whole) == "2026-01-02T03:04:05.000Z");
  auto before_epoch = ParseRfc3339("1969-12-31T23:59:59.5Z");
  BOOST_REQUIRE(before_epoch.ok());
  BOOST_TEST(FormatRfc3339Millis(*before_epoch) == "1969-12-31T23:59:59.500Z");
}

BOOST_DATA_TEST_CASE(rfc3339_rejects, boost::unit_test::data::make(kBadTimes), text) {
  BOOST_TEST(IsInvalidArgument(ParseRfc3339(text).status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
