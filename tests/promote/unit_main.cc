#define BOOST_TEST_MODULE vouch_promote_unit_tests
#include <boost/test/unit_test.hpp>
