// Shared fixtures of the policy suite: the example policy (JSON and YAML) and a folder
// with the public keys it names, generated fresh for each test.
#pragma once

#include <string>

#include "testutil/testutil.h"
#include "vouch/policy/policy.h"

namespace vouch::policy::testing {

using vouch::testing::ReadText;
using vouch::testing::TempDir;
using vouch::testing::Vouch;
using vouch::testing::WriteText;

// kExampleJson is the example policy of issue 6, byte for byte as the issue gives it.
extern const char* const kExampleJson;
// kExampleYaml is the same policy written in YAML.
extern const char* const kExampleYaml;

// KeyDir is a TempDir holding release.pub, ci-a.pub, ci-b.pub and scanner.pub (fresh ECDSA P-256
// public keys), plus other.pub, private.key (a private key PEM) and garbage.pub (not a key).
class KeyDir {
 public:
  KeyDir();
  const std::string& path() const { return dir_.path(); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  // Write writes |content| to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;
  // KeyId returns the key id of the public key file |name|.
  std::string KeyId(const std::string& name) const;

 private:
  vouch::testing::TempDir dir_;
};

// Parse parses |text| with base_dir = |dir| and keys loaded.
Result<Policy> Parse(const std::string& text, const KeyDir& dir,
                     std::vector<LintFinding>* findings = nullptr);

}  // namespace vouch::policy::testing
