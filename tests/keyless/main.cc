#define BOOST_TEST_MODULE vouch_keyless_interop_tests
#include <boost/test/unit_test.hpp>
