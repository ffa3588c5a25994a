#include "vouch/core/regexp.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

namespace vouch {
namespace {

struct MatchCase {
  std::string pattern;
  std::string text;
  bool matches;       // unanchored: Go's regexp.MatchString
  bool full_matches;  // the whole text
};
std::ostream& operator<<(std::ostream& os, const MatchCase& c) {
  return os << c.pattern << " ~ " << c.text;
}

const MatchCase kMatches[] = {
    // cosign's semantics: a pattern matches a substring unless it is anchored.
    {"github\\.com/acme", "https://github.com/acme/app/.github/workflows/release.yml", true, false},
    {"^https://github\\.com/acme/.*$", "https://github.com/acme/app", true, true},
    {"^https://github\\.com/acme/.*$", "https://evil.example/https://github.com/acme/app", false,
     false},
    {"\\Ahttps://github\\.com/acme/\\z", "https://github.com/acme/", true, true},
    {"\\Ahttps://github\\.com/acme/\\z", "https://github.com/acme/x", false, false},
    {"^a", "ba", false, false},
    {"a$", "ab", false, false},
    {".*@redhat\\.com", "alice@redhat.com", true, true},
    {"", "anything", true, false},
    {"", "", true, true},
    // Go syntax that ECMAScript lacks or spells differently.
    {"(?i)^HTTPS://", "https://x", true, false},
    {"^\\pL+$", "\xC3\xA9t\xC3\xA9", true, true},  // "été": Unicode letters
    {"^[[:digit:]]+$", "2026", true, true},
    {"(?P<org>acme)/app", "github.com/acme/app", true, false},
    {"a.*?b", "aXbYb", true, true},
    // Without (?m), ^ and $ are the ends of the text; '.' does not match a newline; (?s) does.
    {"^a$", "a\nb", false, false},
    {"(?m)^b$", "a\nb", true, false},
    {"a.b", "a\nb", false, false},
    {"(?s)a.b", "a\nb", true, true},
    // Alternation in an anchored pattern: FullMatches treats the pattern as one group.
    {"a|ab", "ab", true, true},
    {"^a|b$", "xb", true, false},
};

BOOST_AUTO_TEST_SUITE(regexp)

BOOST_DATA_TEST_CASE(matches, boost::unit_test::data::make(kMatches), c) {
  Result<Regexp> re = Regexp::Compile(c.pattern);
  BOOST_REQUIRE_MESSAGE(re.ok(), re.status().ToString());
  BOOST_TEST(re->pattern() == c.pattern);
  BOOST_TEST(re->Matches(c.text) == c.matches);
  BOOST_TEST(re->FullMatches(c.text) == c.full_matches);
}

struct BadCase {
  std::string pattern;
  std::string reason;  // part of RE2's message
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.pattern; }

const BadCase kBad[] = {
    {"(", "missing )"},
    {"[a-", "missing ]"},
    {"a**", "bad repetition operator"},
    {"*a", "no argument for repetition operator"},
    {"a{1001}", "invalid repetition size"},
    {"\\", "trailing \\"},
    {"\xFF", "invalid UTF-8"},
    // ECMAScript (std::regex) features that Go's syntax does not have.
    {"(a)\\1", "invalid escape sequence"},
    {"a(?=b)", "invalid perl operator"},
    {"(?<=a)b", "invalid perl operator"},
};

BOOST_DATA_TEST_CASE(rejects, boost::unit_test::data::make(kBad), c) {
  Result<Regexp> re = Regexp::Compile(c.pattern);
  BOOST_REQUIRE(!re.ok());
  BOOST_TEST(IsInvalidArgument(re.status()));
  const std::string msg = re.status().message();
  BOOST_TEST(msg.rfind("bad regular expression \"" + c.pattern + "\": ", 0) == 0u, msg);
  BOOST_TEST(msg.find(c.reason) != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(length_is_capped) {
  BOOST_TEST(Regexp::Compile(std::string(Regexp::kMaxPatternLength, 'a')).ok());
  Result<Regexp> re = Regexp::Compile(std::string(Regexp::kMaxPatternLength + 1, 'a'));
  BOOST_TEST(IsInvalidArgument(re.status()));
  BOOST_TEST(re.status().message().find("longer than 1024 characters") != std::string::npos);
}

// Patterns that make a backtracking engine (std::regex, PCRE) take exponential time or exhaust
// its stack return at once here: RE2 matches in time linear in the input. No timing is
// asserted; a regression would hang (and the suite's timeout would fail it) or crash.
BOOST_AUTO_TEST_CASE(pathological_patterns_return) {
  const std::string text(100000, 'a');
  for (const char* pattern : {"(a*)*b", "(a|aa)*b", "(a+)+$b", "^(a|a?)+$c", "(.*a){20}b"}) {
    Result<Regexp> re = Regexp::Compile(pattern);
    BOOST_REQUIRE_MESSAGE(re.ok(), pattern << ": " << re.status().ToString());
    BOOST_TEST(!re->Matches(text), pattern);
    BOOST_TEST(!re->FullMatches(text), pattern);
  }
  Result<Regexp> re = Regexp::Compile("(a*)*");
  BOOST_REQUIRE(re.ok());
  BOOST_TEST(re->FullMatches(text));
}

BOOST_AUTO_TEST_CASE(copies_share_the_program) {
  Result<Regexp> re = Regexp::Compile("^v[0-9]+$");
  BOOST_REQUIRE(re.ok());
  Regexp copy = *re;
  re = Regexp::Compile("other");  // the original is gone; the copy still works
  BOOST_TEST(copy.Matches("v12"));
  BOOST_TEST(!copy.Matches("v1x"));
  BOOST_TEST(copy.pattern() == "^v[0-9]+$");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch
