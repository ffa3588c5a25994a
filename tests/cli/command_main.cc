#define BOOST_TEST_MODULE vouch_cli_command_tests
#include <boost/test/unit_test.hpp>
