#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

namespace vouch::attest {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kHex = "a1234567b1234567c1234567d1234567e1234567f1234567a1234567b1234567";

std::string StatementWith(const std::string& subject, const std::string& type = std::string(
                                                          kStatementTypeV1)) {
  return R"({"_type":")" + type + R"(","subject":[)" + subject +
         R"(],"predicateType":"https://example.test/p","predicate":{"z":1,"a":{"k":[1,2]}}})";
}

BOOST_AUTO_TEST_SUITE(statement)

BOOST_AUTO_TEST_CASE(parse_full_v1) {
  auto st = Statement::Parse(StatementWith(
      R"({"name":"ghcr.io/org/app","digest":{"sha256":")" + kHex +
      R"(","custom":"Whatever=="},"annotations":{"b":"2","a":{"n":1}}},)"
      R"({"uri":"https://example.com/x","content":"aGk=","downloadLocation":"https://d",)"
      R"("mediaType":"text/plain",)"
      R"("digest":{"gitCommit":"a1234567b1234567c1234567d1234567e1234567"}})"));
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  BOOST_TEST(st->type() == kStatementTypeV1);
  BOOST_REQUIRE(st->subjects().size() == 2u);
  const ResourceDescriptor& a = st->subjects()[0];
  BOOST_TEST(a.name == "ghcr.io/org/app");
  BOOST_TEST(a.digest.at("sha256") == kHex);
  BOOST_TEST(a.digest.at("custom") == "Whatever==");
  BOOST_TEST(a.annotations_json == R"({"b":"2","a":{"n":1}})");  // original key order
  const ResourceDescriptor& b = st->subjects()[1];
  BOOST_TEST(b.uri == "https://example.com/x");
  BOOST_TEST(AsChars(b.content) == "hi");
  BOOST_TEST(b.download_location == "https://d");
  BOOST_TEST(b.media_type == "text/plain");
  BOOST_TEST(st->predicate_type() == "https://example.test/p");
  BOOST_TEST(st->predicate_json() == R"({"z":1,"a":{"k":[1,2]}})");
}

BOOST_AUTO_TEST_CASE(v01_is_read_and_preserved) {
  auto st = Statement::Parse(
      StatementWith(R"({"name":"x","digest":{"sha256":")" + kHex + R"("}})",
                    std::string(kStatementTypeV01)));
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(st->type() == kStatementTypeV01);
  BOOST_TEST(st->Serialize().find(R"("_type":"https://in-toto.io/Statement/v0.1")") == 1u);
}

BOOST_AUTO_TEST_CASE(serialize_round_trip_and_order) {
  const std::string in =
      R"({"predicate":{"z":1,"a":{}},"predicateType":"p","unknown":true,)"
      R"("subject":[{"annotations":{"k":"v"},"digest":{"sha512":")" +
      kHex + kHex + R"(","sha256":")" + kHex + R"("},"name":"n"}],)"
      R"("_type":"https://in-toto.io/Statement/v1"})";
  auto st = Statement::Parse(in);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  const std::string out = st->Serialize();
  BOOST_TEST(out == R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"n","digest":)"
                    R"({"sha256":")" + kHex + R"(","sha512":")" + kHex + kHex +
                        R"("},"annotations":{"k":"v"}}],"predicateType":"p",)"
                        R"("predicate":{"z":1,"a":{}}})");
  auto again = Statement::Parse(out);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->Serialize() == out);
  BOOST_TEST((again->subjects() == st->subjects()));
}

struct BadStatement {
  std::string name;
  std::string json;
  std::string rule;  // a phrase the error message must contain
};
std::ostream& operator<<(std::ostream& os, const BadStatement& c) { return os << c.name; }

