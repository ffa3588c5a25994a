#define BOOST_TEST_MODULE vouch_keyless_image_tests
#include <boost/test/unit_test.hpp>
