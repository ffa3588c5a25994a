#define BOOST_TEST_MODULE vouch_cli_tests
#include <boost/test/unit_test.hpp>
