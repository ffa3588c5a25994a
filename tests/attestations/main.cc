#define BOOST_TEST_MODULE vouch_attestations_tests
#include <boost/test/unit_test.hpp>
