// Typed SLSA checks: builder id, source URI and ref matching, max age, and the messages that
// name the failed check.
#include "vouch/verify/slsa.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

namespace vouch::verify {
namespace {

namespace bdata = boost::unit_test::data;
using std::chrono::hours;
using std::chrono::seconds;

const std::string kGen =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
    "generator_container_slsa3.yml";

struct MatchCase {
  std::string recorded;
  std::string expected;
  bool match;
};
std::ostream& operator<<(std::ostream& os, const MatchCase& c) {
  return os << c.recorded << " vs " << c.expected;
}

BOOST_AUTO_TEST_SUITE(slsa)

const MatchCase kBuilderCases[] = {
    {kGen + "@refs/tags/v2.1.0", kGen, true},                        // any version
    {kGen + "@refs/tags/v2.1.0", kGen + "@refs/tags/v2.1.0", true},  // exact version
    {kGen + "@refs/tags/v2.1.0", kGen + "@refs/tags/v2.0.0", false},
    {kGen + "@refs/tags/v2.1.0", kGen + "@v2.1.0", false},
    {kGen + "@refs/tags/v2.1.0", kGen.substr(0, kGen.size() - 4), false},  // prefix is not a match
    {kGen, kGen, true},
    {kGen, kGen + "@refs/tags/v2.1.0", false},
    {"https://github.com/actions/runner/github-hosted", "https://github.com/actions/runner", false},
    {"", kGen, false},
};

BOOST_DATA_TEST_CASE(builder_id, bdata::make(kBuilderCases), c) {
  BOOST_TEST(BuilderIdMatches(c.recorded, c.expected) == c.match);
}

const MatchCase kSourceCases[] = {
    {"git+https://github.com/org/repo", "github.com/org/repo", true},
    {"git+https://github.com/org/repo", "https://github.com/org/repo", true},
    {"git+https://github.com/org/repo", "git+https://github.com/org/repo", true},
    {"git+https://github.com/org/repo@refs/heads/main", "github.com/org/repo", true},
    {"https://github.com/org/repo", "git+https://github.com/org/repo@refs/heads/main", true},
    {"git+https://github.com/org/repo", "github.com/org/repoA", false},
    {"git+https://github.com/org/repo", "Agithub.com/org/repo", false},
    {"git+https://github.com/org/repo", "github.com/Aorg/repo", false},
    {"git+https://github.com/org/repo", "github.com/org/Repo", false},
    {"git+https://github.com/org/repo", "http://github.com/org/repo", false},
    {"git+https://github.com/org/repo", "github.com/org", false},
    {"", "github.com/org/repo", false},
};

BOOST_DATA_TEST_CASE(source_uri, bdata::make(kSourceCases), c) {
  BOOST_TEST(SourceUriMatches(c.recorded, c.expected) == c.match);
}

const MatchCase kRefCases[] = {
    {"refs/heads/main", "refs/heads/main", true},
    {"refs/heads/main", "main", true},
    {"refs/tags/v1.2.3", "v1.2.3", true},
    {"refs/heads/main", "refs/tags/main", false},
    {"refs/heads/main", "master", false},
    {"refs/heads/main", "v1.2.3", false},
    {"refs/heads/main", "heads/main", false},
    {"main", "main", true},
    {"main", "refs/heads/main", false},  // a full ref is exact
    {"", "main", false},
};

BOOST_DATA_TEST_CASE(source_ref, bdata::make(kRefCases), c) {
  BOOST_TEST(SourceRefMatches(c.recorded, c.expected) == c.match);
}

attest::NormalizedProvenance Sample() {
  attest::NormalizedProvenance p;
  p.builder_id = kGen + "@refs/tags/v2.1.0";
  p.source_uri = "git+https://github.com/org/repo";
  p.source_ref = "refs/heads/main";
  p.finished_on = *ParseRfc3339("2026-01-10T00:00:00Z");
  return p;
}

struct CheckCase {
  std::string name;
  SlsaExpectations want;
  std::string mentions;  // "" when it must pass
};
std::ostream& operator<<(std::ostream& os, const CheckCase& c) { return os << c.name; }

SlsaExpectations Want(std::string builder, std::string source, std::string ref,
                      std::optional<seconds> max_age = std::nullopt) {
  SlsaExpectations w;
  for (auto [field, value] : {std::pair{&w.builder_ids, std::move(builder)},
                              std::pair{&w.source_uris, std::move(source)},
                              std::pair{&w.source_refs, std::move(ref)}}) {
    if (!value.empty()) {
      field->push_back(value);
    }
  }
  w.max_age = max_age;
  w.now = *ParseRfc3339("2026-01-11T00:00:00Z");  // one day after the build
  return w;
}

const CheckCase kChecks[] = {
    {"nothing requested", Want("", "", ""), ""},
    {"all pass", Want(kGen, "github.com/org/repo", "main", hours(48)), ""},
    {"wrong builder", Want(kGen + "x", "", ""), "builder id \"" + kGen + "@refs/tags/v2.1.0\""},
    {"wrong source", Want("", "github.com/org/other", ""),
     "source \"git+https://github.com/org/repo\" does not match the expected "
     "\"github.com/org/other\""},
    {"wrong ref", Want("", "", "refs/heads/dev"),
     "ref \"refs/heads/main\" does not match the expected \"refs/heads/dev\""},
    {"ref in the source uri", Want("", "github.com/org/repo@refs/tags/v1", ""),
     "ref \"refs/heads/main\" does not match the expected \"refs/tags/v1\""},
    {"stale", Want("", "", "", hours(12)),
     "attestation is older than 12h: the build finished at 2026-01-10T00:00:00Z"},
    {"exactly max age is fine", Want("", "", "", hours(24)), ""},
};

BOOST_DATA_TEST_CASE(check_provenance, bdata::make(kChecks), c) {
  Status st = CheckProvenance(Sample(), c.want);
  if (c.mentions.empty()) {
    BOOST_TEST(st.ok(), st.ToString());
  } else {
    BOOST_TEST(IsVerificationFailed(st), st.ToString());
    BOOST_TEST(st.message().find(c.mentions) != std::string::npos, st.message());
  }
}

BOOST_AUTO_TEST_CASE(max_age_uses_start_time_then_fails_without_times) {
  attest::NormalizedProvenance p = Sample();
  p.finished_on.reset();
  p.started_on = *ParseRfc3339("2026-01-01T00:00:00Z");
  Status st = CheckProvenance(p, Want("", "", "", hours(48)));
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message() ==
             "attestation is older than 2d: the build started at 2026-01-01T00:00:00Z");
  p.started_on.reset();
  st = CheckProvenance(p, Want("", "", "", hours(48)));
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("records no build start or finish time") != std::string::npos);
}

