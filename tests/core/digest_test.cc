#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "vouch/core/digest.h"

namespace vouch {
namespace {

BOOST_AUTO_TEST_SUITE(digest)

BOOST_AUTO_TEST_CASE(sha256_of_empty_and_abc) {
  BOOST_TEST(Digest::Of({}).ToString() ==
             "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(Digest::Of(AsBytes("abc"), HashAlgorithm::kSha512).Hex().substr(0, 16) ==
             "ddaf35a193617aba");
}

BOOST_AUTO_TEST_CASE(parse_round_trip) {
  std::string s = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
  auto d = Digest::Parse(s);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->ToString() == s);
  BOOST_TEST(d->bytes().size() == 32u);
}

const char* kBadDigests[] = {
    "",
    "sha256",
    "sha256:",
    "sha256:44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A",
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8",
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a0",
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha256:g4136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
};

BOOST_DATA_TEST_CASE(parse_rejects, boost::unit_test::data::make(kBadDigests), text) {
  auto d = Digest::Parse(text);
  BOOST_TEST(IsInvalidArgument(d.status()));
}

BOOST_AUTO_TEST_CASE(hash_source_streams) {
  std::string data(3 * kStreamBufferSize + 17, 'x');
  auto src = MemorySource(AsBytes(data));
  auto d = HashSource(*src, HashAlgorithm::kSha256);
  BOOST_REQUIRE(d.ok());
  BOOST_TEST((*d == Digest::Of(AsBytes(data))));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
