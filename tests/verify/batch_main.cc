#define BOOST_TEST_MODULE vouch_verify_batch_tests
#include <boost/test/unit_test.hpp>
