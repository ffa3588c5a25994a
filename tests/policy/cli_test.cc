// `vouch policy lint|explain` exit codes and output; Explain; the JSON Schema kept in sync with
// the parser.
#include <boost/test/unit_test.hpp>
#include <set>

#include "core/internal/json.h"
#include "policy/policy_test_util.h"

namespace vouch::policy::testing {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(policy_cli)

BOOST_AUTO_TEST_CASE(explain_names_the_scope_the_losers_and_each_requirement) {
  KeyDir dir;
  auto p = Parse(kExampleJson, dir);
  BOOST_REQUIRE(p.ok());
  std::string text = Explain(*p, "registry.example.com/prod/app:1.0");
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(
      Contains(text, "policy: production (scope registry.example.com/prod/**, /policies/0)"));
  BOOST_TEST(Contains(text, "also matches, less specific: default (scope *)"));
  BOOST_TEST(Contains(text, "mode: enforce"));
  BOOST_TEST(Contains(text, "at least 1 of 1 authorities: release (1 key " +
                                dir.KeyId("release.pub").substr(0, 12)));
  BOOST_TEST(Contains(text,
                      "attestation slsaprovenance (https://slsa.dev/provenance/v1, "
                      "https://slsa.dev/provenance/v0.2), signed by one of: ci (2 keys"));
  BOOST_TEST(Contains(text, "at most 30d old"));
  BOOST_TEST(Contains(text, "builder id matches one of: https://github.com/acme/builder/*"));
  BOOST_TEST(Contains(text, "source ref matches one of: refs/heads/main, refs/tags/v*"));
  BOOST_TEST(Contains(text, "nothing above medium, ignoring CVE-2024-0001"));
  BOOST_TEST(Contains(text, "docker.io/library/debian@*, gcr.io/distroless/**"));
  BOOST_TEST(Contains(text, "platforms: all"));

  text = Explain(*p, "docker.io/library/debian:12");
  BOOST_TEST(Contains(text, "policy: default (scope *, /policies/1)"));
  BOOST_TEST(Contains(text, "mode: reject: the image is rejected without checks"));
  BOOST_TEST(!Contains(text, "requires:"));

  p->policies.pop_back();  // no catch-all any more
  text = Explain(*p, "docker.io/library/debian:12");
  BOOST_TEST(Contains(text, "no scope matches: the image is rejected"));
}

BOOST_AUTO_TEST_CASE(lint_ok_invalid_unreadable) {
  KeyDir dir;
  std::string good = dir.Write("policy.json", kExampleJson);
  auto r = Vouch({"policy", "lint", good});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Contains(r.out, good + ": ok (sha256:"));
  BOOST_TEST(Contains(r.out, "production  scope registry.example.com/prod/**  mode enforce"));

  std::string yaml = dir.Write("policy.yaml", kExampleYaml);
  r = Vouch({"policy", "lint", yaml});
  BOOST_TEST(r.exit_code == 0, r.err);

  std::string bad = dir.Write(
      "bad.json", R"({"version": 1, "policies": [{"name": "p", "scope": "*", "mode": "x"}],
                      "deny": {"digests": ["sha256:1"]}})");
  r = Vouch({"policy", "lint", bad});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(Contains(r.out, bad + ":/policies/0/mode: unknown mode \"x\""));
  BOOST_TEST(Contains(r.out, bad + ":/deny/digests/0: "));
  BOOST_TEST(Contains(r.err, "invalid policy (2 errors)"));

  r = Vouch({"policy", "lint", dir.File("missing.json")});
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(Contains(r.err, "missing.json"));
  r = Vouch({"policy", "lint", dir.path()});  // a directory: a usage error, said plainly
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(Contains(r.err, "is a directory"));
}

BOOST_AUTO_TEST_CASE(lint_json_output) {
  KeyDir dir;
  std::string bad =
      dir.Write("bad.yaml", "version: 1\npolicies:\n  - name: p\n    scope: '*'\n    mode: x\n");
  auto r = Vouch({"policy", "lint", "--output", "json", bad});
  BOOST_TEST(r.exit_code == 2);
  auto j = ParseJson(r.out, "lint output");
  BOOST_REQUIRE_MESSAGE(j.ok(), r.out);
  BOOST_TEST((*j)["valid"].get<bool>() == false);
  BOOST_REQUIRE((*j)["findings"].size() == 1u);
  BOOST_TEST((*j)["findings"][0]["path"].get<std::string>() == "/policies/0/mode");
  BOOST_TEST((*j)["findings"][0]["severity"].get<std::string>() == "error");
  BOOST_TEST(Contains((*j)["findings"][0]["message"].get<std::string>(), "(line 5)"));

  std::string good = dir.Write("policy.json", kExampleJson);
  r = Vouch({"policy", "lint", "-o", "json", good});
  BOOST_TEST(r.exit_code == 0);
  j = ParseJson(r.out, "lint output");
  BOOST_REQUIRE_MESSAGE(j.ok(), r.out);
  BOOST_TEST((*j)["valid"].get<bool>() == true);
  BOOST_TEST((*j)["findings"].empty());
  BOOST_TEST((*j)["policies"][0]["name"].get<std::string>() == "production");
  BOOST_TEST((*j)["digest"].get<std::string>().rfind("sha256:", 0) == 0u);
}

