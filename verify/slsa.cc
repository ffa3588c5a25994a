#include "vouch/verify/slsa.h"

#include <string>

#include "vouch/core/duration.h"

namespace vouch::verify {
namespace {

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
  if (expected.find('@') != std::string_view::npos) {
    return recorded == expected;
  }
  return recorded.substr(0, recorded.find('@')) == expected;
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
  return NormalizeSourceUri(recorded) == NormalizeSourceUri(expected);
}

bool SourceRefMatches(std::string_view recorded, std::string_view expected) {
  if (recorded.empty() || expected.empty()) {
    return false;
  }
  if (expected.substr(0, 5) == "refs/") {
    return recorded == expected;
  }
  return recorded == expected || recorded == "refs/heads/" + std::string(expected) ||
         recorded == "refs/tags/" + std::string(expected);
}

Status CheckProvenance(const attest::NormalizedProvenance& p, const SlsaExpectations& want) {
  if (!want.builder_id.empty() && !BuilderIdMatches(p.builder_id, want.builder_id)) {
    return VerificationFailedError("builder id " + Quote(p.builder_id) +
                                   " does not match the expected \"" + want.builder_id + "\"");
  }
  if (!want.source_uri.empty()) {
    if (!SourceUriMatches(p.source_uri, want.source_uri)) {
      return VerificationFailedError("source " + Quote(p.source_uri) +
                                     " does not match the expected \"" + want.source_uri + "\"");
    }
    auto [repo, uri_ref] = attest::SplitSourceUri(want.source_uri);
    if (!uri_ref.empty() && !SourceRefMatches(p.source_ref, uri_ref)) {
      return VerificationFailedError("ref " + Quote(p.source_ref) +
                                     " does not match the expected \"" + uri_ref +
                                     "\" (from the source URI)");
    }
  }
  if (!want.source_ref.empty() && !SourceRefMatches(p.source_ref, want.source_ref)) {
    return VerificationFailedError("ref " + Quote(p.source_ref) +
                                   " does not match the expected \"" + want.source_ref + "\"");
  }
  if (want.max_age.has_value()) {
    std::optional<TimePoint> t = p.finished_on.has_value() ? p.finished_on : p.started_on;
    if (!t.has_value()) {
      return VerificationFailedError("attestation age cannot be checked against --max-age " +
                                     FormatDuration(*want.max_age) +
                                     ": the provenance records no build start or finish time");
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
