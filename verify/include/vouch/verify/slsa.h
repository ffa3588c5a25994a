// Typed checks of SLSA provenance against what a verifier expects: builder, source repository,
// source ref and age. They run on attest::NormalizedProvenance, so v1 and v0.2 are checked alike.
//
// These checks trust the provenance's content; they are meaningful only after the attestation's
// signature has been verified with a trusted key (verify/attestation.h). Matching rules are
// documented in docs/provenance.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/attest/provenance.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"

namespace vouch::verify {

// SlsaExpectations lists what a provenance must say. An empty string (or unset max_age) skips
// that check.
struct SlsaExpectations {
  // builder_id is the trusted builder (see BuilderIdMatches).
  std::string builder_id;
  // source_uri names the source repository (see SourceUriMatches).
  std::string source_uri;
  // source_ref is the git ref the build must have run on (see SourceRefMatches).
  std::string source_ref;
  // max_age bounds how long ago the build finished (or, when no finish time is recorded,
  // started), measured at |now|.
  std::optional<std::chrono::seconds> max_age;
  // now is the time max_age is measured at; callers pass Clock::Now().
  TimePoint now{};

  // empty reports whether no check is requested.
  bool empty() const {
    return builder_id.empty() && source_uri.empty() && source_ref.empty() && !max_age.has_value();
  }
};

// BuilderIdMatches reports whether the provenance's |recorded| builder id satisfies |expected|,
// with slsa-verifier's semantics: when |expected| has an "@version" suffix the two must be equal;
// without one, |expected| must equal |recorded| with its "@version" suffix (if any) removed. So
// ".../generator_container_slsa3.yml" trusts every version of that workflow, and
// ".../generator_container_slsa3.yml@refs/tags/v2.1.0" only that one.
bool BuilderIdMatches(std::string_view recorded, std::string_view expected);

// NormalizeSourceUri reduces a repository URI to the form compared by SourceUriMatches: without
// a "git+" prefix, without an "https://" scheme and without an "@ref" suffix
// ("git+https://github.com/org/repo@refs/heads/main" -> "github.com/org/repo").
std::string NormalizeSourceUri(std::string_view uri);

// SourceUriMatches reports whether |recorded| and |expected| name the same repository after
// NormalizeSourceUri: "github.com/org/repo", "https://github.com/org/repo" and
// "git+https://github.com/org/repo" are the same. The comparison is otherwise exact (case and
// trailing characters count), so "github.com/org/repoA" does not match "github.com/org/repo".
bool SourceUriMatches(std::string_view recorded, std::string_view expected);

// SourceRefMatches reports whether the |recorded| ref satisfies |expected|. An |expected| that
// starts with "refs/" must equal |recorded|. A short name X matches "refs/heads/X",
// "refs/tags/X", or a recorded ref that is exactly X. An empty |recorded| matches nothing.
bool SourceRefMatches(std::string_view recorded, std::string_view expected);

// CheckProvenance applies every requested check of |want| to |p|, in the order builder, source,
// ref, age, and returns the first failure as kVerificationFailed naming the check:
//   "builder id <recorded> does not match the expected <expected>"
//   "source <recorded> does not match the expected <expected>" (also when none is recorded)
//   "ref <recorded> does not match the expected <expected>" (also when none is recorded)
//   "attestation is older than <max age>: the build finished at <time>"
//   "attestation age cannot be checked: the provenance records no build start or finish time"
// An "@ref" suffix on want.source_uri is checked as a ref too. OK when all pass.
Status CheckProvenance(const attest::NormalizedProvenance& p, const SlsaExpectations& want);

// ParseMaxAge parses a `--max-age` value such as "90s", "1h30m", "12h" or "7d": a duration in
// vouch/core/duration.h's grammar, positive and a whole number of seconds (ParsePositiveSeconds),
// like the policy file's maxAge. Anything else is kInvalidArgument prefixed "max age: ".
Result<std::chrono::seconds> ParseMaxAge(std::string_view text);

}  // namespace vouch::verify
