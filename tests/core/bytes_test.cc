#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "core/internal/percent.h"
#include "vouch/core/bytes.h"

namespace vouch {
namespace {

BOOST_AUTO_TEST_SUITE(bytes)

BOOST_AUTO_TEST_CASE(percent_decode) {
  BOOST_TEST(*PercentDecode("") == "");
  BOOST_TEST(*PercentDecode("abc") == "abc");
  BOOST_TEST(*PercentDecode("%41%6a%4A%20") == "AjJ ");
  BOOST_TEST(PercentDecode("%00").value() == std::string(1, '\0'));
  BOOST_TEST(*PercentDecode("%25%32%35") == "%25");  // decoded once, not twice
  BOOST_TEST(IsInvalidArgument(PercentDecode("%").status()));
  BOOST_TEST(IsInvalidArgument(PercentDecode("%1").status()));
  BOOST_TEST(IsInvalidArgument(PercentDecode("%G1").status()));
}

BOOST_AUTO_TEST_CASE(hex_round_trip) {
  Bytes b = {0x00, 0xab, 0xff};
  BOOST_TEST(HexEncode(b) == "00abff");
  BOOST_TEST((*HexDecode("00ABff") == b));
  BOOST_TEST(!HexDecode("abc").ok());
  BOOST_TEST(!HexDecode("zz").ok());
}

struct B64Case {
  const char* plain;
  const char* std;
};
const B64Case kRfc4648[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                            {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                            {"foobar", "Zm9vYmFy"}};

BOOST_DATA_TEST_CASE(base64_rfc4648_vectors, boost::unit_test::data::xrange(7), i) {
  const B64Case& c = kRfc4648[i];
  BOOST_TEST(Base64Encode(AsBytes(c.plain)) == c.std);
  auto decoded = Base64Decode(c.std);
  BOOST_REQUIRE(decoded.ok());
  BOOST_TEST(ToString(*decoded) == c.plain);
}

const char* kBadBase64[] = {"Zg=",  "Z",     "Zm9v!", "Zm 9v", "Zh==",
                            "Zm9v=", "====", "Zg===", "Zm-v/A=="};

BOOST_DATA_TEST_CASE(base64_rejects_garbage, boost::unit_test::data::make(kBadBase64), text) {
  BOOST_TEST(!Base64Decode(text, Base64Alphabet::kEither).ok());
}

BOOST_AUTO_TEST_CASE(base64_alphabets) {
  Bytes b = {0xfb, 0xff};
  BOOST_TEST(Base64Encode(b) == "+/8=");
  BOOST_TEST(Base64UrlEncode(b) == "-_8");
  BOOST_TEST(Base64Decode("-_8", Base64Alphabet::kUrl).ok());
  BOOST_TEST(!Base64Decode("-_8", Base64Alphabet::kStd).ok());
  BOOST_TEST(Base64Decode("-_8=", Base64Alphabet::kEither).ok());
  BOOST_TEST(!Base64Decode("+/8=", Base64Alphabet::kUrl).ok());
}

BOOST_AUTO_TEST_CASE(constant_time_equals) {
  BOOST_TEST(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  BOOST_TEST(!ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  BOOST_TEST(!ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
}

BOOST_AUTO_TEST_CASE(secret_string_moves_and_clones) {
  SecretString a("hunter2");
  SecretString b = std::move(a);
  BOOST_TEST(b.view() == "hunter2");
  BOOST_TEST(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  SecretString c = b.Clone();
  BOOST_TEST(c.view() == "hunter2");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
