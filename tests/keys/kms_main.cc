#define BOOST_TEST_MODULE vouch_keys_kms_tests
#include <boost/test/unit_test.hpp>
