// The issue's example policy parses as written, in JSON and in YAML, into the same model.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <random>

#include "policy/policy_test_util.h"
#include "vouch/attest/statement.h"

namespace vouch::policy::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

void CheckExample(const Policy& p, const KeyDir& dir) {
  BOOST_TEST(p.version == 1);
  BOOST_REQUIRE(p.authorities.size() == 3u);
  const Authority& release = p.authorities.at("release");
  BOOST_TEST(release.name == "release");
  BOOST_TEST((release.kind == AuthorityKind::kKey));
  BOOST_REQUIRE(release.keys.size() == 1u);
  BOOST_TEST(release.keys[0].KeyId() == dir.KeyId("release.pub"));
  BOOST_REQUIRE(release.key_paths.size() == 1u);
  BOOST_TEST(release.key_paths[0] == dir.File("release.pub"));  // relative to the policy folder
  const Authority& ci = p.authorities.at("ci");
  BOOST_REQUIRE(ci.keys.size() == 2u);
  BOOST_TEST(ci.keys[0].KeyId() == dir.KeyId("ci-a.pub"));
  BOOST_TEST(ci.keys[1].KeyId() == dir.KeyId("ci-b.pub"));

  BOOST_REQUIRE(p.policies.size() == 2u);
  const ScopePolicy& prod = p.policies[0];
  BOOST_TEST(prod.name == "production");
  BOOST_TEST(prod.scope == "registry.example.com/prod/**");
  BOOST_TEST(prod.json_path == "/policies/0");
  BOOST_TEST((prod.mode == Mode::kEnforce));
  BOOST_TEST((prod.platforms == Platforms::kAll));
  BOOST_TEST((prod.failure_policy == FailurePolicy::kDeny));
  BOOST_TEST((prod.fetch_failure == FetchFailure::kDeny));
  BOOST_REQUIRE(prod.signatures.has_value());
  BOOST_TEST(prod.signatures->authorities == std::vector<std::string>{"release"});
  BOOST_TEST(prod.signatures->threshold == 1u);
  BOOST_REQUIRE(prod.attestations.size() == 2u);

  const AttestationRequirement& prov = prod.attestations[0];
  BOOST_TEST(prov.type == "slsaprovenance");
  BOOST_TEST(prov.predicate_types ==
             (std::vector<std::string>{std::string(attest::kSlsaProvenanceV1),
                                       std::string(attest::kSlsaProvenanceV02)}));
  BOOST_TEST(prov.authorities == std::vector<std::string>{"ci"});
  BOOST_REQUIRE(prov.max_age.has_value());
  BOOST_TEST(prov.max_age->count() == seconds(hours(24 * 30)).count());
  BOOST_REQUIRE(prov.slsa.has_value());
  BOOST_TEST(prov.slsa->builder_ids ==
             std::vector<std::string>{"https://github.com/acme/builder/*"});
  BOOST_TEST(prov.slsa->source_uris == std::vector<std::string>{"git+https://github.com/acme/*"});
  BOOST_TEST(prov.slsa->source_refs ==
             (std::vector<std::string>{"refs/heads/main", "refs/tags/v*"}));
  BOOST_TEST(prov.slsa->build_level == 0);
  BOOST_TEST(!prov.vulnerabilities.has_value());
  BOOST_TEST(!prov.vsa.has_value());

  const AttestationRequirement& vuln = prod.attestations[1];
  BOOST_TEST(vuln.type == "vuln");
  BOOST_TEST(vuln.predicate_types ==
             (std::vector<std::string>{"https://cosign.sigstore.dev/attestation/vuln/v1",
                                       "https://in-toto.io/attestation/vulns/v0.1",
                                       "https://in-toto.io/attestation/vulns/v0.2"}));
  BOOST_TEST(vuln.max_age->count() == seconds(hours(24 * 7)).count());
  BOOST_REQUIRE(vuln.vulnerabilities.has_value());
  BOOST_TEST(vuln.vulnerabilities->max_severity == "medium");
  BOOST_TEST(vuln.vulnerabilities->ignore == std::vector<std::string>{"CVE-2024-0001"});

  BOOST_REQUIRE(prod.base_images.has_value());
  BOOST_TEST(prod.base_images->allowed ==
             (std::vector<std::string>{"docker.io/library/debian@*", "gcr.io/distroless/**"}));

  const ScopePolicy& def = p.policies[1];
  BOOST_TEST(def.name == "default");
  BOOST_TEST(def.scope == "*");
  BOOST_TEST((def.mode == Mode::kReject));
  BOOST_TEST(!def.signatures.has_value());
  BOOST_TEST(def.attestations.empty());
  BOOST_TEST(p.deny.digests.empty());
  BOOST_TEST(p.deny.key_ids.empty());
}