const std::string kGood = R"({"name":"s","digest":{"sha256":")" + kHex + R"("}})";
const std::vector<BadStatement> kBadStatements = {
    {"not json", "{", "not valid JSON"},
    {"not an object", "[]", "must be a JSON object"},
    {"missing _type",
     R"({"subject":[)" + kGood + R"(],"predicateType":"p","predicate":{}})",
     "invalid statement type"},
    {"_type v0.2", StatementWith(kGood, "https://in-toto.io/Statement/v0.2"),
     "invalid statement type"},
    {"_type with trailing slash", StatementWith(kGood, "https://in-toto.io/Statement/v1/"),
     "invalid statement type"},
    {"_type not a string",
     R"({"_type":1,"subject":[)" + kGood + R"(],"predicateType":"p","predicate":{}})",
     "invalid statement type"},
    {"missing subject", R"({"_type":"https://in-toto.io/Statement/v1","predicateType":"p",)"
                        R"("predicate":{}})",
     "subject is required"},
    {"subject not an array",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":)" + kGood +
         R"(,"predicateType":"p","predicate":{}})",
     "subject is required"},
    {"empty subject", StatementWith(""), "subject is required"},
    {"subject not an object", StatementWith(R"("sha256:00")"),
     "subject[0]: resource descriptor must be a JSON object"},
    {"subject without name, uri, digest", StatementWith(R"({"mediaType":"x"})"),
     "subject[0]: resource descriptor needs at least one of name, uri, digest"},
    {"second subject without digest", StatementWith(kGood + R"(,{"name":"n"})"),
     "subject[1]: has no digest"},
    {"empty digest object", StatementWith(R"({"name":"n","digest":{}})"), "has no digest"},
    {"digest not an object", StatementWith(R"({"name":"n","digest":"sha256:00"})"),
     "digest must be a JSON object"},
    {"digest value not a string", StatementWith(R"({"digest":{"sha256":1}})"),
     "digest sha256 must be a string"},
    {"sha256 uppercase",
     StatementWith(R"({"digest":{"sha256":")" +
                   std::string("A1234567B1234567C1234567D1234567E1234567F1234567A1234567B1234567") +
                   R"("}})"),
     "invalid digest encoding"},
    {"sha256 non-hex", StatementWith(R"({"digest":{"sha256":"badDigest"}})"),
     "invalid digest encoding"},
    {"sha256 short", StatementWith(R"({"digest":{"sha256":"abc123"}})"),
     "incorrect digest length"},
    {"sha512 given a sha256 value", StatementWith(R"({"digest":{"sha512":")" + kHex + R"("}})"),
     "incorrect digest length"},
    {"gitCommit short", StatementWith(R"({"digest":{"gitCommit":"abc123"}})"),
     "incorrect digest length"},
    {"name not a string", StatementWith(R"({"name":5,"digest":{"sha256":")" + kHex + R"("}})"),
     "name must be a string"},
    {"content not base64",
     StatementWith(R"({"content":"!!","digest":{"sha256":")" + kHex + R"("}})"),
     "content is not valid base64"},
    {"annotations not an object",
     StatementWith(R"({"annotations":[],"digest":{"sha256":")" + kHex + R"("}})"),
     "annotations must be a JSON object"},
    {"missing predicateType",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":[)" + kGood + R"(],"predicate":{}})",
     "predicateType is required"},
    {"empty predicateType",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":[)" + kGood +
         R"(],"predicateType":"","predicate":{}})",
     "predicateType is required"},
    {"missing predicate",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":[)" + kGood +
         R"(],"predicateType":"p"})",
     "predicate is required"},
    {"null predicate",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":[)" + kGood +
         R"(],"predicateType":"p","predicate":null})",
     "predicate is required"},
    {"array predicate",
     R"({"_type":"https://in-toto.io/Statement/v1","subject":[)" + kGood +
         R"(],"predicateType":"p","predicate":[]})",
     "predicate is required to be a JSON object"},
};

BOOST_DATA_TEST_CASE(parse_rejects, bdata::make(kBadStatements), c) {
  auto st = Statement::Parse(c.json);
  BOOST_REQUIRE(!st.ok());
  BOOST_TEST(IsInvalidArgument(st.status()), st.status().ToString());
  BOOST_TEST(st.status().message().find(c.rule) != std::string::npos, st.status().message());
}