// The one matcher serves flags (one pattern) and policies (lists of globs) alike, and the "@ref"
// of a source pattern is always checked (it was once ignored for policies).
BOOST_AUTO_TEST_CASE(pattern_lists_globs_and_source_refs) {
  attest::NormalizedProvenance p = Sample();
  SlsaExpectations w;
  w.builder_ids = {"https://example.com/other", "https://github.com/slsa-framework/*"};
  w.source_uris = {"git+https://github.com/org/*"};
  w.source_refs = {"refs/tags/v*", "main"};
  BOOST_TEST(CheckProvenance(p, w).ok(), CheckProvenance(p, w).ToString());
  w.source_uris = {"git+https://github.com/org/*@refs/heads/dev"};
  Status st = CheckProvenance(p, w);
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message() ==
                 "ref \"refs/heads/main\" does not match the expected \"refs/heads/dev\" (from "
                 "the source URI)",
             st.message());
  // Another pattern of the list without a ref (or with the right one) still admits it.
  w.source_uris.push_back("github.com/org/repo@refs/heads/main");
  BOOST_TEST(CheckProvenance(p, w).ok(), CheckProvenance(p, w).ToString());
  w.builder_ids = {"https://example.com/a", "https://example.com/b"};
  st = CheckProvenance(p, w);
  BOOST_TEST(st.message().find("does not match any of the expected \"https://example.com/a\", "
                               "\"https://example.com/b\"") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(missing_recorded_fields_fail) {
  attest::NormalizedProvenance p;
  p.builder_id = "b";
  Status st = CheckProvenance(p, Want("", "github.com/org/repo", ""));
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("source (none recorded)") != std::string::npos, st.message());
  st = CheckProvenance(p, Want("", "", "main"));
  BOOST_TEST(st.message().find("ref (none recorded)") != std::string::npos, st.message());
}

struct AgeCase {
  std::string text;
  int64_t seconds;  // 0: invalid
};
std::ostream& operator<<(std::ostream& os, const AgeCase& c) { return os << c.text; }

const AgeCase kAges[] = {{"90s", 90},    {"30m", 1800},      {"12h", 43200},  {"7d", 604800},
                         {"1.5h", 5400}, {"1w", 604800},     {"1h30m", 5400}, {"0d", 0},
                         {"-1h", 0},     {"h", 0},           {"12", 0},       {"1500ms", 0},
                         {"", 0},        {"99999999999d", 0}};

BOOST_DATA_TEST_CASE(parse_max_age, bdata::make(kAges), c) {
  Result<seconds> s = ParseMaxAge(c.text);
  if (c.seconds == 0) {
    BOOST_TEST(IsInvalidArgument(s.status()));
  } else {
    BOOST_REQUIRE(s.ok());
    BOOST_TEST(s->count() == c.seconds);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify
