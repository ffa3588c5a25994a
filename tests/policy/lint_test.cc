// Lint: every malformed policy is refused with each error located by its JSON pointer.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "policy/policy_test_util.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace vouch::policy::testing {
namespace {

// Doc builds a policy file from its parts; the defaults are valid.
std::string Doc(const std::string& policies = R"([{"name": "p", "scope": "*",
                    "signatures": {"authorities": ["a"]}}])",
                const std::string& authorities = R"({"a": {"key": {"path": "release.pub"}}})",
                const std::string& extra = "") {
  return R"({"version": 1, "authorities": )" + authorities + R"(, "policies": )" + policies +
         extra + "}";
}
// Att builds a policy with one attestation requirement.
std::string Att(const std::string& attestation) {
  return Doc(R"([{"name": "p", "scope": "*", "attestations": [)" + attestation + "]}]");
}

struct LintCase {
  std::string name;
  std::string text;
  std::string path;      // JSON pointer of the expected finding
  std::string fragment;  // part of its message
};
std::ostream& operator<<(std::ostream& os, const LintCase& c) { return os << c.name; }

const std::string kHex = std::string(64, 'a');

const LintCase kCases[] = {
    // The document.
    {"not json", "{\"version\": 1,", "", "not valid JSON"},
    {"not yaml", "version: [1\n", "", "not valid YAML"},
    {"empty", "  \n", "", "empty"},
    {"two yaml documents", "version: 1\n---\nversion: 1\n", "", "one is expected"},
    {"not an object", "[1, 2]", "", "must be an object"},
    {"unknown top-level field", Doc().substr(0, Doc().size() - 1) + R"(, "defaults": {}})",
     "/defaults", "unknown field"},
    {"duplicate top-level field", R"({"version": 1, "version": 1, "policies": []})", "/version",
     "duplicate field"},
    {"duplicate nested field (json)",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept", "mode": "reject"}])"),
     "/policies/0/mode", "duplicate field"},
    {"duplicate nested field (yaml)",
     "version: 1\npolicies:\n  - name: p\n    scope: '*'\n    mode: accept\n    mode: reject\n",
     "/policies/0/mode", "duplicate field (line 6)"},
    {"version missing", R"({"policies": [{"name": "p", "scope": "*", "mode": "accept"}]})",
     "/version", "is required"},
    {"version 2", R"({"version": 2, "policies": [{"name": "p", "scope": "*", "mode": "accept"}]})",
     "/version", "unsupported version 2"},
    {"version as string",
     R"({"version": "1", "policies": [{"name": "p", "scope": "*", "mode": "accept"}]})", "/version",
     "must be an integer"},
    // Authorities.
    {"authorities not an object", Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", "[]"),
     "/authorities", "must be an object"},
    {"authority of no kind",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({"a": {}})"), "/authorities/a",
     "needs one of key or keyless or x509"},
    {"authority of two kinds",
     Doc(Doc().substr(0, 0) + R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"path": "release.pub"}, "x509": {"roots": ["release.pub"]}}})"),
     "/authorities/a/x509", "give only one of key or keyless or x509"},
    {"unknown authority kind field",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"path": "release.pub"}, "pgp": {}}})"),
     "/authorities/a/pgp", "unknown field"},
    {"empty key set",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({"a": {"key": {"paths": []}}})"),
     "/authorities/a/key/paths", "at least one"},
    {"key without source",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({"a": {"key": {}}})"),
     "/authorities/a/key", "needs one of path or paths or data"},
    {"key path and data",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"path": "release.pub", "data": "x"}}})"),
     "/authorities/a/key/data", "give only one"},
    {"unreadable key file",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"path": "missing.pub"}}})"),
     "/authorities/a/key/path", "cannot read key file"},
    {"malformed key file",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"paths": ["release.pub", "garbage.pub"]}}})"),
     "/authorities/a/key/paths/1", "not a usable public key"},
    {"private key file",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"path": "private.key"}}})"),
     "/authorities/a/key/path", "holds a private key"},
    {"malformed key data",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"a": {"key": {"data": "-----BEGIN PUBLIC KEY-----"}}})"),
     "/authorities/a/key/data", "not a usable public key"},
    {"key path not a string",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({"a": {"key": {"path": 7}}})"),
     "/authorities/a/key/path", "must be a string, got an integer"},
    {"keyless without issuer",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identity": "me@example.com"}}})"),
     "/authorities/k/keyless", "needs one of issuer or issuerRegExp"},
    {"keyless identity twice",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identity": "a", "identityRegExp": "b", "issuer": "c"}}})"),
     "/authorities/k/keyless/identityRegExp", "give only one of identity or identityRegExp"},
    {"keyless bad regexp",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identityRegExp": "(", "issuer": "c"}}})"),
     "/authorities/k/keyless/identityRegExp", "bad regular expression"},
    {"keyless regexp with a backreference (not Go syntax)",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identity": "a", "issuerRegExp": "^(a)\\1$"}}})"),
     "/authorities/k/keyless/issuerRegExp", "invalid escape sequence"},
    {"x509 regexp with a lookahead (not Go syntax)",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"x": {"x509": {"roots": ["release.pub"], "sanRegExp": "^(?=a).*$"}}})"),
     "/authorities/x/x509/sanRegExp", "bad regular expression"},
    {"keyless unknown github claim",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identity": "a", "issuer": "c", "github": {"branch": "main"}}}})"),
     "/authorities/k/keyless/github/branch", "unknown field"},
    {"keyless trusted root missing",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"k": {"keyless": {"identity": "a", "issuer": "c", "trustedRoot": "nope.json"}}})"),
     "/authorities/k/keyless/trustedRoot", "does not exist"},
    {"x509 without roots",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"x": {"x509": {"san": "a@b"}}})"),
     "/authorities/x/x509/roots", "is required"},
    {"x509 subject twice",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])",
         R"({"x": {"x509": {"roots": ["release.pub"], "subject": "a", "subjectRegExp": "b"}}})"),
     "/authorities/x/x509/subjectRegExp", "give only one"},
    // Policies.
    {"policies missing", R"({"version": 1})", "/policies", "is required"},
    {"policies empty", Doc("[]"), "/policies", "at least one"},
    {"policies not an array", Doc("{}"), "/policies", "must be an array"},
    {"policy not an object", Doc("[7]"), "/policies/0", "must be an object"},
    {"name missing", Doc(R"([{"scope": "*", "mode": "accept"}])"), "/policies/0/name",
     "is required"},
    {"name wrong type", Doc(R"([{"name": 5, "scope": "*", "mode": "accept"}])"), "/policies/0/name",
     "must be a string"},
    {"duplicate policy names", Doc(R"([{"name": "p", "scope": "a.io/x", "mode": "accept"},
             {"name": "p", "scope": "a.io/y", "mode": "accept"}])"),
     "/policies/1/name", "duplicate policy name \"p\" (also /policies/0)"},
    {"duplicate scopes", Doc(R"([{"name": "p", "scope": "a.io/x", "mode": "accept"},
             {"name": "q", "scope": "a.io/x", "mode": "reject"}])"),
     "/policies/1/scope", "only the first would ever apply"},
    {"unknown policy field", Doc(R"([{"name": "p", "scope": "*", "mode": "accept", "when": 1}])"),
     "/policies/0/when", "unknown field"},
    {"scope missing", Doc(R"([{"name": "p", "mode": "accept"}])"), "/policies/0/scope",
     "is required"},
    {"scope without host", Doc(R"([{"name": "p", "scope": "app", "mode": "accept"}])"),
     "/policies/0/scope", "needs a registry host"},
    {"scope uppercase path",
     Doc(R"([{"name": "p", "scope": "registry.example.com/App", "mode": "accept"}])"),
     "/policies/0/scope", "bad path segment \"App\""},
    {"scope partial wildcard",
     Doc(R"([{"name": "p", "scope": "registry.example.com/app-*", "mode": "accept"}])"),
     "/policies/0/scope", "stand alone"},
    {"scope empty segment",
     Doc(R"([{"name": "p", "scope": "registry.example.com//app", "mode": "accept"}])"),
     "/policies/0/scope", "empty path segment"},
    {"scope bad digest",
     Doc(R"([{"name": "p", "scope": "registry.example.com/app@sha256:12", "mode": "accept"}])"),
     "/policies/0/scope", "bad digest"},
    {"scope empty tag",
     Doc(R"([{"name": "p", "scope": "registry.example.com/app:", "mode": "accept"}])"),
     "/policies/0/scope", "empty tag"},
    {"scope host only",
     Doc(R"([{"name": "p", "scope": "registry.example.com/", "mode": "accept"}])"),
     "/policies/0/scope", "empty path segment"},
    {"unknown mode", Doc(R"([{"name": "p", "scope": "*", "mode": "enforcing"}])"),
     "/policies/0/mode", "unknown mode \"enforcing\""},
    {"unknown platforms",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept", "platforms": "some"}])"),
     "/policies/0/platforms", "unknown platforms value"},
    {"unknown failurePolicy",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept", "failurePolicy": "maybe"}])"),
     "/policies/0/failurePolicy", "unknown failurePolicy"},
    {"unknown fetchFailure",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept", "fetchFailure": "allow"}])"),
     "/policies/0/fetchFailure", "unknown fetchFailure"},
    {"enforce without requirements", Doc(R"([{"name": "p", "scope": "*"}])"), "/policies/0",
     "needs at least one requirement"},
    {"audit without requirements", Doc(R"([{"name": "p", "scope": "*", "mode": "audit"}])"),
     "/policies/0", "needs at least one requirement"},
    // Signatures.
    {"threshold 0",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a"], "threshold": 0}}])"),
     "/policies/0/signatures/threshold", "at least 1"},
    {"threshold above authorities",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a"], "threshold": 2}}])"),
     "/policies/0/signatures/threshold", "is 2 but only 1 authorities are listed"},
    {"threshold not an integer",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a"], "threshold": 1.5}}])"),
     "/policies/0/signatures/threshold", "must be an integer"},
    {"unknown authority referenced",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a", "b"]}}])"),
     "/policies/0/signatures/authorities/1", "unknown authority \"b\""},
    {"authority listed twice",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a", "a"]}}])"),
     "/policies/0/signatures/authorities/1", "listed twice"},
    {"no authorities listed",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": []}}])"),
     "/policies/0/signatures/authorities", "at least one"},
    {"annotation not a string", Doc(R"([{"name": "p", "scope": "*",
              "signatures": {"authorities": ["a"], "annotations": {"env": 1}}}])"),
     "/policies/0/signatures/annotations/env", "must be a string"},
    {"unknown signatures field",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a"], "keys": []}}])"),
     "/policies/0/signatures/keys", "unknown field"},
    // Attestations.
    {"attestations not an array",
     Doc(R"([{"name": "p", "scope": "*", "attestations": {"type": "vuln"}}])"),
     "/policies/0/attestations", "must be an array"},
    {"unknown type", Att(R"({"type": "sbom", "authorities": ["a"]})"),
     "/policies/0/attestations/0/type", "unknown predicate type \"sbom\""},
    {"type missing", Att(R"({"authorities": ["a"]})"), "/policies/0/attestations/0/type",
     "is required"},
    {"attestation authorities missing", Att(R"({"type": "vuln"})"),
     "/policies/0/attestations/0/authorities", "is required"},
    {"attestation unknown authority", Att(R"({"type": "vuln", "authorities": ["zz"]})"),
     "/policies/0/attestations/0/authorities/0", "unknown authority"},
    {"maxAge zero", Att(R"({"type": "vuln", "authorities": ["a"], "maxAge": "0d"})"),
     "/policies/0/attestations/0/maxAge", "bad duration"},
    {"maxAge without unit", Att(R"({"type": "vuln", "authorities": ["a"], "maxAge": "30"})"),
     "/policies/0/attestations/0/maxAge", "bad duration"},
    {"maxAge below a second", Att(R"({"type": "vuln", "authorities": ["a"], "maxAge": "1500ms"})"),
     "/policies/0/attestations/0/maxAge", "whole number of seconds"},
    {"maxAge number", Att(R"({"type": "vuln", "authorities": ["a"], "maxAge": 30})"),
     "/policies/0/attestations/0/maxAge", "must be a string"},
    {"slsa on a vuln requirement",
     Att(R"({"type": "vuln", "authorities": ["a"], "slsa": {"builderIds": ["x"]}})"),
     "/policies/0/attestations/0/slsa", "applies only to SLSA provenance"},
    {"unknown slsa field",
     Att(R"({"type": "slsaprovenance", "authorities": ["a"], "slsa": {"builder": "x"}})"),
     "/policies/0/attestations/0/slsa/builder", "unknown field"},
    {"slsa builderIds not a list",
     Att(R"({"type": "slsaprovenance", "authorities": ["a"], "slsa": {"builderIds": "x"}})"),
     "/policies/0/attestations/0/slsa/builderIds", "must be an array of strings"},
    {"slsa buildLevel 4",
     Att(R"({"type": "slsaprovenance", "authorities": ["a"], "slsa": {"buildLevel": 4}})"),
     "/policies/0/attestations/0/slsa/buildLevel", "must be 1, 2 or 3"},
    {"vulnerabilities on provenance", Att(R"({"type": "slsaprovenance", "authorities": ["a"],
             "vulnerabilities": {"maxSeverity": "low"}})"),
     "/policies/0/attestations/0/vulnerabilities", "applies only to vulnerability"},
    {"unknown severity",
     Att(R"({"type": "vuln", "authorities": ["a"], "vulnerabilities": {"maxSeverity": "severe"}})"),
     "/policies/0/attestations/0/vulnerabilities/maxSeverity", "unknown severity \"severe\""},
    {"ignore entry not a string",
     Att(R"({"type": "vuln", "authorities": ["a"], "vulnerabilities": {"ignore": [1]}})"),
     "/policies/0/attestations/0/vulnerabilities/ignore/0", "must be a string"},
    {"vsa field on provenance",
     Att(R"({"type": "slsaprovenance", "authorities": ["a"], "policy": "production"})"),
     "/policies/0/attestations/0/policy", "applies only to type vsa"},
    {"bad vsa level", Att(R"({"type": "vsa", "authorities": ["a"], "minLevel": "SLSA_BUILD_3"})"),
     "/policies/0/attestations/0/minLevel", "bad level"},
    {"unknown attestation field", Att(R"({"type": "vuln", "authorities": ["a"], "age": "1d"})"),
     "/policies/0/attestations/0/age", "unknown field"},
    // Base images.
    {"baseImages without provenance",
     Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a"]},
              "baseImages": {"allowed": ["gcr.io/distroless/**"]}}])"),
     "/policies/0/baseImages", "add an attestation requirement of type slsaprovenance"},
    {"baseImages with a tag", Doc(R"([{"name": "p", "scope": "*",
              "attestations": [{"type": "slsaprovenance", "authorities": ["a"]}],
              "baseImages": {"allowed": ["docker.io/library/debian:12"]}}])"),
     "/policies/0/baseImages/allowed/0", "not a tag"},
    {"baseImages bad digest", Doc(R"([{"name": "p", "scope": "*",
              "attestations": [{"type": "slsaprovenance", "authorities": ["a"]}],
              "baseImages": {"allowed": ["docker.io/library/debian@sha256:zz"]}}])"),
     "/policies/0/baseImages/allowed/0", "after '@'"},
    {"baseImages empty", Doc(R"([{"name": "p", "scope": "*",
              "attestations": [{"type": "slsaprovenance", "authorities": ["a"]}],
              "baseImages": {"allowed": []}}])"),
     "/policies/0/baseImages/allowed", "at least one"},
    // Deny.
    {"deny bad digest",
     Doc(Doc().substr(0, 0) + R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({})",
         R"(, "deny": {"digests": ["sha256:12"]})"),
     "/deny/digests/0", "wrong length"},
    {"deny digest uppercase",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({})",
         R"(, "deny": {"digests": ["sha256:)" + std::string(64, 'A') + R"("]})"),
     "/deny/digests/0", ""},
    {"deny bad key id",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({})",
         R"(, "deny": {"keyIds": ["abc"]})"),
     "/deny/keyIds/0", "bad key id"},
    {"deny unknown field",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({})",
         R"(, "deny": {"identities": []})"),
     "/deny/identities", "unknown field"},
    {"deny not an object",
     Doc(R"([{"name": "p", "scope": "*", "mode": "accept"}])", R"({})", R"(, "deny": [])"), "/deny",
     "must be an object"},
};

BOOST_AUTO_TEST_SUITE(policy_lint)

BOOST_DATA_TEST_CASE(malformed_policy_is_located, boost::unit_test::data::make(kCases), c) {
  KeyDir dir;
  std::vector<LintFinding> findings;
  auto p = Parse(c.text, dir, &findings);
  BOOST_TEST(IsInvalidArgument(p.status()));
  bool found = false;
  std::string all;
  for (const LintFinding& f : findings) {
    all += f.path + ": " + f.message + "\n";
    found = found || (f.path == c.path && f.message.find(c.fragment) != std::string::npos &&
                      f.severity == Severity::kError);
  }
  BOOST_TEST(found, "expected " << c.path << ": ..." << c.fragment << "... in:\n" << all);
  // The Status message lists the same findings as "PATH: message" lines.
  if (!c.path.empty()) {
    BOOST_TEST(p.status().message().find("\n" + c.path + ": ") != std::string::npos);
  }
}

// JsonString quotes |s| as a JSON string.
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    out += (c == '\\' || c == '"') ? std::string("\\") + c : std::string(1, c);
  }
  return out + "\"";
}

struct AnchorCase {
  std::string pattern;
  bool anchored;
};
std::ostream& operator<<(std::ostream& os, const AnchorCase& c) { return os << c.pattern; }

const AnchorCase kAnchorCases[] = {
    {"^https://github\\.com/acme/.*$", true},
    {"\\Ahttps://github\\.com/acme/app\\z", true},
    {"^https://a$|^https://b$", true},
    {"^https://(a|b)/.*$", true},
    {"(?i)^https://github\\.com/acme$", true},
    {"(?m)\\Aa\\z", true},
    {"^a[|]b$", true},
    {"^a\\|b$", true},
    {"^a\\\\$", true},  // an escaped backslash, then the $ operator
    {"https://github\\.com/acme/.*", false},
    {"^https://github\\.com/acme/", false},
    {"github\\.com/acme$", false},
    {"^a|b$", false},  // "xb" and "ax" match
    {"^a$|b", false},
    {"^a\\$", false},    // a literal '$'
    {"(?m)^a$", false},  // ^ and $ match at every line
    {"(^a$)", false},    // anchored in fact, but not written the way lint reads
    {"acme", false},
};

// An identity regexp that is not anchored is a warning, not an error: the policy loads.
BOOST_DATA_TEST_CASE(unanchored_regexp_is_a_warning, boost::unit_test::data::make(kAnchorCases),
                     c) {
  KeyDir dir;
  const std::string text =
      Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["k"]}}])",
          R"({"k": {"keyless": {"identityRegExp": )" + JsonString(c.pattern) +
              R"(, "issuer": "https://issuer.example"}}})");
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  if (c.anchored) {
    BOOST_TEST(findings.empty());
    return;
  }
  BOOST_REQUIRE(findings.size() == 1u);
  BOOST_TEST((findings[0].severity == Severity::kWarning));
  BOOST_TEST(findings[0].path == "/authorities/k/keyless/identityRegExp");
  BOOST_TEST(findings[0].message.find("is not anchored") != std::string::npos);
  BOOST_TEST(
      FormatFinding(findings[0])
          .rfind("/authorities/k/keyless/identityRegExp: warning: regular expression \"", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(every_regexp_field_is_checked_for_anchors) {
  KeyDir dir;
  const std::string text =
      Doc(R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["k", "x"]}}])",
          R"({"k": {"keyless": {"identity": "a@example.com", "issuerRegExp": "example"}},
              "x": {"x509": {"roots": ["release.pub"], "subjectRegExp": "CN=Team",
                             "sanRegExp": "^team@example\\.com$"}}})");
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_REQUIRE(findings.size() == 2u);
  BOOST_TEST(findings[0].path == "/authorities/k/keyless/issuerRegExp");
  BOOST_TEST(findings[1].path == "/authorities/x/x509/subjectRegExp");
  for (const LintFinding& f : findings) {
    BOOST_TEST((f.severity == Severity::kWarning));
  }
}

// A sourceUris entry with "@ref" is enforced as a ref: lint says to write sourceRefs instead.
BOOST_AUTO_TEST_CASE(source_uri_with_a_ref_is_a_warning) {
  KeyDir dir;
  const std::string text = Att(R"({"type": "slsaprovenance", "authorities": ["a"],
      "slsa": {"sourceUris": ["git+https://github.com/acme/lib",
                              "git+https://github.com/acme/app@refs/heads/main",
                              "ssh://git@github.com/acme/tool"]}})");
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_REQUIRE(findings.size() == 1u);  // user info ("git@") is not a ref
  BOOST_TEST((findings[0].severity == Severity::kWarning));
  BOOST_TEST(findings[0].path == "/policies/0/attestations/0/slsa/sourceUris/1");
  BOOST_TEST(findings[0].message.find("carries the ref \"refs/heads/main\"") != std::string::npos,
             findings[0].message);
  BOOST_TEST(findings[0].message.find(
                 "prefer \"git+https://github.com/acme/app\" here and \"sourceRefs\": "
                 "[\"refs/heads/main\"]") != std::string::npos,
             findings[0].message);
}

// CompressedPem re-encodes a P-256 "PUBLIC KEY" PEM with the compressed point (02|03 || X), as
// `openssl ec -pubin -conv_form compressed -pubout` writes it: another encoding of the same key.
std::string CompressedPem(const std::string& pem) {
  auto v = keys::Verifier::FromPem(pem);
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  const Bytes& spki = v->SpkiDer();  // 30 59 … 03 42 00 04 || X || Y
  BOOST_REQUIRE_EQUAL(spki.size(), 91u);
  static constexpr uint8_t kPrefix[] = {0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00};
  Bytes der(std::begin(kPrefix), std::end(kPrefix));
  der.push_back((spki[90] & 1) != 0 ? 0x03 : 0x02);
  der.insert(der.end(), spki.begin() + 27, spki.begin() + 59);
  const std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN PUBLIC KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64) + "\n";
  }
  return out + "-----END PUBLIC KEY-----\n";
}

