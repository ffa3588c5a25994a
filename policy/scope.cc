// Scope patterns: their grammar, matching an image reference, precedence, and base-image
// patterns (docs/policy.md, "Scopes and precedence").
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "internal.h"

namespace vouch::policy {

using internal::ParsePattern;
using internal::Pattern;
using internal::Quote;

namespace {

// Image references are at most 255 characters plus tag and digest (formats.md §1.1).
constexpr size_t kMaxPatternLength = 512;

// SplitReference splits "name[:tag][@digest]" the way image references are split (formats.md
// §1.1): the digest first, then a tag only when the last ':' follows the last '/'.
void SplitReference(std::string_view ref, std::string_view& name, std::string_view& tag,
                    std::string_view& digest) {
  name = ref;
  tag = {};
  digest = {};
  size_t at = name.find('@');
  if (at != std::string_view::npos) {
    digest = name.substr(at + 1);
    name = name.substr(0, at);
  }
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
}

std::vector<std::string> SplitSegments(std::string_view name) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    out.emplace_back(
        name.substr(start, slash == std::string_view::npos ? name.npos : slash - start));
    if (slash == std::string_view::npos) {
      return out;
    }
    start = slash + 1;
  }
}

bool IsHostWildcard(std::string_view seg) { return seg.size() > 2 && seg.substr(0, 2) == "*."; }

}  // namespace

namespace internal {

Result<Pattern> ParsePattern(std::string_view text) {
  Pattern p;
  if (text == "*") {
    p.everything = true;
    return p;
  }
  if (text.empty()) {
    return InvalidArgumentError("scope is empty");
  }
  if (text.size() > kMaxPatternLength) {
    return InvalidArgumentError("scope is longer than " + std::to_string(kMaxPatternLength) +
                                " characters");
  }
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
  SplitReference(text, name, tag, digest);
  if (text.find('@') != std::string_view::npos) {
    Result<Digest> d = Digest::Parse(digest);
    if (!d.ok()) {
      return InvalidArgumentError("bad digest in scope: " + d.status().message());
    }
    p.digest = std::string(digest);
  }
  if (tag.empty() && !name.empty() && name.size() < text.size() && text[name.size()] == ':') {
    return InvalidArgumentError("scope has an empty tag after ':'");
  }
  if (!tag.empty()) {
    static const Regexp kTag = Grammar("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    if (!kTag.FullMatches(tag)) {
      return InvalidArgumentError("bad tag " + Quote(tag) + " in scope");
    }
    p.tag = std::string(tag);
  }
  if (name.find('/') == std::string_view::npos) {
    return InvalidArgumentError(
        "scope needs a registry host and a repository path (e.g. \"registry.example.com/app\", "
        "\"registry.example.com/**\"), or is the lone \"*\"");
  }
  p.segments = SplitSegments(name);
  static const Regexp kHost = Grammar("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
  static const Regexp kHostWildcard = Grammar(R"(\*(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)");
  static const Regexp kComponent = Grammar("[a-z0-9]+(([.]|_|__|[-]+)[a-z0-9]+)*");
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const std::string& seg = p.segments[i];
    if (seg.empty()) {
      return InvalidArgumentError("scope has an empty path segment");
    }
    if (seg == "*" || seg == "**") {
      continue;
    }
    if (i == 0) {
      if (seg.find('*') != std::string::npos) {
        if (!kHostWildcard.FullMatches(seg)) {
          return InvalidArgumentError("bad host wildcard " + Quote(seg) +
                                      ": write \"*\" or \"*.example.com\"");
        }
        continue;
      }
      if (!kHost.FullMatches(seg)) {
        return InvalidArgumentError("bad registry host " + Quote(seg));
      }
      continue;
    }
    if (seg.find('*') != std::string::npos) {
      return InvalidArgumentError("bad path segment " + Quote(seg) +
                                  ": '*' and '**' stand alone between slashes");
    }
    if (!kComponent.FullMatches(seg)) {
      return InvalidArgumentError("bad path segment " + Quote(seg) +
                                  " (repository names are lowercase letters, digits and . _ -)");
    }
  }
  if (p.segments.size() == 1) {
    return InvalidArgumentError("scope needs a repository path after the host");
  }
  return p;
}

}  // namespace internal

namespace {

// Host names are case-insensitive, in a wildcard's suffix too; normalized references keep a
// single-label host as written.
bool HostEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool SegmentMatches(std::string_view pat, std::string_view seg, bool host) {
  if (pat == "*") {
    return !seg.empty();
  }
  if (host && IsHostWildcard(pat)) {
    std::string_view suffix = pat.substr(1);  // ".example.com"
    return seg.size() > suffix.size() && HostEquals(seg.substr(seg.size() - suffix.size()), suffix);
  }
  if (host) {
    return HostEquals(pat, seg);
  }
  return pat == seg;
}

// SegmentMatcher: '**' matches zero or more segments in the middle, one or more at the end (so
// "ns/**" names what is inside ns, not ns itself), like gitignore. Memoized on (pattern index,
// image index): a pattern of many '**' must not backtrack exponentially.
class SegmentMatcher {
 public:
  SegmentMatcher(const std::vector<std::string>& pat, const std::vector<std::string>& img)
      : pat_(pat), img_(img), memo_((pat.size() + 1) * (img.size() + 1), -1) {}

