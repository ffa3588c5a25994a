#define BOOST_TEST_MODULE vouch_keys_cli_tests
#include <boost/test/unit_test.hpp>
