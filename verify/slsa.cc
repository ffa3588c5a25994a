#include "vouch/verify/slsa.h"

#include <algorithm>
#include <string>

#include "vouch/core/duration.h"

namespace vouch::verify {
namespace {

// Glob matches '*' in |pattern| as any run of characters ('/' included, none too).
bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::string_view StripPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : s;
}

std::string Quote(std::string_view s) {
  return s.empty() ? std::string("(none recorded)") : "\"" + std::string(s) + "\"";
}

}  // namespace

bool BuilderIdMatches(std::string_view recorded, std::string_view expected) {
  if (expected.empty() || recorded.empty()) {
    return false;
  }
  return Glob(expected, recorded) || Glob(expected, recorded.substr(0, recorded.find('@')));
}

std::string NormalizeSourceUri(std::string_view uri) {
  uri = StripPrefix(uri, "git+");
  uri = StripPrefix(uri, "https://");
  // Only an '@' after the host starts a ref (user info such as ssh://git@host stays).
  size_t slash = uri.find('/');
  if (slash != std::string_view::npos) {
    size_t at = uri.find('@', slash);
    if (at != std::string_view::npos) {
      uri = uri.substr(0, at);
    }
  }
  return std::string(uri);
}

bool SourceUriMatches(std::string_view recorded, std::string_view expected) {
  if (recorded.empty() || expected.empty()) {
    return false;
  }
  return Glob(NormalizeSourceUri(expected), NormalizeSourceUri(recorded));
}

bool SourceRefMatches(std::string_view recorded, std::string_view expected) {
  if (recorded.empty() || expected.empty()) {
    return false;
  }
  if (Glob(expected, recorded)) {
    return true;
  }
  if (expected.starts_with("refs/")) {
    return false;
  }
  const std::string short_name(expected);
  return Glob("refs/heads/" + short_name, recorded) || Glob("refs/tags/" + short_name, recorded);
}

namespace {

// SourceMatches is one source pattern: the repository and, when the pattern carries "@ref", the
// ref (the stricter of the two readings vouch once had: the ref is never ignored).
bool SourceMatches(const attest::NormalizedProvenance& p, std::string_view pattern) {
  if (!SourceUriMatches(p.source_uri, pattern)) {
    return false;
  }
  auto [repo, uri_ref] = attest::SplitSourceUri(pattern);
  return uri_ref.empty() || SourceRefMatches(p.source_ref, uri_ref);
}

// Mismatch renders "<what> <recorded> does not match the expected <pattern>" (or "any of the
// expected <p1>, <p2>").
Status Mismatch(std::string_view what, std::string_view recorded,
                const std::vector<std::string>& patterns) {
  std::string expected;
  for (const std::string& pat : patterns) {
    expected += (expected.empty() ? "\"" : ", \"") + pat + "\"";
  }
  return VerificationFailedError(std::string(what) + " " + Quote(recorded) + " does not match " +
                                 (patterns.size() == 1 ? "the expected " : "any of the expected ") +
                                 expected);
}

template <typename Pred>
bool AnyOf(const std::vector<std::string>& patterns, Pred pred) {
  return patterns.empty() || std::any_of(patterns.begin(), patterns.end(), pred);
}

}  // namespace

Status CheckProvenance(const attest::NormalizedProvenance& p, const SlsaExpectations& want) {
  if (!AnyOf(want.builder_ids,
             [&](const std::string& pat) { return BuilderIdMatches(p.builder_id, pat); })) {
    return Mismatch("builder id", p.builder_id, want.builder_ids);
  }
  if (!AnyOf(want.source_uris,
             [&](const std::string& pat) { return SourceUriMatches(p.source_uri, pat); })) {
    return Mismatch("source", p.source_uri, want.source_uris);
  }
  if (!AnyOf(want.source_uris, [&](const std::string& pat) { return SourceMatches(p, pat); })) {
    std::vector<std::string> refs;  // the refs of the patterns whose repository matched
    for (const std::string& pat : want.source_uris) {
      if (SourceUriMatches(p.source_uri, pat)) {
        refs.push_back(attest::SplitSourceUri(pat).second);
      }
    }
    Status st = Mismatch("ref", p.source_ref, refs);
    return VerificationFailedError(st.message() + " (from the source URI)");
  }
  if (!AnyOf(want.source_refs,
             [&](const std::string& pat) { return SourceRefMatches(p.source_ref, pat); })) {
    return Mismatch("ref", p.source_ref, want.source_refs);
  }
  if (want.max_age.has_value()) {
    std::optional<TimePoint> t = p.finished_on.has_value() ? p.finished_on : p.started_on;
    if (!t.has_value()) {
      return VerificationFailedError("attestation age cannot be checked against --max-age " +
                                     FormatDuration(*want.max_age) +
                                     ": the provenance records no build start or finish time");
    }
    if (IsFutureDated(*t, want.now)) {
      return VerificationFailedError(
          std::string("provenance is future-dated: the build ") +
          (p.finished_on.has_value() ? "finished" : "started") + " at " + FormatRfc3339(*t) +
          ", after now (" + FormatRfc3339(want.now) + ") plus the allowed clock skew of " +
          FormatDuration(kClaimedTimeSkew));
    }
    if (want.now - *t > *want.max_age) {
      return VerificationFailedError(
          "attestation is older than " + FormatDuration(*want.max_age) + ": the build " +
          (p.finished_on.has_value() ? "finished" : "started") + " at " + FormatRfc3339(*t));
    }
  }
  return OkStatus();
}

Result<std::chrono::seconds> ParseMaxAge(std::string_view text) {
  Result<std::chrono::seconds> d = ParsePositiveSeconds(text);
  if (!d.ok()) {
    return InvalidArgumentError("max age: " + d.status().message());
  }
  return d;
}

}  // namespace vouch::verify