BOOST_AUTO_TEST_CASE(parse_bounds) {
  std::string huge(kMaxStatementSize + 1, ' ');
  BOOST_TEST(IsResourceExhausted(Statement::Parse(huge).status()));
  std::string subjects;
  for (size_t i = 0; i <= kMaxSubjects; ++i) {
    subjects += (i == 0 ? "" : ",") + kGood;
  }
  BOOST_TEST(IsResourceExhausted(Statement::Parse(StatementWith(subjects)).status()));
}

BOOST_AUTO_TEST_CASE(cosign_sign_statement_shape) {
  Digest d = Digest::Of(AsBytes("image"));
  auto plain = CosignSignStatement(d);
  BOOST_REQUIRE(plain.ok());
  const std::string want = R"({"_type":"https://in-toto.io/Statement/v1","subject":[)"
                           R"({"digest":{"sha256":")" +
                           d.Hex() +
                           R"("}}],"predicateType":"https://sigstore.dev/cosign/sign/v1",)"
                           R"("predicate":{}})";
  BOOST_TEST(plain->Serialize() == want);
  auto annotated = CosignSignStatement(d, {{"env", "prod"}, {"commit", "abc"}});
  BOOST_REQUIRE(annotated.ok());
  BOOST_TEST(annotated->Serialize().find(
                 R"("annotations":{"commit":"abc","env":"prod"}}])") != std::string::npos,
             annotated->Serialize());
  auto ann = StringAnnotations(annotated->subjects()[0]);
  BOOST_REQUIRE(ann.ok());
  BOOST_TEST(ann->at("env") == "prod");
  BOOST_TEST(annotated->subjects()[0].name.empty());
  BOOST_TEST(SubjectMatches(*annotated, d));
}

BOOST_AUTO_TEST_CASE(create_validates_like_parse) {
  ResourceDescriptor nameless;
  BOOST_TEST(IsInvalidArgument(Statement::Create({nameless}, "p", "{}").status()));
  ResourceDescriptor named;
  named.name = "n";
  auto no_digest = Statement::Create({named}, "p", "{}");
  BOOST_TEST(no_digest.status().message().find("has no digest") != std::string::npos);
  named.digest["sha256"] = kHex;
  BOOST_TEST(Statement::Create({named}, "p", "{}").ok());
  BOOST_TEST(IsInvalidArgument(Statement::Create({named}, "", "{}").status()));
  BOOST_TEST(IsInvalidArgument(Statement::Create({named}, "p", "[]").status()));
  BOOST_TEST(IsInvalidArgument(Statement::Create({named}, "p", "{").status()));
  BOOST_TEST(IsInvalidArgument(
      Statement::Create({named}, "p", "{}", "https://in-toto.io/Statement/v2").status()));
  named.annotations_json = "[1]";
  BOOST_TEST(IsInvalidArgument(Statement::Create({named}, "p", "{}").status()));
  BOOST_TEST(IsInvalidArgument(Statement::Create({}, "p", "{}").status()));
}

BOOST_AUTO_TEST_CASE(subject_matching_by_digest_only) {
  Digest d = Digest::Of(AsBytes("image"));
  Digest other = Digest::Of(AsBytes("other"));
  Digest d512 = Digest::Of(AsBytes("image"), HashAlgorithm::kSha512);
  auto st = Statement::Parse(StatementWith(
      R"({"name":"a","digest":{"sha256":")" + other.Hex() + R"("}},)"
      R"({"name":"_","digest":{"sha512":")" + d512.Hex() + R"(","sha256":")" + d.Hex() +
      R"("}})"));
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(SubjectMatches(*st, d));
  BOOST_TEST(SubjectMatches(*st, other));
  BOOST_TEST(SubjectMatches(*st, d512));
  BOOST_TEST(!SubjectMatches(*st, Digest::Of(AsBytes("nope"))));
  // The algorithm must agree: a sha384 of the same bytes is a different digest.
  BOOST_TEST(!SubjectMatches(*st, Digest::Of(AsBytes("image"), HashAlgorithm::kSha384)));
  // A digest stored only under a custom algorithm name never matches.
  auto custom = Statement::Parse(StatementWith(R"({"digest":{"SHA256":")" + d.Hex() + R"("}})"));
  BOOST_REQUIRE(custom.ok());
  BOOST_TEST(!SubjectMatches(*custom, d));
}

