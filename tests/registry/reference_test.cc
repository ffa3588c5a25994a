// Image reference parsing and normalization (formats.md 1.1), table-driven.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

#include "vouch/registry/reference.h"

namespace vouch::registry {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kD = "sha256:" + std::string(64, 'a');

struct Case {
  std::string input;
  bool ok;
  std::string registry, repository, tag, digest, canonical;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.input; }

const Case kCases[] = {
    {"ubuntu", true, "docker.io", "library/ubuntu", "latest", "", "docker.io/library/ubuntu:latest"},
    {"ubuntu:22.04", true, "docker.io", "library/ubuntu", "22.04", "", "docker.io/library/ubuntu:22.04"},
    {"org/app", true, "docker.io", "org/app", "latest", "", "docker.io/org/app:latest"},
    {"index.docker.io/library/busybox", true, "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
    {"docker.io/busybox", true, "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
    {"localhost:5000/app", true, "localhost:5000", "app", "latest", "", "localhost:5000/app:latest"},
    {"localhost/app:v1", true, "localhost", "app", "v1", "", "localhost/app:v1"},
    {"127.0.0.1:5000/demo/multi:v1", true, "127.0.0.1:5000", "demo/multi", "v1", "", "127.0.0.1:5000/demo/multi:v1"},
    {"ghcr.io/o/r@" + kD, true, "ghcr.io", "o/r", "", kD, "ghcr.io/o/r@" + kD},
    {"ghcr.io/o/r:t@" + kD, true, "ghcr.io", "o/r", "t", kD, "ghcr.io/o/r:t@" + kD},
    {"Registry/app", true, "Registry", "app", "latest", "", "Registry/app:latest"},
    {"[::1]:5000/app", true, "[::1]:5000", "app", "latest", "", "[::1]:5000/app:latest"},
    {"a.b/x__y/z-w/v.1", true, "a.b", "x__y/z-w/v.1", "latest", "", "a.b/x__y/z-w/v.1:latest"},
    {"myreg:5000/team/app:_v", true, "myreg:5000", "team/app", "_v", "", "myreg:5000/team/app:_v"},
    // invalid
    {"", false, "", "", "", "", ""},
    {"UPPER", false, "", "", "", "", ""},
    {"ghcr.io/Org/app", false, "", "", "", "", ""},
    {"app:", false, "", "", "", "", ""},
    {"app:-bad", false, "", "", "", "", ""},
    {"app:" + std::string(129, 'a'), false, "", "", "", "", ""},
    {"app@sha256:abc", false, "", "", "", "", ""},
    {"app@md5:" + std::string(32, 'a'), false, "", "", "", "", ""},
    {"app@sha256:" + std::string(64, 'A'), false, "", "", "", "", ""},
    {"ghcr.io/a//b", false, "", "", "", "", ""},
    {"ghcr.io/a/b/", false, "", "", "", "", ""},
    {"ghcr.io/-a", false, "", "", "", "", ""},
    {"ghcr.io/a..b", false, "", "", "", "", ""},
    {"host:port/app", false, "", "", "", "", ""},
    {"ghcr.io/" + std::string(250, 'a'), false, "", "", "", "", ""},
};

BOOST_DATA_TEST_CASE(ParseReferenceTable, bdata::make(kCases), c) {
  auto r = ParseReference(c.input);
  BOOST_TEST(r.ok() == c.ok, r.status().ToString());
  if (!c.ok) {
    BOOST_TEST(IsInvalidArgument(r.status()));
    return;
  }
  BOOST_TEST(r->registry == c.registry);
  BOOST_TEST(r->repository == c.repository);
  BOOST_TEST(r->tag == c.tag);
  BOOST_TEST((r->digest ? r->digest->ToString() : "") == c.digest);
  BOOST_TEST(r->ToString() == c.canonical);
  // Canonical strings parse back to the same reference.
  auto again = ParseReference(r->ToString());
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->ToString() == r->ToString());
}

// The same image written two ways parses to the same reference, so it lands in the same scope,
// deny-list entry and cache key.
struct SameImage {
  std::string a, b;
};
std::ostream& operator<<(std::ostream& os, const SameImage& c) { return os << c.a << " ~ " << c.b; }
const SameImage kSame[] = {
    {"GHCR.io/o/app:v1", "ghcr.io/o/app:v1"},
    {"Registry.Example.COM:5000/app", "registry.example.com:5000/app"},
    {"registry.example.com:05000/app", "registry.example.com:5000/app"},
    {"registry.example.com:443/app", "registry.example.com/app"},
    {"registry.example.com:0443/app", "registry.example.com/app"},
    {"index.docker.io/library/nginx", "nginx"},
    {"registry-1.docker.io/library/nginx:latest", "docker.io/nginx"},
    {"Docker.IO/nginx", "nginx:latest"},
    {"docker.io:443/library/nginx", "nginx"},
    {"[0:0:0:0:0:0:0:1]:5000/app", "[::1]:5000/app"},
    {"[::FFFF:7F00:1]:5000/app", "[::ffff:127.0.0.1]:5000/app"},
    {"[2001:DB8:0:0:0:0:0:1]/app", "[2001:db8::1]/app"},
};
BOOST_DATA_TEST_CASE(OneImageOneSpelling, bdata::make(kSame), c) {
  auto a = ParseReference(c.a);
  auto b = ParseReference(c.b);
  BOOST_REQUIRE_MESSAGE(a.ok(), a.status().ToString());
  BOOST_REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  BOOST_TEST(a->ToString() == b->ToString());
  BOOST_TEST(a->SameRepository(*b));
}

BOOST_AUTO_TEST_CASE(LoopbackKeepsPort443AndBadPortsFail) {
  // vouch may speak plain HTTP to loopback, where 443 is not the scheme's default.
  BOOST_TEST(ParseReference("localhost:443/app")->registry == "localhost:443");
  BOOST_TEST(ParseReference("127.0.0.1:0443/app")->registry == "127.0.0.1:443");
  // Without the port a single-label host would read as a Docker Hub namespace (reference_fuzz).
  BOOST_TEST(ParseReference("Registry:443/app")->ToString() == "registry:443/app:latest");
  BOOST_TEST(ParseReference("registry:443/app")->registry == "registry:443");
  for (const char* bad : {"reg.example:0/app", "reg.example:65536/app", "reg.example:99999/app",
                          "[::1::2]:5000/app", "[zz::1]/app"}) {
    BOOST_TEST(IsInvalidArgument(ParseReference(bad).status()), bad);
  }
}

BOOST_AUTO_TEST_CASE(LayoutReferences) {
  auto a = ParseReference("oci:/tmp/lay");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->is_layout());
  BOOST_TEST(*a->layout_path == "/tmp/lay");
  BOOST_TEST(a->tag == "latest");
  auto b = ParseReference("oci:rel/dir:v2");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(*b->layout_path == "rel/dir");
  BOOST_TEST(b->tag == "v2");
  auto c = ParseReference("oci:/x/y@" + kD);
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->digest->ToString() == kD);
  BOOST_TEST(*c->layout_path == "/x/y");
  BOOST_TEST(IsInvalidArgument(ParseReference("oci:").status()));
  BOOST_TEST(IsInvalidArgument(ParseReference("oci:/x@sha256:zz").status()));
}

BOOST_AUTO_TEST_CASE(HostsAndTags) {
  BOOST_TEST(ApiHost("docker.io") == "registry-1.docker.io");
  BOOST_TEST(ApiHost("ghcr.io") == "ghcr.io");
  for (const char* h : {"localhost", "localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000", "::1"}) {
    BOOST_TEST(IsLoopbackHost(h), h);
  }
  for (const char* h : {"example.com", "128.0.0.1", "127.0.0.1.evil.com", "localhost.evil", "10.0.0.1:5000"}) {
    BOOST_TEST(!IsLoopbackHost(h), h);
  }
  BOOST_TEST(FallbackTag(*Digest::Parse(kD)) == "sha256-" + std::string(64, 'a'));
  BOOST_TEST(IsValidTag("v1.2_3-x"));
  BOOST_TEST(!IsValidTag(".v"));
}

}  // namespace
}  // namespace vouch::registry
