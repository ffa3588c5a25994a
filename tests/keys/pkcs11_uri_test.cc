// RFC 7512 PKCS#11 URI parsing, percent-decoding and redaction (no token needed).
#include "pkcs11_uri.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

#include "printers.h"
#include "vouch/keys/pkcs11.h"

namespace vouch::keys {
namespace {

namespace bdata = boost::unit_test::data;
using internal::ParsePkcs11Uri;
using internal::Pkcs11Uri;

std::string Str(const std::optional<std::string>& v) { return v ? "=" + *v : "<absent>"; }
std::string Hex(const std::optional<Bytes>& v) { return v ? "=" + HexEncode(*v) : "<absent>"; }

// A good URI and what it parses to (absent fields stay "<absent>").
struct Good {
  const char* uri;
  std::string token, object, id, type, module, pin_source, pin, serial, slot_id;
};
std::ostream& operator<<(std::ostream& os, const Good& g) { return os << g.uri; }

const Good kGood[] = {
    {"pkcs11:", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>",
     "<absent>", "<absent>"},
    {"PKCS11:token=t", "=t", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>",
     "<absent>", "<absent>"},
    // RFC 7512 section 3.3 examples, adapted.
    {"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;object=my-key;type=private",
     "=The Software PKCS#11 Softtoken", "=my-key", "<absent>", "=private", "<absent>", "<absent>",
     "<absent>", "<absent>", "<absent>"},
    {"pkcs11:id=%0a%0B%ff;object=a%3bb", "<absent>", "=a;b", "=0a0bff", "<absent>", "<absent>",
     "<absent>", "<absent>", "<absent>", "<absent>"},
    {"pkcs11:object=k?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=12%2634", "<absent>",
     "=k", "<absent>", "<absent>", "=/usr/lib/softhsm/libsofthsm2.so", "<absent>", "=12&34",
     "<absent>", "<absent>"},
    {"pkcs11:object=k?pin-source=file:/etc/pin&module-name=softhsm2&x-vendor=1", "<absent>", "=k",
     "<absent>", "<absent>", "<absent>", "=file:/etc/pin", "<absent>", "<absent>", "<absent>"},
    // '&' is a plain character in the path, '/' and '?' and '|' in the query.
    {"pkcs11:object=a&b;serial=00ab;slot-id=7?pin-source=|x/y?z", "<absent>", "=a&b", "<absent>",
     "<absent>", "<absent>", "=|x/y?z", "<absent>", "=00ab", "=7"},
    // Ignored: standard attributes vouch does not use, vendor attributes, empty query.
    {"pkcs11:library-manufacturer=x;library-version=1.0;x-foo=bar;object=o?", "<absent>", "=o",
     "<absent>", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>"},
    {"pkcs11:object=", "<absent>", "=", "<absent>", "<absent>", "<absent>", "<absent>", "<absent>",
     "<absent>", "<absent>"},
};

BOOST_AUTO_TEST_SUITE(pkcs11_uri)

BOOST_DATA_TEST_CASE(parses, bdata::make(kGood), g) {
  Result<Pkcs11Uri> u = ParsePkcs11Uri(g.uri);
  BOOST_REQUIRE_MESSAGE(u.ok(), u.status().ToString());
  BOOST_TEST(Str(u->token) == g.token);
  BOOST_TEST(Str(u->object) == g.object);
  BOOST_TEST(Hex(u->id) == g.id);
  BOOST_TEST(Str(u->type) == g.type);
  BOOST_TEST(Str(u->module_path) == g.module);
  BOOST_TEST(Str(u->pin_source) == g.pin_source);
  BOOST_TEST((u->pin_value ? "=" + std::string(u->pin_value->view()) : "<absent>") == g.pin);
  BOOST_TEST(Str(u->serial) == g.serial);
  BOOST_TEST((u->slot_id ? "=" + std::to_string(*u->slot_id) : "<absent>") == g.slot_id);
}

// Malformed URIs: each is kInvalidArgument and never echoes the secret "s3cret".
const char* kBad[] = {
    "",
    "pkcs11",
    "pkcs:object=x",
    "file:/x",
    "pkcs11:object",                                      // no '='
    "pkcs11:object=a;;token=b",                           // empty attribute
    "pkcs11:object=a;",                                   // trailing separator
    "pkcs11:object=a?pin-value=s3cret&",                  // trailing '&'
    "pkcs11:=x",                                          // empty name
    "pkcs11:1abc=x",                                      // name starts with a digit
    "pkcs11:ob%6aect=x",                                  // names are not percent-encoded
    "pkcs11:object=a b",                                  // space must be encoded
    "pkcs11:object=a/b",                                  // '/' must be encoded in the path
    "pkcs11:object=a#b",                                  // no fragments
    "pkcs11:object=%zz",                                  // bad hex
    "pkcs11:object=%4",                                   // truncated
    "pkcs11:object=abc%",                                 // truncated
    "pkcs11:object=a;object=b",                           // repeated
    "pkcs11:id=%01;id=%02",                               // repeated
    "pkcs11:type=secret",                                 // not an RFC 7512 type
    "pkcs11:slot-id=x1",                                  // not decimal
    "pkcs11:slot-id=",                                    // empty number
    "pkcs11:slot-id=99999999999999999999",                // too long
    "pkcs11:pin-value=s3cret",                            // query attribute in the path
    "pkcs11:object=a?object=b",                           // path attribute in the query
    "pkcs11:object=a?pin-value=s3cret&pin-value=s3cret",  // repeated PIN
    "pkcs11:object=a?pin-value=s3 cret",                  // bad character in the PIN
    "pkcs11:object=a?pin-value=s3cret%g0",                // bad escape in the PIN
    "pkcs11:object=a?module-path=/x#y",                   // '#' in the query
};

BOOST_DATA_TEST_CASE(rejects_malformed, bdata::make(kBad), uri) {
  Result<Pkcs11Uri> u = ParsePkcs11Uri(uri);
  BOOST_TEST(u.status().code() == ErrorCode::kInvalidArgument);
  BOOST_TEST(u.status().message().find("s3cret") == std::string::npos, u.status().message());
}

BOOST_AUTO_TEST_CASE(is_pkcs11_uri) {
  BOOST_TEST(IsPkcs11Uri("pkcs11:"));
  BOOST_TEST(IsPkcs11Uri("Pkcs11:object=x"));
  BOOST_TEST(!IsPkcs11Uri("pkcs11"));
  BOOST_TEST(!IsPkcs11Uri("key.pem"));
  BOOST_TEST(!IsPkcs11Uri("env://PKCS11"));
  BOOST_TEST(!IsPkcs11Uri(" pkcs11:x"));
}

struct Redaction {
  const char* in;
  const char* out;
};
std::ostream& operator<<(std::ostream& os, const Redaction& r) { return os << r.in; }

const Redaction kRedactions[] = {
    {"pkcs11:object=k", "pkcs11:object=k"},
    {"pkcs11:object=k?pin-value=1234", "pkcs11:object=k"},
    {"pkcs11:object=k?module-path=/m.so&pin-value=1234", "pkcs11:object=k?module-path=/m.so"},
    {"pkcs11:object=k?pin-value=1234&module-path=/m.so", "pkcs11:object=k?module-path=/m.so"},
    {"pkcs11:object=k?PIN-VALUE=1234&pin%2dvalue=5678&pin-source=/p",
     "pkcs11:object=k?pin-source=/p"},
    // Malformed, still redacted: in the path, twice, without '='.
    {"pkcs11:pin-value=1234;object=k", "pkcs11:object=k"},
    {"pkcs11:object=k?pin-value=1&pin-value=2", "pkcs11:object=k"},
    {"pkcs11:object=k?pin-value", "pkcs11:object=k"},
    {"not a uri?pin-value=1234", "not a uri"},
};

BOOST_DATA_TEST_CASE(redacts_pin_value, bdata::make(kRedactions), r) {
  BOOST_TEST(RedactedPkcs11Uri(r.in) == r.out);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::keys
