// The Boost.Test entry point shared by the Sigstore suites.
#define BOOST_TEST_MODULE vouch_sigstore_tests
#include <boost/test/unit_test.hpp>