// A key held by two authorities (the same file, or the same key in another encoding) is one
// signer: lint warns at the second holder's key, and the policy stays valid.
const char* const kSharedKeyFiles[] = {"release.pub", "compressed.pub"};

BOOST_DATA_TEST_CASE(key_shared_by_two_authorities_is_a_warning,
                     boost::unit_test::data::make(kSharedKeyFiles), file) {
  KeyDir dir;
  dir.Write("compressed.pub", CompressedPem(ReadText(dir.File("release.pub"))));
  const std::string text = Doc(
      R"([{"name": "p", "scope": "*", "signatures": {"authorities": ["a", "b"], "threshold": 2}}])",
      R"({"a": {"key": {"path": "release.pub"}},
          "b": {"key": {"paths": ["ci-a.pub", ")" + std::string(file) + R"("]}}})");
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_REQUIRE_EQUAL(findings.size(), 1u);
  BOOST_TEST((findings[0].severity == Severity::kWarning));
  BOOST_TEST(findings[0].path == "/authorities/b/key/paths/1");
  BOOST_TEST(findings[0].message.find("holds key " + dir.KeyId("release.pub").substr(0, 16) +
                                      "…, which authority \"a\" also holds") != std::string::npos,
             findings[0].message);
  BOOST_TEST(findings[0].message.find("counted once toward a threshold") != std::string::npos);
}

