#define BOOST_TEST_MODULE vouch_verify_integration_tests
#include <boost/test/unit_test.hpp>
