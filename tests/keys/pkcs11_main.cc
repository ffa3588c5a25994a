#define BOOST_TEST_MODULE vouch_keys_pkcs11_tests
#include <boost/test/unit_test.hpp>