BOOST_AUTO_TEST_SUITE(policy_parse)

BOOST_AUTO_TEST_CASE(issue_example_json) {
  KeyDir dir;
  std::vector<LintFinding> findings;
  auto p = Parse(kExampleJson, dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(findings.empty());
  CheckExample(*p, dir);
  BOOST_TEST(p->digest.ToString() ==
             Digest::Of(ByteView(reinterpret_cast<const uint8_t*>(kExampleJson),
                                 std::string_view(kExampleJson).size()))
                 .ToString());
}

BOOST_AUTO_TEST_CASE(issue_example_yaml) {
  KeyDir dir;
  auto p = Parse(kExampleYaml, dir);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  CheckExample(*p, dir);
}

BOOST_AUTO_TEST_CASE(load_policy_resolves_keys_next_to_the_file_and_hashes_its_bytes) {
  KeyDir dir;
  std::string file = dir.Write("policy.yaml", kExampleYaml);
  auto p = LoadPolicy(file);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  CheckExample(*p, dir);
  BOOST_TEST(p->source == file);
  BOOST_TEST(p->digest.ToString() ==
             Digest::Of(ByteView(reinterpret_cast<const uint8_t*>(kExampleYaml),
                                 std::string_view(kExampleYaml).size()))
                 .ToString());
}

BOOST_AUTO_TEST_CASE(load_policy_keeps_io_errors) {
  KeyDir dir;
  std::vector<LintFinding> findings;
  auto p = LoadPolicy(dir.File("missing.json"), &findings);
  BOOST_TEST((p.status().code() == ErrorCode::kNotFound));
  BOOST_TEST(findings.empty());
}

BOOST_AUTO_TEST_CASE(structure_only_without_keys) {
  ParseOptions options;
  options.load_keys = false;
  auto p = ParsePolicy(kExampleJson, options);  // the key files do not exist here
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->authorities.at("ci").keys.empty());
  BOOST_TEST(p->authorities.at("ci").key_paths ==
             (std::vector<std::string>{"ci-a.pub", "ci-b.pub"}));
}

// admission.unknownKinds: what vouch serve answers for a kind whose images it cannot read;
// deny (fail closed) unless the policy says allow.
BOOST_AUTO_TEST_CASE(admission_unknown_kinds) {
  ParseOptions options;
  options.load_keys = false;
  const std::string head =
      R"({"version":1,"policies":[{"name":"all","scope":"*","mode":"reject"}])";
  auto absent = ParsePolicy(head + "}", options);
  BOOST_REQUIRE_MESSAGE(absent.ok(), absent.status().ToString());
  BOOST_TEST((absent->admission.unknown_kinds == UnknownKinds::kDeny));
  auto allow = ParsePolicy(head + R"(,"admission":{"unknownKinds":"allow"}})", options);
  BOOST_REQUIRE_MESSAGE(allow.ok(), allow.status().ToString());
  BOOST_TEST((allow->admission.unknown_kinds == UnknownKinds::kAllow));
  auto deny = ParsePolicy(head + R"(,"admission":{"unknownKinds":"deny"}})", options);
  BOOST_REQUIRE(deny.ok());
  BOOST_TEST((deny->admission.unknown_kinds == UnknownKinds::kDeny));
  BOOST_TEST(Summarize(*allow).find("admission: unknownKinds allow") != std::string::npos);
  for (const std::string bad : {R"({"unknownKinds":"maybe"})", R"({"unknownKind":"allow"})",
                                R"({"unknownKinds":true})", R"("deny")"}) {
    std::vector<LintFinding> findings;
    auto p = ParsePolicy(head + R"(,"admission":)" + bad + "}", options, &findings);
    BOOST_TEST(!p.ok(), bad);
    bool located = false;
    for (const LintFinding& f : findings) {
      located = located || f.path.rfind("/admission", 0) == 0;
    }
    BOOST_TEST(located, bad);
  }
}

