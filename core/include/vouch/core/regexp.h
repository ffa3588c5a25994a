// Regular expressions, for the identities a verifier trusts (keyless SAN and issuer regexps, x509
// subject and SAN regexps) and for the fixed grammars of the policy file.
//
// The engine is RE2 (https://github.com/google/re2), whose syntax is Go's regexp syntax
// (https://github.com/google/re2/wiki/Syntax), the one cosign reads its
// --certificate-identity-regexp with. RE2 has no backreferences and no lookaround, and it matches
// in time linear in the input: a pattern from a policy file and a value from an attacker's
// certificate cannot together stall a verifier, which std::regex's backtracking allows.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "vouch/core/status.h"

namespace vouch {

// Regexp is a compiled regular expression. Copies share the compiled program, and every const
// member may be called from several threads at once.
class Regexp {
 public:
  // kMaxPatternLength bounds a pattern: identity patterns are short, and the cap keeps a
  // mistaken value (a whole file pasted into a flag) from being compiled.
  static constexpr size_t kMaxPatternLength = 1024;

  // Compile compiles |pattern| (UTF-8, Go syntax). A pattern that does not compile, is longer
  // than kMaxPatternLength, or whose program exceeds RE2's default memory budget is
  // kInvalidArgument: "bad regular expression \"<pattern>\": <reason>".
  static Result<Regexp> Compile(std::string_view pattern);

  // Matches reports whether |text| contains a match of the pattern anywhere: an unanchored
  // search, like Go's regexp.MatchString and so like cosign's identity flags. "acme" matches
  // "https://github.com/acme/app"; "^https://github\.com/acme/.*$" is what constrains the whole
  // value (\A and \z anchor too).
  bool Matches(std::string_view text) const;

  // FullMatches reports whether the whole of |text| matches the pattern, as if it were written
  // \A(?:pattern)\z. For fixed grammars, not for user-supplied identity patterns.
  bool FullMatches(std::string_view text) const;

  // pattern returns the pattern as it was given to Compile.
  const std::string& pattern() const;

 private:
  class Impl;
  explicit Regexp(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;  // never null
};

}  // namespace vouch
