#define BOOST_TEST_MODULE vouch_interop_tests
#include <boost/test/unit_test.hpp>