BOOST_AUTO_TEST_CASE(every_other_field) {
  KeyDir dir;
  std::string pem = ReadText(dir.File("other.pub"));
  std::string escaped;
  for (char c : pem) {
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  std::string text = R"({"version": 1,
    "authorities": {
      "inline": {"key": {"data": ")" +
                     escaped + R"("}},
      "gh": {"keyless": {"identityRegExp": "^https://github.com/acme/.*$",
                         "issuer": "https://token.actions.githubusercontent.com",
                         "trustedRoot": "release.pub",
                         "github": {"repository": "acme/app", "ref": "refs/heads/main",
                                    "sha": "abc", "trigger": "push", "name": "release"}}},
      "corp": {"x509": {"roots": ["release.pub"], "intermediates": ["ci-a.pub"],
                        "subjectRegExp": "CN=.*", "san": "builder@acme.example"}}
    },
    "policies": [
      {"name": "deploy", "scope": "127.0.0.1:5000/prod/app:1.0", "mode": "audit",
       "signatures": {"authorities": ["inline", "gh", "corp"], "threshold": 2,
                      "annotations": {"env": "prod"}},
       "attestations": [
         {"type": "vsa", "authorities": ["inline"], "maxAge": "90d", "policy": "production",
          "verifierId": "https://vouch.example/gate", "minLevel": "SLSA_BUILD_LEVEL_2"},
         {"type": "https://slsa.dev/provenance/v1", "authorities": ["gh"],
          "slsa": {"buildLevel": 3}},
         {"type": "spdxjson", "authorities": ["corp"], "maxAge": "12h"}],
       "baseImages": {"allowed": ["*"]},
       "platforms": "index", "failurePolicy": "allow", "fetchFailure": "warn"}],
    "deny": {"digests": ["sha256:)" +
                     std::string(64, 'a') + R"("],
             "keyIds": [")" +
                     dir.KeyId("other.pub") + R"(",
                        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]}})";
  auto p = Parse(text, dir);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->authorities.at("inline").keys.size() == 1u);
  BOOST_TEST(p->authorities.at("inline").key_paths.empty());
  const KeylessAuthority& k = p->authorities.at("gh").keyless;
  BOOST_TEST((p->authorities.at("gh").kind == AuthorityKind::kKeyless));
  BOOST_TEST(k.identity.empty());
  BOOST_TEST(k.identity_regexp == "^https://github.com/acme/.*$");
  BOOST_TEST(k.issuer == "https://token.actions.githubusercontent.com");
  BOOST_TEST(k.trusted_root == dir.File("release.pub"));
  BOOST_TEST(k.github.size() == 5u);
  BOOST_TEST(k.github.at("trigger") == "push");
  const X509Authority& x = p->authorities.at("corp").x509;
  BOOST_TEST((p->authorities.at("corp").kind == AuthorityKind::kX509));
  BOOST_TEST(x.roots == std::vector<std::string>{dir.File("release.pub")});
  BOOST_TEST(x.intermediates == std::vector<std::string>{dir.File("ci-a.pub")});
  BOOST_TEST(x.subject_regexp == "CN=.*");
  BOOST_TEST(x.san == "builder@acme.example");

  const ScopePolicy& sp = p->policies[0];
  BOOST_TEST((sp.mode == Mode::kAudit));
  BOOST_TEST((sp.platforms == Platforms::kIndex));
  BOOST_TEST((sp.failure_policy == FailurePolicy::kAllow));
  BOOST_TEST((sp.fetch_failure == FetchFailure::kWarn));
  BOOST_TEST(sp.signatures->threshold == 2u);
  BOOST_TEST(sp.signatures->annotations.at("env") == "prod");
  BOOST_REQUIRE(sp.attestations.size() == 3u);
  BOOST_REQUIRE(sp.attestations[0].vsa.has_value());
  BOOST_TEST(sp.attestations[0].predicate_types ==
             std::vector<std::string>{"https://slsa.dev/verification_summary/v1"});
  BOOST_TEST(sp.attestations[0].vsa->policy == "production");
  BOOST_TEST(sp.attestations[0].vsa->verifier_id == "https://vouch.example/gate");
  BOOST_TEST(sp.attestations[0].vsa->min_level == "SLSA_BUILD_LEVEL_2");
  BOOST_TEST(sp.attestations[1].predicate_types ==
             std::vector<std::string>{"https://slsa.dev/provenance/v1"});
  BOOST_TEST(sp.attestations[1].slsa->build_level == 3);
  BOOST_TEST(sp.attestations[2].predicate_types ==
             std::vector<std::string>{"https://spdx.dev/Document"});
  BOOST_TEST(sp.attestations[2].max_age->count() == 12 * 3600);
  BOOST_TEST(p->deny.digests.size() == 1u);
  BOOST_TEST(p->deny.key_ids.size() == 2u);
}

