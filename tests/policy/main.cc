#define BOOST_TEST_MODULE vouch_policy_tests
#include <boost/test/unit_test.hpp>
