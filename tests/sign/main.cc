#define BOOST_TEST_MODULE vouch_sign_tests
#include <boost/test/unit_test.hpp>