BOOST_AUTO_TEST_CASE(vsa_requirement_without_fields_still_has_a_vsa_part) {
  KeyDir dir;
  auto p = Parse(R"({"version":1,"authorities":{"a":{"key":{"path":"release.pub"}}},
    "policies":[{"name":"p","scope":"*","attestations":[{"type":"vsa","authorities":["a"]}]}]})",
                 dir);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_REQUIRE(p->policies[0].attestations[0].vsa.has_value());
  BOOST_TEST(p->policies[0].attestations[0].vsa->policy.empty());
}

BOOST_AUTO_TEST_CASE(yaml_scalars_follow_the_core_schema) {
  KeyDir dir;
  // "yes" stays a string (YAML 1.2): as a mode it is an unknown mode, not a boolean.
  std::vector<LintFinding> findings;
  auto p = Parse("version: 1\npolicies:\n  - {name: a, scope: '*', mode: yes}\n", dir, &findings);
  BOOST_REQUIRE(!p.ok());
  BOOST_REQUIRE(findings.size() == 1u);
  BOOST_TEST(findings[0].path == "/policies/0/mode");
  BOOST_TEST(findings[0].message.find("unknown mode \"yes\"") != std::string::npos);
  BOOST_TEST(findings[0].message.find("(line 3)") != std::string::npos);
  // A quoted number is a string, so version "1" is the wrong type.
  p = Parse("version: '1'\npolicies: [{name: a, scope: '*', mode: accept}]\n", dir, &findings);
  BOOST_REQUIRE(findings.size() == 1u);
  BOOST_TEST(findings[0].path == "/version");
  BOOST_TEST(findings[0].message.find("must be an integer") != std::string::npos);
  // A block scalar carries inline PEM data.
  std::string pem = ReadText(dir.File("other.pub"));
  std::string indented;
  for (size_t i = 0; i < pem.size();) {
    size_t nl = pem.find('\n', i);
    indented += "        " + pem.substr(i, nl - i + 1);
    i = nl + 1;
  }
  p = Parse("version: 1\nauthorities:\n  a:\n    key:\n      data: |\n" + indented +
                "policies: [{name: a, scope: '*', signatures: {authorities: [a]}}]\n",
            dir, &findings);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->authorities.at("a").keys[0].KeyId() == dir.KeyId("other.pub"));
}

BOOST_AUTO_TEST_CASE(yaml_alias_bomb_is_bounded) {
  KeyDir dir;
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) {
      text += std::string(i ? ", *" : "*") + prev;
    }
    text += "]\n";
    prev = c;
  }
  std::vector<LintFinding> findings;
  auto p = Parse(text, dir, &findings);
  BOOST_TEST(IsInvalidArgument(p.status()));
  bool bounded = false;
  for (const LintFinding& f : findings) {
    bounded = bounded || f.message.find("more than") != std::string::npos;
  }
  BOOST_TEST(bounded);
}

BOOST_AUTO_TEST_CASE(deep_json_nesting_is_refused) {
  KeyDir dir;
  std::string text =
      "{\"version\":1,\"x\":" + std::string(1000, '[') + std::string(1000, ']') + "}";
  auto p = Parse(text, dir);
  BOOST_TEST(IsInvalidArgument(p.status()));
  BOOST_TEST(p.status().message().find("deeper") != std::string::npos);
}

