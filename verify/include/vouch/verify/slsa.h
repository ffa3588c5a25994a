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
#include <vector>

#include "vouch/attest/provenance.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"

namespace vouch::verify {

// SlsaExpectations lists what a provenance must say: the one SLSA matcher of vouch, used alike by
// `verify-attestation`, `verify-blob-attestation` (one pattern per flag) and the policy's `slsa`
// block (lists of patterns). An empty list (or unset max_age) skips that check; otherwise the
// recorded value must match one pattern. Patterns are globs: '*' matches any run of characters,
// '/' included; without '*' they compare as slsa-verifier does (see the matchers below).
struct SlsaExpectations {
  // builder_ids are the trusted builders (see BuilderIdMatches).
  std::vector<std::string> builder_ids;
  // source_uris name the source repository (see SourceUriMatches); a pattern with an "@ref"
  // suffix also requires that ref (SourceRefMatches).
  std::vector<std::string> source_uris;
  // source_refs are the git refs the build may have run on (see SourceRefMatches).
  std::vector<std::string> source_refs;
  // max_age bounds how long ago the build finished (or, when no finish time is recorded,
  // started), measured at |now|; that time may not lie more than kClaimedTimeSkew after |now|.
  std::optional<std::chrono::seconds> max_age;
  // now is the time max_age is measured at; callers pass Clock::Now().
  TimePoint now{};

  // empty reports whether no check is requested.
  bool empty() const {
    return builder_ids.empty() && source_uris.empty() && source_refs.empty() &&
           !max_age.has_value();
  }
};

// BuilderIdMatches reports whether the provenance's |recorded| builder id satisfies the pattern
// |expected|, with slsa-verifier's semantics: the pattern must match |recorded| itself or
// |recorded| without its "@version" suffix. So ".../generator_container_slsa3.yml" trusts every
// version of that workflow, and ".../generator_container_slsa3.yml@refs/tags/v2.1.0" only that
// one. An empty |recorded| matches nothing.
bool BuilderIdMatches(std::string_view recorded, std::string_view expected);

// NormalizeSourceUri reduces a repository URI to the form compared by SourceUriMatches: without
// a "git+" prefix, without an "https://" scheme and without an "@ref" suffix
// ("git+https://github.com/org/repo@refs/heads/main" -> "github.com/org/repo").
std::string NormalizeSourceUri(std::string_view uri);

// SourceUriMatches reports whether |recorded| names the repository the pattern |expected| names,
// both reduced by NormalizeSourceUri: "github.com/org/repo", "https://github.com/org/repo" and
// "git+https://github.com/org/repo" are the same. The comparison is otherwise exact (case and
// trailing characters count), so "github.com/org/repoA" does not match "github.com/org/repo".
// The "@ref" of |expected| is not compared here: CheckProvenance checks it as a ref.
bool SourceUriMatches(std::string_view recorded, std::string_view expected);

// SourceRefMatches reports whether the |recorded| ref satisfies the pattern |expected|. A
// pattern that starts with "refs/" must match |recorded|. A short name X matches
// "refs/heads/X", "refs/tags/X", or a recorded ref that is exactly X. An empty |recorded|
// matches nothing.
bool SourceRefMatches(std::string_view recorded, std::string_view expected);

// CheckProvenance applies every requested check of |want| to |p|, in the order builder, source
// (with the ref a source pattern carries), ref, age, and returns the first failure as
// kVerificationFailed naming the check:
//   "builder id <recorded> does not match the expected <pattern>" (or "any of the expected …")
//   "source <recorded> does not match the expected <pattern>" (also when none is recorded)
//   "ref <recorded> does not match the expected <pattern>" (also when none is recorded)
//   "provenance is future-dated: the build finished at <time>, after now (<now>) ..." (max age
//   set, the time beyond now + kClaimedTimeSkew, vouch/core/clock.h)
//   "attestation is older than <max age>: the build finished at <time>"
//   "attestation age cannot be checked ...: the provenance records no build start or finish time"
// OK when all pass.
Status CheckProvenance(const attest::NormalizedProvenance& p, const SlsaExpectations& want);

// ParseMaxAge parses a `--max-age` value such as "90s", "1h30m", "12h" or "7d": a duration in
// vouch/core/duration.h's grammar, positive and a whole number of seconds (ParsePositiveSeconds),
// like the policy file's maxAge. Anything else is kInvalidArgument prefixed "max age: ".
Result<std::chrono::seconds> ParseMaxAge(std::string_view text);

}  // namespace vouch::verify
