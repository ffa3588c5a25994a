#include <boost/test/unit_test.hpp>

#include "vouch/core/status.h"

namespace vouch {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) {
    return InvalidArgumentError("odd");
  }
  return x / 2;
}

Result<int> Quarter(int x) {
  VOUCH_ASSIGN_OR_RETURN(int h, Half(x));
  VOUCH_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(ok_and_error_codes) {
  BOOST_TEST(OkStatus().ok());
  Status s = VerificationFailedError("bad sig");
  BOOST_TEST(!s.ok());
  BOOST_TEST(IsVerificationFailed(s));
  BOOST_TEST(s.ToString() == "verification_failed: bad sig");
  BOOST_TEST(s.WithContext("bundle").message() == "bundle: bad sig");
  BOOST_TEST(OkStatus().WithContext("x").ok());
}

BOOST_AUTO_TEST_CASE(result_propagates) {
  BOOST_TEST(*Quarter(8) == 2);
  Result<int> r = Quarter(6);
  BOOST_TEST(!r.ok());
  BOOST_TEST(IsInvalidArgument(r.status()));
}

BOOST_AUTO_TEST_CASE(result_from_ok_status_is_internal_error) {
  Result<int> r{OkStatus()};
  BOOST_TEST(!r.ok());
  BOOST_TEST(static_cast<int>(r.status().code()) == static_cast<int>(ErrorCode::kInternal));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
