#define BOOST_TEST_MODULE vouch_key_refs_tests
#include <boost/test/unit_test.hpp>
