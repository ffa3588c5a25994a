// Fuzz target for the policy scope patterns (vouch::policy ScopeMatches, ScopeSpecificity,
// CheckScopePattern, CheckBaseImagePattern). The input's first line is the pattern, the second
// (optional) an image reference that is matched against it after canonicalization.
// Invariants: an invalid pattern matches nothing and has specificity 0; a valid one matches the
// image built from it (each '*' and '**' replaced by a segment, "*.host" by "a.host", a tag or
// digest kept), with any tag when it names neither tag nor digest, and not with another tag
// when it names one; hosts compare case-insensitively, so changing the case of the pattern's
// host never changes a match; a base-image pattern with '@*' is valid exactly when the pattern
// is a valid scope without tag or digest.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/policy/policy.h"
#include "vouch/registry/reference.h"

namespace {

// Instantiate writes the image a valid pattern names most directly.
std::string Instantiate(std::string_view pattern) {
  std::string out;
  size_t start = 0;
  for (bool host = true;; host = false) {
    size_t slash = pattern.find('/', start);
    std::string_view seg =
        pattern.substr(start, slash == std::string_view::npos ? slash : slash - start);
    std::string_view pin;  // ":tag" and/or "@digest" of the last segment
    if (slash == std::string_view::npos) {
      size_t p = seg.find_first_of(":@");
      if (p != std::string_view::npos) {
        pin = seg.substr(p);
        seg = seg.substr(0, p);
      }
    }
    if (seg == "*" || seg == "**") {
      out += host ? "h.example" : "x";
    } else if (host && seg.starts_with("*.")) {
      out += "a" + std::string(seg.substr(1));
    } else {
      out += seg;
    }
    out += pin;
    if (slash == std::string_view::npos) {
      return out;
    }
    out += '/';
    start = slash + 1;
  }
}

// SwapHostCase changes the case of every letter of the host (the first segment).
std::string SwapHostCase(std::string_view pattern) {
  std::string out(pattern);
  for (char& c : out) {
    if (c == '/') {
      break;
    }
    auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(std::islower(u) ? std::toupper(u) : std::tolower(u));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view pattern = input.substr(0, nl);
  std::string_view image = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  const bool valid = vouch::policy::CheckScopePattern(pattern).ok();
  const size_t specificity = vouch::policy::ScopeSpecificity(pattern);
  if (!image.empty()) {
    vouch::Result<vouch::registry::Reference> ref = vouch::registry::ParseReference(image);
    const std::string canonical = ref.ok() ? ref->ToString() : std::string(image);
    const bool match = vouch::policy::ScopeMatches(pattern, canonical);
    FUZZ_CHECK(valid || !match);
    if (valid && pattern != "*") {
      FUZZ_CHECK(vouch::policy::ScopeMatches(SwapHostCase(pattern), canonical) == match);
    }
  }
  const bool has_at = pattern.find('@') != std::string_view::npos;
  const std::string_view last = pattern.substr(pattern.rfind('/') + 1);
  const bool has_tag = !has_at && last.find(':') != std::string_view::npos;
  if (!has_at) {
    const bool base_ok = vouch::policy::CheckBaseImagePattern(std::string(pattern) + "@*").ok();
    FUZZ_CHECK(base_ok == (pattern == "*" || pattern == "**" || (valid && !has_tag)));
  }
  if (!valid) {
    FUZZ_CHECK(specificity == 0);
    FUZZ_CHECK(!vouch::policy::ScopeMatches(pattern, "registry.example/app:latest"));
    return 0;
  }
  if (pattern == "*") {
    FUZZ_CHECK(specificity == 0);
    FUZZ_CHECK(vouch::policy::ScopeMatches(pattern, "registry.example/app:latest"));
    return 0;
  }
  FUZZ_CHECK(specificity > 0);
  const std::string named = Instantiate(pattern);
  FUZZ_CHECK(vouch::policy::ScopeMatches(pattern, named));
  FUZZ_CHECK(vouch::policy::ScopeMatches(SwapHostCase(pattern), named));
  if (!has_at && !has_tag) {
    FUZZ_CHECK(vouch::policy::ScopeMatches(pattern, named + ":some-tag"));
  } else if (has_tag && !last.ends_with(":zz-other")) {
    FUZZ_CHECK(
        !vouch::policy::ScopeMatches(pattern, named.substr(0, named.rfind(':')) + ":zz-other"));
  }
  return 0;
}
