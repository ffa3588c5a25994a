#define BOOST_TEST_MODULE vouch_serve_install_tests
#include <boost/test/unit_test.hpp>