// Mutated policies (bytes flipped, inserted, dropped; truncated) never crash or hang: each is
// either a valid policy or kInvalidArgument with at least one finding. Deterministic seed.
BOOST_AUTO_TEST_CASE(mutated_policies_fail_cleanly) {
  std::mt19937 rng(20261124);
  const std::string alphabet = "{}[]:,\"'-*&!|>#\n 0a/@~";
  ParseOptions options;
  options.load_keys = false;
  size_t valid = 0;
  size_t invalid = 0;
  for (const char* base : {kExampleJson, kExampleYaml}) {
    for (int i = 0; i < 1500; ++i) {
      std::string text = base;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        size_t pos = rng() % text.size();
        char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 4) {
          case 0:
            text[pos] = c;
            break;
          case 1:
            text.insert(pos, 1, c);
            break;
          case 2:
            text.erase(pos, 1);
            break;
          default:
            text.resize(pos);
            break;
        }
      }
      std::vector<LintFinding> findings;
      auto p = ParsePolicy(text, options, &findings);
      if (p.ok()) {
        ++valid;
        BOOST_TEST(findings.empty());
      } else {
        ++invalid;
        BOOST_TEST(IsInvalidArgument(p.status()), p.status().ToString());
        BOOST_TEST(!findings.empty());
      }
    }
  }
  BOOST_TEST_MESSAGE("mutations: " << valid << " still valid, " << invalid << " refused");
  BOOST_TEST(invalid > 0u);
}

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040): each must be refused.
BOOST_AUTO_TEST_CASE(yaml_inputs_that_hang_load_all_are_refused) {
  ParseOptions options;
  options.load_keys = false;
  for (const char* text : {",", ",'", ", 'x", ",a", "- a\n,"}) {
    auto p = ParsePolicy(text, options);
    BOOST_TEST(IsInvalidArgument(p.status()), text);
  }
}

BOOST_AUTO_TEST_CASE(many_double_stars_do_not_backtrack_exponentially) {
  std::string pattern = "r.io";
  for (int i = 0; i < 120; ++i) {
    pattern += "/**";
  }
  pattern += "/x";
  std::string image = "r.io";
  for (int i = 0; i < 120; ++i) {
    image += "/a";
  }
  image += "/y:1";
  BOOST_TEST(CheckScopePattern(pattern).ok());
  BOOST_TEST(!ScopeMatches(pattern, image));  // returns at once; without memoization: never
}

// Identity regexps are Go syntax (RE2): inline flags, Unicode classes and \A / \z, which
// ECMAScript lacks, are accepted.
BOOST_AUTO_TEST_CASE(identity_regexps_are_go_syntax) {
  const std::string text = R"({"version": 1, "authorities": {
      "gh": {"keyless": {"identityRegExp": "(?i)\\Ahttps://github\\.com/acme/\\pL+\\z",
                         "issuerRegExp": "^https://token\\.actions\\.githubusercontent\\.com$"}}},
      "policies": [{"name": "p", "scope": "*", "signatures": {"authorities": ["gh"]}}]})";
  KeyDir dir;
  Result<Policy> p = Parse(text, dir);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->authorities.at("gh").keyless.identity_regexp ==
             "(?i)\\Ahttps://github\\.com/acme/\\pL+\\z");
}

// maxAge reads vouch/core/duration.h's grammar (tested there) and keeps positive whole seconds.
struct MaxAgeCase {
  const char* text;
  int64_t seconds;  // -1: a lint error at .../maxAge
};
std::ostream& operator<<(std::ostream& os, const MaxAgeCase& c) { return os << c.text; }

const MaxAgeCase kMaxAges[] = {
    {"30d", 30 * 86400}, {"1h30m", 90 * 60}, {"1.5d", 36 * 3600}, {"2w", 14 * 86400},
    {"45s", 45},         {"0d", -1},         {"30", -1},          {"1500ms", -1},
    {"-1d", -1},         {"1y", -1},         {"36601d", -1},
};

BOOST_DATA_TEST_CASE(max_age, boost::unit_test::data::make(kMaxAges), c) {
  const std::string text = std::string(R"({"version": 1, "authorities": {"a": {"key": {"path":
      "release.pub"}}}, "policies": [{"name": "p", "scope": "*", "attestations": [
      {"type": "vuln", "authorities": ["a"], "maxAge": ")") +
                           c.text + R"("}]}]})";
  KeyDir dir;
  std::vector<LintFinding> findings;
  Result<Policy> p = Parse(text, dir, &findings);
  if (c.seconds < 0) {
    BOOST_TEST(IsInvalidArgument(p.status()));
    BOOST_REQUIRE(findings.size() == 1u);
    BOOST_TEST(findings[0].path == "/policies/0/attestations/0/maxAge");
    BOOST_TEST(findings[0].message.find("bad duration") == 0u, findings[0].message);
  } else {
    BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    BOOST_TEST(p->policies[0].attestations[0].max_age->count() == c.seconds);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::policy::testing
