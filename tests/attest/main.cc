#define BOOST_TEST_MODULE vouch_attest_tests
#include <boost/test/unit_test.hpp>
