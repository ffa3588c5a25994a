#include "policy/policy_test_util.h"

#include <boost/test/unit_test.hpp>

#include "vouch/keys/keys.h"

namespace vouch::policy::testing {

const char* const kExampleJson = R"({
  "version": 1,
  "authorities": {
    "release": {"key": {"path": "release.pub"}},
    "ci":      {"key": {"paths": ["ci-a.pub", "ci-b.pub"]}},
    "scanner": {"key": {"path": "scanner.pub"}}
  },
  "policies": [
    {
      "name": "production",
      "scope": "registry.example.com/prod/**",
      "mode": "enforce",
      "signatures": {"authorities": ["release"], "threshold": 1},
      "attestations": [
        {"type": "slsaprovenance", "authorities": ["ci"], "maxAge": "30d",
         "slsa": {"builderIds": ["https://github.com/acme/builder/*"],
                  "sourceUris": ["git+https://github.com/acme/*"],
                  "sourceRefs": ["refs/heads/main", "refs/tags/v*"]}},
        {"type": "vuln", "authorities": ["scanner"], "maxAge": "7d",
         "vulnerabilities": {"maxSeverity": "medium", "ignore": ["CVE-2024-0001"]}}
      ],
      "baseImages": {"allowed": ["docker.io/library/debian@*", "gcr.io/distroless/**"]},
      "platforms": "all"
    },
    {"name": "default", "scope": "*", "mode": "reject"}
  ],
  "deny": {"digests": [], "keyIds": []}
}
)";

const char* const kExampleYaml = R"(# The issue's example policy, in YAML.
version: 1
authorities:
  release:
    key: {path: release.pub}
  ci:
    key:
      paths: [ci-a.pub, ci-b.pub]
  scanner:
    key: {path: scanner.pub}
policies:
  - name: production
    scope: registry.example.com/prod/**
    mode: enforce
    signatures:
      authorities: [release]
      threshold: 1
    attestations:
      - type: slsaprovenance
        authorities: [ci]
        maxAge: 30d
        slsa:
          builderIds: ["https://github.com/acme/builder/*"]
          sourceUris: ["git+https://github.com/acme/*"]
          sourceRefs: [refs/heads/main, "refs/tags/v*"]
      - type: vuln
        authorities: [scanner]
        maxAge: 7d
        vulnerabilities:
          maxSeverity: medium
          ignore: [CVE-2024-0001]
    baseImages:
      allowed: ["docker.io/library/debian@*", "gcr.io/distroless/**"]
    platforms: all
  - name: default
    scope: "*"
    mode: reject
deny:
  digests: []
  keyIds: []
)";

KeyDir::KeyDir() {
  for (const char* name : {"release", "ci-a", "ci-b", "scanner", "other"}) {
    auto signer = keys::Generate(keys::KeyAlgorithm::kEcdsaP256);
    BOOST_REQUIRE(signer.ok());
    vouch::testing::WriteText(dir_.File(std::string(name) + ".pub"),
                              (*signer)->PublicKey().ToPem());
  }
  // Only the PEM label matters to the check (a private key where a public one belongs).
  vouch::testing::WriteText(dir_.File("private.key"),
                            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  vouch::testing::WriteText(dir_.File("garbage.pub"), "this is not a key\n");
}

std::string KeyDir::Write(const std::string& name, const std::string& content) const {
  vouch::testing::WriteText(dir_.File(name), content);
  return dir_.File(name);
}

std::string KeyDir::KeyId(const std::string& name) const {
  auto v = keys::Verifier::FromPem(vouch::testing::ReadText(File(name)));
  BOOST_REQUIRE(v.ok());
  return v->KeyId();
}

Result<Policy> Parse(const std::string& text, const KeyDir& dir,
                     std::vector<LintFinding>* findings) {
  ParseOptions options;
  options.base_dir = dir.path();
  return ParsePolicy(text, options, findings);
}

}  // namespace vouch::policy::testing
