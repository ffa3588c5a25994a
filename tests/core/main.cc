#define BOOST_TEST_MODULE vouch_core_tests
#include <boost/test/unit_test.hpp>
