// in-toto attestation framework conformance: every case of
// ${VOUCH_VECTORS}/in-toto-attestation/validation-cases.json (extracted from the upstream Go tests
// at commit 051624ce) must get the upstream verdict, and an invalid case must fail with
// kInvalidArgument naming the rule that the upstream Go error names.
#define BOOST_TEST_MODULE vouch_conformance_in_toto
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>

#include "core/internal/json.h"
#include "testutil/testutil.h"
#include "vouch/attest/statement.h"

namespace vouch::attest {
namespace {

// The vector file holds 26 cases: 8 valid and 18 invalid (its README).
constexpr size_t kExpectedCases = 26;
constexpr size_t kExpectedValid = 8;
constexpr size_t kExpectedInvalid = 18;

// Upstream Go error -> the phrase vouch's message must contain for the same rule.
const std::map<std::string, std::string> kRulePhrase = {
    {"ErrInvalidStatementType", "invalid statement type"},
    {"ErrSubjectRequired", "subject is required"},
    {"ErrRDRequiredField", "needs at least one of name, uri, digest"},
    {"ErrDigestRequired", "has no digest"},
    {"ErrPredicateTypeRequired", "predicateType is required"},
    {"ErrPredicateRequired", "predicate is required"},
    {"ErrInvalidDigestEncoding", "invalid digest encoding"},
    {"ErrIncorrectDigestLength", "incorrect digest length"},
    {"ErrBuildDefinitionRequired", "buildDefinition is required"},
    {"ErrBuildTypeRequired", "buildDefinition.buildType is required"},
    {"ErrExternalParamsRequired", "buildDefinition.externalParameters is required"},
    {"ErrRunDetailsRequired", "runDetails is required"},
    {"ErrBuilderRequired", "runDetails.builder is required"},
    {"ErrBuilderIdRequired", "runDetails.builder.id is required"},
};

// Check runs one case through the vouch API for its kind; an unknown kind fails the test.
Status Check(const std::string& kind, const std::string& json) {
  if (kind == "Statement") {
    auto st = Statement::Parse(json);
    if (st.ok()) {
      // A statement vouch accepts must survive its own serialization.
      auto again = Statement::Parse(st->Serialize());
      BOOST_TEST(again.ok(), "re-parse of serialized statement: " << again.status().ToString());
      if (again.ok()) {
        BOOST_TEST(again->Serialize() == st->Serialize());
      }
    }
    return st.status();
  }
  if (kind == "ResourceDescriptor") {
    return ParseResourceDescriptor(json).status();
  }
  if (kind == "SLSAProvenanceV1Predicate") {
    return ValidateSlsaProvenanceV1(json);
  }
  BOOST_FAIL("unknown case kind " << kind);
  return InternalError("unreachable");
}

std::string Field(const Json& obj, const char* name) {
  auto s = GetString(obj, name, "validation case");
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

BOOST_AUTO_TEST_CASE(validation_cases) {
  const std::string path = testing::VectorsDir() + "/in-toto-attestation/validation-cases.json";
  auto doc = ParseJson(testing::ReadText(path), "validation-cases.json");
  BOOST_REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
  for (const auto& [name, value] : doc->items()) {
    BOOST_TEST((name == "source" || name == "note" || name == "cases"),
               "unexpected top-level field " << name);
  }
  auto cases = GetArray(*doc, "cases", "validation-cases.json");
  BOOST_REQUIRE(cases.ok());

  const std::set<std::string> known_fields = {"kind", "name", "json", "expect", "go_error",
                                              "upstream_assertion"};
  size_t run = 0;
  size_t valid = 0;
  size_t invalid = 0;
  for (const Json& c : **cases) {
    BOOST_REQUIRE(c.is_object());
    for (const auto& [name, value] : c.items()) {
      BOOST_TEST(known_fields.count(name) == 1u, "unexpected case field " << name);
    }
    const std::string kind = Field(c, "kind");
    const std::string name = Field(c, "name");
    const std::string expect = Field(c, "expect");
    BOOST_TEST_CONTEXT(kind << " / " << name) {
      Status s = Check(kind, Field(c, "json"));
      if (expect == "valid") {
        BOOST_TEST(s.ok(), s.ToString());
        ++valid;
      } else if (expect == "invalid") {
        const std::string go_error = Field(c, "go_error");
        auto phrase = kRulePhrase.find(go_error);
        BOOST_REQUIRE_MESSAGE(phrase != kRulePhrase.end(), "no rule mapped for " << go_error);
        BOOST_TEST(IsInvalidArgument(s), s.ToString());
        BOOST_TEST(s.message().find(phrase->second) != std::string::npos,
                   "want \"" << phrase->second << "\" (" << go_error << ") in: " << s.message());
        ++invalid;
      } else {
        BOOST_FAIL("unknown expect value " << expect);
      }
    }
    ++run;
  }
  BOOST_TEST_MESSAGE("in-toto validation cases run: " << run << " (" << valid << " valid, "
                                                      << invalid << " invalid)");
  BOOST_TEST(run == kExpectedCases);
  BOOST_TEST(valid == kExpectedValid);
  BOOST_TEST(invalid == kExpectedInvalid);
}

}  // namespace
}  // namespace vouch::attest