struct NameCase {
  std::string name;
  std::string uri;
};
std::ostream& operator<<(std::ostream& os, const NameCase& c) { return os << c.name; }
const std::vector<NameCase> kNames = {
    {"custom", "https://cosign.sigstore.dev/attestation/v1"},
    {"slsaprovenance", "https://slsa.dev/provenance/v1"},
    {"slsaprovenance02", "https://slsa.dev/provenance/v0.2"},
    {"slsaprovenance1", "https://slsa.dev/provenance/v1"},
    {"spdx", "https://spdx.dev/Document"},
    {"spdxjson", "https://spdx.dev/Document"},
    {"cyclonedx", "https://cyclonedx.org/bom"},
    {"cyclonedxxml", "https://cyclonedx.org/bom"},
    {"link", "https://in-toto.io/Link/v1"},
    {"vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"},
    {"openvex", "https://openvex.dev/ns"},
    {"vsa", "https://slsa.dev/verification_summary/v1"},
    {"https://example.com/p/v1", "https://example.com/p/v1"},
    {"urn+x://whatever", "urn+x://whatever"},
};

BOOST_DATA_TEST_CASE(predicate_short_names, bdata::make(kNames), c) {
  auto uri = PredicateTypeFromName(c.name);
  BOOST_REQUIRE(uri.ok());
  BOOST_TEST(*uri == c.uri);
}

BOOST_AUTO_TEST_CASE(predicate_unknown_names) {
  BOOST_TEST(IsInvalidArgument(PredicateTypeFromName("").status()));
  BOOST_TEST(IsInvalidArgument(PredicateTypeFromName("SLSAProvenance").status()));
  BOOST_TEST(IsInvalidArgument(PredicateTypeFromName("example.com/p").status()));
}

BOOST_AUTO_TEST_CASE(slsa_v1_predicate_checks) {
  const std::string good =
      R"({"buildDefinition":{"buildType":"bt","externalParameters":{}},)"
      R"("runDetails":{"builder":{"id":"https://builder"}}})";
  BOOST_TEST(ValidateSlsaProvenanceV1(good).ok());
  BOOST_TEST(IsInvalidArgument(ValidateSlsaProvenanceV1("[]")));
  Status bad_dep = ValidateSlsaProvenanceV1(
      R"({"buildDefinition":{"buildType":"bt","externalParameters":{},)"
      R"("resolvedDependencies":[{"digest":{"sha256":"00"}}]},)"
      R"("runDetails":{"builder":{"id":"https://builder"}}})");
  BOOST_TEST(IsInvalidArgument(bad_dep));
  BOOST_TEST(bad_dep.message().find("resolvedDependencies[0]") != std::string::npos,
             bad_dep.message());

  ResourceDescriptor subject;
  subject.digest["sha256"] = kHex;
  auto st = Statement::Create({subject}, std::string(kSlsaProvenanceV1), R"({"runDetails":{}})");
  BOOST_REQUIRE(st.ok());  // the statement layer does not look inside the predicate
  BOOST_TEST(IsInvalidArgument(ValidatePredicate(*st)));
  auto other = Statement::Create({subject}, "https://example.test/p", R"({"runDetails":{}})");
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(ValidatePredicate(*other).ok());
}

BOOST_AUTO_TEST_CASE(resource_descriptor_alone) {
  auto rd = ParseResourceDescriptor(R"({"name":"n"})");
  BOOST_REQUIRE(rd.ok());
  BOOST_TEST(rd->name == "n");
  BOOST_TEST(IsInvalidArgument(ParseResourceDescriptor(R"({"mediaType":"m"})").status()));
  BOOST_TEST(AnnotationsJson({}) == "");
  BOOST_TEST(AnnotationsJson({{"b", "1"}, {"a", "2"}}) == R"({"a":"2","b":"1"})");
  ResourceDescriptor mixed;
  mixed.annotations_json = R"({"a":1})";
  BOOST_TEST(IsInvalidArgument(StringAnnotations(mixed).status()));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::attest
