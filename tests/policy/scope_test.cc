// Scope patterns: matching on normalized references and the precedence of the most specific.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "policy/policy_test_util.h"

namespace vouch::policy::testing {
namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

struct MatchCase {
  std::string pattern;
  std::string image;
  bool match;
};
std::ostream& operator<<(std::ostream& os, const MatchCase& c) {
  return os << c.pattern << " ~ " << c.image;
}

const MatchCase kMatches[] = {
    // The lone "*" matches everything.
    {"*", "docker.io/library/debian:12", true},
    {"*", "127.0.0.1:5000/prod/app@" + kDigestA, true},
    // "**" at the end: anything inside, at any depth, but not the namespace itself.
    {"registry.example.com/prod/**", "registry.example.com/prod/app:1.0", true},
    {"registry.example.com/prod/**", "registry.example.com/prod/team/app@" + kDigestA, true},
    {"registry.example.com/prod/**", "registry.example.com/prod:1.0", false},
    {"registry.example.com/prod/**", "registry.example.com/production/app:1", false},
    {"registry.example.com/prod/**", "other.example.com/prod/app:1", false},
    // "*": exactly one segment.
    {"registry.example.com/prod/*", "registry.example.com/prod/app:1", true},
    {"registry.example.com/prod/*", "registry.example.com/prod/team/app:1", false},
    {"registry.example.com/*/app", "registry.example.com/x/app:1", true},
    {"registry.example.com/*/app", "registry.example.com/x/y/app:1", false},
    {"*/library/*", "docker.io/library/debian:12", true},
    // "**" in the middle: zero or more segments.
    {"registry.example.com/**/app", "registry.example.com/app:1", true},
    {"registry.example.com/**/app", "registry.example.com/x/y/app:1", true},
    {"registry.example.com/**/app", "registry.example.com/x/y/web:1", false},
    // A repository without tag or digest: any tag or digest of exactly that repository.
    {"127.0.0.1:5000/prod/app", "127.0.0.1:5000/prod/app:1", true},
    {"127.0.0.1:5000/prod/app", "127.0.0.1:5000/prod/app@" + kDigestA, true},
    {"127.0.0.1:5000/prod/app", "127.0.0.1:5000/prod/app2:1", false},
    {"127.0.0.1:5000/prod/app", "127.0.0.1:5000/prod/app/sub:1", false},
    {"127.0.0.1:5000/prod/app", "127.0.0.1:5001/prod/app:1", false},
    {"docker.io/library/debian", "docker.io/library/debian:12", true},
    // Tags and digests pin.
    {"127.0.0.1:5000/prod/app:1.0", "127.0.0.1:5000/prod/app:1.0", true},
    {"127.0.0.1:5000/prod/app:1.0", "127.0.0.1:5000/prod/app:1.0@" + kDigestA, true},
    {"127.0.0.1:5000/prod/app:1.0", "127.0.0.1:5000/prod/app:2.0", false},
    {"127.0.0.1:5000/prod/app:1.0", "127.0.0.1:5000/prod/app@" + kDigestA, false},
    {"127.0.0.1:5000/prod/app@" + kDigestA, "127.0.0.1:5000/prod/app:1@" + kDigestA, true},
    {"127.0.0.1:5000/prod/app@" + kDigestA, "127.0.0.1:5000/prod/app@" + kDigestB, false},
    {"127.0.0.1:5000/prod/app@" + kDigestA, "127.0.0.1:5000/prod/app:1", false},
    // Host wildcards (containers/image "*.example.com") and case-insensitive hosts.
    {"*.example.com/**", "registry.example.com/a/b:1", true},
    {"*.example.com/**", "a.b.example.com/x:1", true},
    {"*.example.com/**", "example.com/a:1", false},
    {"*.example.com/**", "registry.example.org/a:1", false},
    {"Registry.Example.com/app", "registry.example.com/app:1", true},
    {"*.Example.COM/app", "registry.example.com/app:1", true},  // found by scope_fuzz
    // Invalid patterns never match.
    {"app", "docker.io/library/app:latest", false},
    {"registry.example.com/ap*", "registry.example.com/app:1", false},
    {"", "docker.io/library/app:latest", false},
};

BOOST_AUTO_TEST_SUITE(policy_scopes)

BOOST_DATA_TEST_CASE(scope_matching, boost::unit_test::data::make(kMatches), c) {
  BOOST_TEST(ScopeMatches(c.pattern, c.image) == c.match);
}

struct PrecedenceCase {
  std::string image;
  std::string policy;  // "" = no policy applies
};
std::ostream& operator<<(std::ostream& os, const PrecedenceCase& c) { return os << c.image; }

// Policies in a deliberately shuffled order: precedence comes from specificity, not position.
const char* const kPrecedencePolicy = R"({"version": 1, "policies": [
  {"name": "registry",     "scope": "registry.example.com/**",         "mode": "accept"},
  {"name": "any",          "scope": "*",                               "mode": "reject"},
  {"name": "prod-tree",    "scope": "registry.example.com/prod/**",    "mode": "accept"},
  {"name": "app-tag",      "scope": "registry.example.com/prod/app:1.0", "mode": "accept"},
  {"name": "prod-one",     "scope": "registry.example.com/prod/*",     "mode": "accept"},
  {"name": "app",          "scope": "registry.example.com/prod/app",   "mode": "accept"},
  {"name": "subdomains",   "scope": "*.example.com/**",                "mode": "accept"},
  {"name": "any-host-app", "scope": "*/prod/app",                      "mode": "accept"},
  {"name": "tie-first",    "scope": "a.io/*/app",                      "mode": "accept"},
  {"name": "tie-second",   "scope": "a.io/x/*",                        "mode": "accept"}
]})";