// Warnings alone: printed as FILE:PATH: warning: message, and the policy is valid (exit 0).
BOOST_AUTO_TEST_CASE(lint_warnings) {
  KeyDir dir;
  std::string warned = dir.Write("warned.yaml", R"(version: 1
authorities:
  gh:
    keyless:
      identityRegExp: 'https://github\.com/acme/'
      issuer: https://token.actions.githubusercontent.com
policies:
  - name: p
    scope: '*'
    signatures: {authorities: [gh]}
    attestations:
      - type: slsaprovenance
        authorities: [gh]
        slsa: {sourceUris: ['git+https://github.com/acme/app@refs/heads/main']}
)");
  auto r = Vouch({"policy", "lint", warned});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(Contains(r.out, warned + ":/authorities/gh/keyless/identityRegExp: warning: regular "
                                      "expression \"https://github\\.com/acme/\" is not anchored"),
             r.out);
  BOOST_TEST(
      Contains(r.out, warned + ":/policies/0/attestations/0/slsa/sourceUris/0: warning: source "
                               "URI \"git+https://github.com/acme/app@refs/heads/main\""),
      r.out);
  BOOST_TEST(Contains(r.out, "(line 5)"), r.out);
  BOOST_TEST(Contains(r.out, warned + ": ok (sha256:"), r.out);

  r = Vouch({"policy", "lint", "--output", "json", warned});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
  auto j = ParseJson(r.out, "lint output");
  BOOST_REQUIRE_MESSAGE(j.ok(), r.out);
  BOOST_TEST((*j)["valid"].get<bool>() == true);
  BOOST_REQUIRE((*j)["findings"].size() == 2u);
  for (const auto& f : (*j)["findings"]) {
    BOOST_TEST(f["severity"].get<std::string>() == "warning");
  }
  BOOST_TEST((*j)["findings"][1]["path"].get<std::string>() ==
             "/policies/0/attestations/0/slsa/sourceUris/0");

  // The gates load it: warnings never stop a verification.
  r = Vouch({"policy", "explain", warned, "registry.example.com/app:1"});
  BOOST_TEST(r.exit_code == 0, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(explain_command) {
  KeyDir dir;
  std::string good = dir.Write("policy.json", kExampleJson);
  auto r = Vouch({"policy", "explain", good, "registry.example.com/prod/app:1.0"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Contains(r.out, "policy: production"));
  // Short names are normalized before matching: "debian" is docker.io/library/debian:latest.
  r = Vouch({"policy", "explain", good, "debian"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Contains(r.out, "image: docker.io/library/debian:latest"));
  BOOST_TEST(Contains(r.out, "policy: default"));
  r = Vouch({"policy", "explain", good, "Not A Reference"});
  BOOST_TEST(r.exit_code == 2);
  std::string bad = dir.Write("bad.json", R"({"version": 3, "policies": []})");
  r = Vouch({"policy", "explain", bad, "debian"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(Contains(r.err, "/version: unsupported version 3"));
  r = Vouch({"policy", "explain", dir.File("missing.json"), "debian"});
  BOOST_TEST(r.exit_code == 3);
}

BOOST_AUTO_TEST_CASE(usage_errors) {
  BOOST_TEST(Vouch({"policy"}).exit_code == 2);
  BOOST_TEST(Vouch({"policy", "frobnicate"}).exit_code == 2);
  BOOST_TEST(Vouch({"policy", "lint"}).exit_code == 2);
  BOOST_TEST(Vouch({"policy", "lint", "--output", "xml", "p.json"}).exit_code == 2);
  BOOST_TEST(Vouch({"policy", "explain", "p.json"}).exit_code == 2);
  BOOST_TEST(Vouch({"policy", "--help"}).exit_code == 0);
}

// The schema names exactly the fields the parser accepts, object by object. When a field is
// added to the parser, add it to the schema, to docs/policy.md and here.
BOOST_AUTO_TEST_CASE(json_schema_matches_the_parser) {
  std::string text = ReadText(vouch::testing::SourceDir() + "/policy/schema/policy.schema.json");
  auto schema = ParseJson(text, "policy.schema.json");
  BOOST_REQUIRE_MESSAGE(schema.ok(), schema.status().ToString());
  BOOST_TEST((*schema)["$schema"].get<std::string>() ==
             "https://json-schema.org/draft/2020-12/schema");
  auto keys_of = [](const Json& obj) {
    std::set<std::string> out;
    for (const auto& [k, v] : obj["properties"].items()) {
      out.insert(k);
    }
    BOOST_TEST(obj["additionalProperties"].get<bool>() == false);
    return out;
  };
  using Set = std::set<std::string>;
  BOOST_TEST(keys_of(*schema) == (Set{"version", "authorities", "policies", "deny", "admission"}));
  const Json& defs = (*schema)["$defs"];
  BOOST_TEST(keys_of(defs["authority"]) == (Set{"key", "keyless", "x509", "notation"}));
  BOOST_TEST(keys_of(defs["notationAuthority"]) ==
             (Set{"trustPolicy", "trustStores", "trustedIdentities", "signatureVerification",
                  "trustStore"}));
  BOOST_TEST(keys_of(defs["keyAuthority"]) == (Set{"path", "paths", "data"}));
  BOOST_TEST(keys_of(defs["keylessAuthority"]) == (Set{"identity", "identityRegExp", "issuer",
                                                       "issuerRegExp", "trustedRoot", "github"}));
  BOOST_TEST(keys_of(defs["githubClaims"]) == (Set{"repository", "ref", "sha", "trigger", "name"}));
  BOOST_TEST(keys_of(defs["x509Authority"]) ==
             (Set{"roots", "intermediates", "subject", "subjectRegExp", "san", "sanRegExp"}));
  BOOST_TEST(keys_of(defs["policy"]) == (Set{"name", "scope", "mode", "signatures", "attestations",
                                             "baseImages", "platforms", "failurePolicy",
                                             "fetchFailure"}));
  BOOST_TEST(keys_of(defs["signatures"]) == (Set{"authorities", "threshold", "annotations"}));
  BOOST_TEST(keys_of(defs["attestation"]) ==
             (Set{"type", "authorities", "maxAge", "slsa", "vulnerabilities", "policy",
                  "verifierId", "minLevel"}));
  BOOST_TEST(keys_of(defs["slsa"]) ==
             (Set{"builderIds", "sourceUris", "sourceRefs", "buildLevel"}));
  BOOST_TEST(keys_of(defs["vulnerabilities"]) == (Set{"maxSeverity", "ignore"}));
  BOOST_TEST(keys_of(defs["baseImages"]) == (Set{"allowed"}));
  BOOST_TEST(keys_of(defs["deny"]) == (Set{"digests", "keyIds"}));
  BOOST_TEST(keys_of(defs["admission"]) == (Set{"unknownKinds"}));
  // Enumerations match the parser's.
  auto enum_of = [](const Json& j) {
    std::set<std::string> out;
    for (const Json& v : j["enum"]) {
      out.insert(v.get<std::string>());
    }
    return out;
  };
  BOOST_TEST(enum_of(defs["policy"]["properties"]["mode"]) ==
             (Set{"enforce", "audit", "accept", "reject"}));
  BOOST_TEST(enum_of(defs["policy"]["properties"]["platforms"]) == (Set{"all", "index"}));
  BOOST_TEST(enum_of(defs["policy"]["properties"]["failurePolicy"]) == (Set{"deny", "allow"}));
  BOOST_TEST(enum_of(defs["admission"]["properties"]["unknownKinds"]) == (Set{"deny", "allow"}));
  BOOST_TEST(enum_of(defs["policy"]["properties"]["fetchFailure"]) == (Set{"deny", "warn"}));
  BOOST_TEST(enum_of(defs["vulnerabilities"]["properties"]["maxSeverity"]) ==
             (Set{"none", "low", "medium", "high", "critical"}));
  // Every field the schema names is one the parser knows: an object carrying each of them
  // produces no "unknown field" finding (other findings are expected: the values are dummies).
  auto no_unknown = [](const std::string& doc) {
    std::vector<LintFinding> findings;
    ParseOptions options;
    options.load_keys = false;
    (void)ParsePolicy(doc, options, &findings);
    for (const LintFinding& f : findings) {
      BOOST_TEST(!Contains(f.message, "unknown field"), f.path << ": " << f.message);
    }
  };
  no_unknown(R"({"version": 1, "authorities": {}, "policies": [], "deny": {},
                 "admission": {"unknownKinds": "deny"}})");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::policy::testing
