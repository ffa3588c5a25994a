#define BOOST_TEST_MODULE vouch_images_interop_tests
#include <boost/test/unit_test.hpp>
