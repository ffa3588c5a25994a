// The address classifier and the allow list of `vouch serve`'s address filter, table-driven:
// what a registry connection from a shared gate may reach.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "registry/test_images.h"
#include "vouch/registry/transport.h"

namespace vouch::registry {
namespace {

namespace bdata = boost::unit_test::data;

struct AddressCase {
  std::string address;
  bool restricted;
};
std::ostream& operator<<(std::ostream& os, const AddressCase& c) { return os << c.address; }

const AddressCase kAddresses[] = {
    // IPv4: loopback, "this network", link-local (metadata), Alibaba's metadata address.
    {"127.0.0.1", true},
    {"127.255.255.254", true},
    {"0.0.0.0", true},
    {"0.1.2.3", true},
    {"169.254.169.254", true},
    {"169.254.0.1", true},
    {"100.100.100.200", true},
    // IPv6: loopback, unspecified, link-local, AWS's metadata address.
    {"::1", true},
    {"[::1]", true},
    {"::", true},
    {"fe80::1", true},
    {"febf:ffff::1", true},
    {"fd00:ec2::254", true},
    // IPv6 forms that carry a restricted IPv4 address.
    {"::ffff:127.0.0.1", true},
    {"::ffff:169.254.169.254", true},
    {"::ffff:0.0.0.0", true},
    {"::127.0.0.1", true},
    {"64:ff9b::a9fe:a9fe", true},
    // Not an address: fail closed.
    {"localhost", true},
    {"", true},
    {"999.1.1.1", true},
    // Allowed: public and private (RFC 1918, unique local) registries.
    {"10.0.0.5", false},
    {"172.16.0.1", false},
    {"192.168.1.10", false},
    {"8.8.8.8", false},
    {"100.100.100.201", false},
    {"169.253.255.255", false},
    {"128.0.0.1", false},
    {"1.0.0.0", false},
    {"::ffff:10.0.0.5", false},
    {"::ffff:8.8.8.8", false},
    {"fd00:ec2::253", false},
    {"fd12:3456::1", false},
    {"fec0::1", false},
    {"2001:db8::1", false},
    {"::2:0:0", false},
};

BOOST_DATA_TEST_CASE(RestrictedAddressTable, bdata::make(kAddresses), c) {
  BOOST_TEST(IsRestrictedAddress(c.address) == c.restricted, c.address);
}

struct AllowCase {
  std::string entry;
  std::string host;
  uint16_t port;
  bool allowed;
};
std::ostream& operator<<(std::ostream& os, const AllowCase& c) {
  return os << c.entry << " vs " << c.host << ":" << c.port;
}

const AllowCase kAllow[] = {
    {"127.0.0.1:5000", "127.0.0.1", 5000, true},
    {"127.0.0.1:5000", "127.0.0.1", 5001, false},
    {"registry.local", "registry.local", 443, true},
    {"registry.local", "registry.local", 80, true},
    {"registry.local", "registry.local", 6379, false},
    {"Registry.Local:8443", "registry.local", 8443, true},
    {"registry.local", "other.local", 443, false},
    {"[::1]:5000", "[::1]", 5000, true},
    {"[::1]", "[::1]", 443, true},
    {"[::1]", "[::1]", 5000, false},
    {"localhost:5000", "127.0.0.1", 5000, false},  // the URL's host counts, not its address
};

BOOST_DATA_TEST_CASE(AllowListNamesHostAndPort, bdata::make(kAllow), c) {
  AddressFilter f =
      RestrictedAddressFilter([e = c.entry] { return std::vector<std::string>{e}; }, "say why");
  Status s = f(ConnectTarget{c.host, c.port, "127.0.0.1"});
  BOOST_TEST(s.ok() == c.allowed, s.ToString());
  if (!c.allowed) {
    BOOST_TEST(s.code() == ErrorCode::kPermissionDenied);
    BOOST_TEST(s.message().find("registry address 127.0.0.1") != std::string::npos, s.message());
    BOOST_TEST(s.message().find("say why") != std::string::npos, s.message());
  }
}

BOOST_AUTO_TEST_CASE(UnrestrictedAddressesNeverConsultTheAllowList) {
  int asked = 0;
  AddressFilter f = RestrictedAddressFilter(
      [&asked] {
        ++asked;
        return std::vector<std::string>();
      },
      "");
  BOOST_TEST(f(ConnectTarget{"registry.example.com", 443, "10.1.2.3"}).ok());
  BOOST_TEST(asked == 0);
  BOOST_TEST(f(ConnectTarget{"registry.example.com", 443, "169.254.169.254"}).code() ==
             ErrorCode::kPermissionDenied);
  BOOST_TEST(asked == 1);
}

}  // namespace
}  // namespace vouch::registry
