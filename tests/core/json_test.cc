#include <boost/test/unit_test.hpp>

#include <string>

#include "core/internal/json.h"

namespace vouch {
namespace {

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(parse_and_typed_access) {
  auto j = ParseJson(R"({"a":"x","n":3,"o":{},"l":[]})", "doc");
  BOOST_REQUIRE(j.ok());
  BOOST_TEST(*GetString(*j, "a", "doc") == "x");
  BOOST_TEST(*GetInt(*j, "n", "doc") == 3);
  BOOST_TEST(GetObject(*j, "o", "doc").ok());
  BOOST_TEST(GetArray(*j, "l", "doc").ok());
  auto wrong = GetString(*j, "n", "doc");
  BOOST_TEST(IsInvalidArgument(wrong.status()));
  BOOST_TEST(wrong.status().message() == "doc field \"n\" must be a string");
  BOOST_TEST(IsInvalidArgument(GetString(*j, "zz", "doc").status()));
}

BOOST_AUTO_TEST_CASE(rejects_garbage_and_depth) {
  BOOST_TEST(IsInvalidArgument(ParseJson("{", "doc").status()));
  BOOST_TEST(IsInvalidArgument(ParseJson("{} x", "doc").status()));
  BOOST_TEST(IsInvalidArgument(ParseJson(std::string("\xff\xfe"), "doc").status()));
  std::string deep(200, '[');
  deep += std::string(200, ']');
  BOOST_TEST(IsInvalidArgument(ParseJson(deep, "doc").status()));
  std::string ok_depth(10, '[');
  ok_depth += std::string(10, ']');
  BOOST_TEST(ParseJson(ok_depth, "doc").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
