#define BOOST_TEST_MODULE vouch_policy_eval_unit_tests
#include <boost/test/unit_test.hpp>
