#define BOOST_TEST_MODULE vouch_serve_integration_tests
#include <boost/test/unit_test.hpp>