  bool Match(size_t pi, size_t ii) {
    int8_t& m = memo_[pi * (img_.size() + 1) + ii];
    if (m < 0) {
      m = Compute(pi, ii) ? 1 : 0;
    }
    return m == 1;
  }

 private:
  bool Compute(size_t pi, size_t ii) {
    if (pi == pat_.size()) {
      return ii == img_.size();
    }
    if (pat_[pi] == "**") {
      size_t min = (pi + 1 == pat_.size()) ? 1 : 0;
      for (size_t k = ii + min; k <= img_.size(); ++k) {
        if (Match(pi + 1, k)) {
          return true;
        }
      }
      return false;
    }
    if (ii == img_.size() || !SegmentMatches(pat_[pi], img_[ii], ii == 0)) {
      return false;
    }
    return Match(pi + 1, ii + 1);
  }

  const std::vector<std::string>& pat_;
  const std::vector<std::string>& img_;
  std::vector<int8_t> memo_;
};

}  // namespace

std::string ScopeRegistry(std::string_view pattern) {
  Result<Pattern> p = ParsePattern(pattern);
  if (!p.ok() || p->everything || p->segments[0].find('*') != std::string::npos) {
    return "";
  }
  std::string host = p->segments[0];
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

Status CheckScopePattern(std::string_view pattern) { return ParsePattern(pattern).status(); }

Status CheckBaseImagePattern(std::string_view pattern) {
  std::string_view repo = pattern;
  size_t at = pattern.find('@');
  if (at != std::string_view::npos) {
    repo = pattern.substr(0, at);
    std::string_view digest = pattern.substr(at + 1);
    if (digest != "*") {
      Result<Digest> d = Digest::Parse(digest);
      if (!d.ok()) {
        return InvalidArgumentError("bad base image " + Quote(pattern) +
                                    ": after '@' write '*' (any digest) or a digest (" +
                                    d.status().message() + ")");
      }
    }
  }
  if (repo == "*" || repo == "**") {
    return OkStatus();
  }
  Result<Pattern> p = ParsePattern(repo);
  if (!p.ok()) {
    return InvalidArgumentError("bad base image " + Quote(pattern) + ": " + p.status().message());
  }
  if (!p->tag.empty()) {
    return InvalidArgumentError("bad base image " + Quote(pattern) +
                                ": base images are matched by digest; write repo@* or "
                                "repo@sha256:<hex>, not a tag");
  }
  return OkStatus();
}

bool ScopeMatches(std::string_view pattern, std::string_view image) {
  Result<Pattern> p = ParsePattern(pattern);
  if (!p.ok()) {
    return false;
  }
  if (p->everything) {
    return true;
  }
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
  SplitReference(image, name, tag, digest);
  if (!p->tag.empty() && p->tag != tag) {
    return false;
  }
  if (!p->digest.empty() && p->digest != digest) {
    return false;
  }
  std::vector<std::string> segments = SplitSegments(name);
  return SegmentMatcher(p->segments, segments).Match(0, 0);
}

size_t ScopeSpecificity(std::string_view pattern) {
  Result<Pattern> p = ParsePattern(pattern);
  if (!p.ok() || p->everything) {
    return 0;
  }
  // Literal segments first (a named repository beats a namespace, a deeper namespace beats a
  // shallower one, a host wildcard counts half), then a digest over a tag over neither, then
  // fewer '**', then fewer '*', then the longer pattern.
  size_t literal = 0;
  size_t stars = 0;
  size_t double_stars = 0;
  for (size_t i = 0; i < p->segments.size(); ++i) {
    const std::string& seg = p->segments[i];
    if (seg == "**") {
      ++double_stars;
    } else if (seg == "*") {
      ++stars;
    } else if (i == 0 && IsHostWildcard(seg)) {
      literal += 1;
    } else {
      literal += 2;
    }
  }
  size_t pinned = !p->digest.empty() ? 2 : (!p->tag.empty() ? 1 : 0);
  auto clamp = [](size_t v, size_t max) { return std::min(v, max); };
  return (clamp(literal, 0xFFF) << 40) | (pinned << 36) |
         ((0xFF - clamp(double_stars, 0xFF)) << 24) | ((0xFF - clamp(stars, 0xFF)) << 16) |
         clamp(pattern.size(), 0xFFFF);
}

const ScopePolicy* SelectPolicy(const Policy& policy, std::string_view image) {
  const ScopePolicy* best = nullptr;
  size_t best_score = 0;
  for (const ScopePolicy& sp : policy.policies) {
    if (!ScopeMatches(sp.scope, image)) {
      continue;
    }
    size_t score = ScopeSpecificity(sp.scope);
    if (best == nullptr || score > best_score) {
      best = &sp;
      best_score = score;
    }
  }
  return best;
}

}  // namespace vouch::policy
