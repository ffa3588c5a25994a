#define BOOST_TEST_MODULE vouch_registry_tests
#include <boost/test/unit_test.hpp>