// Errors and warnings together: the policy is invalid because of the errors; the findings hold
// both, the Status message only the errors.
BOOST_AUTO_TEST_CASE(warnings_do_not_count_as_errors) {
  KeyDir dir;
  const std::string text =
      "version: 1\n"
      "authorities:\n"
      "  k: {keyless: {identityRegExp: acme, issuer: 'https://issuer.example'}}\n"
      "policies:\n"
      "  - {name: p, scope: '*', mode: x, signatures: {authorities: [k]}}\n";
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_TEST(IsInvalidArgument(p.status()));
  BOOST_REQUIRE(findings.size() == 2u);
  BOOST_TEST((findings[0].severity == Severity::kWarning));
  BOOST_TEST(findings[0].message.find("(line 3)") != std::string::npos, findings[0].message);
  BOOST_TEST((findings[1].severity == Severity::kError));
  BOOST_TEST(p.status().message().find("invalid policy (1 error)") != std::string::npos);
  BOOST_TEST(p.status().message().find("/policies/0/mode: unknown mode") != std::string::npos);
  BOOST_TEST(p.status().message().find("not anchored") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_error_is_reported_at_once) {
  KeyDir dir;
  const std::string text = R"({"version": 2, "colour": "blue",
    "authorities": {"a": {"key": {"path": "missing.pub"}}, "b": {}},
    "policies": [
      {"name": "p", "scope": "App", "mode": "strict",
       "signatures": {"authorities": ["a", "zz"], "threshold": 5},
       "attestations": [{"type": "nope", "authorities": ["a"], "maxAge": "1y"}]},
      {"name": "p", "scope": "*", "mode": "reject", "platforms": "every"}],
    "deny": {"digests": ["md5:1"], "keyIds": ["x"]}})";
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_TEST(IsInvalidArgument(p.status()));
  const std::vector<std::string> expected = {"/version",
                                             "/colour",
                                             "/authorities/a/key/path",
                                             "/authorities/b",
                                             "/policies/0/scope",
                                             "/policies/0/mode",
                                             "/policies/0/signatures/authorities/1",
                                             "/policies/0/signatures/threshold",
                                             "/policies/0/attestations/0/type",
                                             "/policies/0/attestations/0/maxAge",
                                             "/policies/1/platforms",
                                             "/policies/1/name",
                                             "/deny/digests/0",
                                             "/deny/keyIds/0"};
  BOOST_TEST(findings.size() == expected.size());
  for (const std::string& path : expected) {
    bool found = std::any_of(findings.begin(), findings.end(),
                             [&](const LintFinding& f) { return f.path == path; });
    BOOST_TEST(found, path);
  }
}

BOOST_AUTO_TEST_CASE(yaml_and_json_report_the_same_paths) {
  KeyDir dir;
  std::vector<LintFinding> from_json;
  std::vector<LintFinding> from_yaml;
  (void)Parse(R"({"version": 1, "policies": [{"name": "p", "scope": "*", "mode": "x",
                  "attestations": [{"type": "vuln", "authorities": ["q"], "maxAge": "7"}]}]})",
              dir, &from_json);
  (void)Parse(
      "version: 1\npolicies:\n- name: p\n  scope: '*'\n  mode: x\n  attestations:\n"
      "  - type: vuln\n    authorities: [q]\n    maxAge: '7'\n",
      dir, &from_yaml);
  BOOST_REQUIRE(from_json.size() == 3u);
  BOOST_REQUIRE(from_yaml.size() == from_json.size());
  for (size_t i = 0; i < from_json.size(); ++i) {
    BOOST_TEST(from_json[i].path == from_yaml[i].path);
    BOOST_TEST(from_yaml[i].message.rfind(from_json[i].message, 0) == 0u);  // + " (line N)"
    BOOST_TEST(from_yaml[i].message.find("(line ") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::policy::testing
