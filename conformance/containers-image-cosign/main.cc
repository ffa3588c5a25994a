#define BOOST_TEST_MODULE vouch_conformance_containers_image_cosign
#include <boost/test/unit_test.hpp>