const PrecedenceCase kPrecedence[] = {
    {"registry.example.com/prod/app:1.0", "app-tag"},    // a pinned tag beats the repository
    {"registry.example.com/prod/app:2.0", "app"},        // the named repository beats "prod/*"
    {"other.example.com/prod/app:2.0", "any-host-app"},  // 2 literal segments beat "*.example.com"
    {"registry.example.com/prod/web:1", "prod-one"},     // "*" beats "**" at the same depth
    {"registry.example.com/prod/team/web:1", "prod-tree"},
    {"registry.example.com/dev/x:1", "registry"},
    {"other.example.com/x:1", "subdomains"},  // a host wildcard beats the lone "*"
    {"docker.io/library/debian:12", "any"},
    {"a.io/x/app:1", "tie-first"},  // equally specific: the earlier policy in the file
};

BOOST_DATA_TEST_CASE(most_specific_scope_wins, boost::unit_test::data::make(kPrecedence), c) {
  ParseOptions options;
  auto p = ParsePolicy(kPrecedencePolicy, options);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  const ScopePolicy* sp = SelectPolicy(*p, c.image);
  BOOST_REQUIRE(sp != nullptr);
  BOOST_TEST(sp->name == c.policy);
}

BOOST_AUTO_TEST_CASE(no_matching_scope_selects_nothing) {
  ParseOptions options;
  auto p = ParsePolicy(R"({"version": 1, "policies": [
      {"name": "prod", "scope": "registry.example.com/prod/**", "mode": "accept"}]})",
                       options);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(SelectPolicy(*p, "registry.example.com/dev/app:1") == nullptr);
  BOOST_TEST(SelectPolicy(*p, "registry.example.com/prod/app:1") == &p->policies[0]);
}

BOOST_AUTO_TEST_CASE(specificity_order) {
  // Each pattern is strictly more specific than the next.
  const std::vector<std::string> ordered = {"r.io/a/b/c@" + kDigestA,
                                            "r.io/a/b/c:1",
                                            "r.io/a/b/c",
                                            "r.io/a/b/*",
                                            "r.io/a/b/**",
                                            "r.io/a/**",
                                            "*.io/a/**",
                                            "r.io/**",
                                            "*/a/**",
                                            "*/**",
                                            "*"};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    BOOST_TEST_CONTEXT(ordered[i] << " > " << ordered[i + 1]) {
      BOOST_TEST(ScopeSpecificity(ordered[i]) > ScopeSpecificity(ordered[i + 1]));
    }
  }
  BOOST_TEST(ScopeSpecificity("*") == 0u);
}

// The registry a scope names literally is one `vouch serve` may reach on a loopback address.
BOOST_AUTO_TEST_CASE(scope_registry_only_for_a_literal_host) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"127.0.0.1:5000/**", "127.0.0.1:5000"},
      {"Registry.Example.com/team/app:v1", "registry.example.com"},
      {"localhost/app@" + kDigestA, "localhost"},
      {"*", ""},
      {"*/app", ""},
      {"*.example.com/**", ""},
      {"not a scope", ""},
  };
  for (const auto& [pattern, registry] : cases) {
    BOOST_TEST(ScopeRegistry(pattern) == registry, pattern);
  }
}

BOOST_AUTO_TEST_CASE(base_image_patterns) {
  for (const char* ok : {"docker.io/library/debian@*", "gcr.io/distroless/**", "*", "**",
                         "docker.io/library/debian"}) {
    BOOST_TEST_CONTEXT(ok) { BOOST_TEST(CheckBaseImagePattern(ok).ok()); }
  }
  BOOST_TEST(CheckBaseImagePattern("docker.io/library/debian@" + kDigestA).ok());
  for (const char* bad : {"docker.io/library/debian:12", "debian@*", "docker.io/x@sha256:zz",
                          "docker.io/Library/x@*"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(IsInvalidArgument(CheckBaseImagePattern(bad))); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::policy::testing
