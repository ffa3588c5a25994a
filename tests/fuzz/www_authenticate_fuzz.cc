// Fuzz target for vouch::registry::ParseChallenges (WWW-Authenticate header values of a registry
// or token server's 401). Each line of the input is one header value.
// Invariants: every parsed challenge has a non-empty lowercase scheme and lowercase parameter
// names, and a token68 (the parameter "") stands alone; writing the challenges back in the
// canonical form (scheme, then the token68 or name="value" pairs with '"' and '\' escaped; one
// challenge per value, and all in one value) parses to the same challenges, and Param() returns
// what the map holds.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "vouch/registry/auth.h"

namespace {

using vouch::registry::Challenge;

bool IsLower(const std::string& s) {
  for (char c : s) {
    if (std::tolower(static_cast<unsigned char>(c)) != c) {
      return false;
    }
  }
  return true;
}

std::string Serialize(const Challenge& ch) {
  std::string out = ch.scheme;
  if (auto t = ch.params.find(""); t != ch.params.end()) {
    return out + " " + t->second;
  }
  bool first = true;
  for (const auto& [name, value] : ch.params) {
    out += first ? " " : ", ";
    first = false;
    out += name + "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  return out;
}

bool Equal(const std::vector<Challenge>& a, const std::vector<Challenge>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].scheme != b[i].scheme || a[i].params != b[i].params) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> values = FuzzLines(input);
  vouch::Result<std::vector<Challenge>> parsed = vouch::registry::ParseChallenges(values);
  if (!parsed.ok()) {
    FUZZ_CHECK(vouch::IsInvalidArgument(parsed.status()));
    return 0;
  }
  for (const Challenge& ch : *parsed) {
    FUZZ_CHECK(!ch.scheme.empty() && IsLower(ch.scheme));
    FUZZ_CHECK(!ch.params.contains("") || ch.params.size() == 1);
    for (const auto& [name, value] : ch.params) {
      FUZZ_CHECK(IsLower(name));
      FUZZ_CHECK(ch.Param(name) == value);
    }
  }
  // Canonical form: one challenge per value, and all of them in one value (the parser's
  // 16 KiB cap per value aside: quoting may lengthen a value).
  std::vector<std::string> one_each;
  std::string joined;
  for (const Challenge& ch : *parsed) {
    one_each.push_back(Serialize(ch));
    joined += (joined.empty() ? "" : ", ") + one_each.back();
  }
  for (const std::vector<std::string>& canonical : {one_each, std::vector<std::string>{joined}}) {
    bool fits = true;
    for (const std::string& v : canonical) {
      fits = fits && v.size() <= 16384;
    }
    if (!fits || parsed->empty()) {
      continue;
    }
    vouch::Result<std::vector<Challenge>> again = vouch::registry::ParseChallenges(canonical);
    if (!again.ok()) {
      std::fprintf(stderr, "ParseChallenges(%s): %s\n", canonical.front().c_str(),
                   again.status().ToString().c_str());
    }
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(Equal(*again, *parsed));
  }
  return 0;
}
