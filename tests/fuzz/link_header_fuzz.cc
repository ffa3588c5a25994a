// Fuzz target for vouch::registry::internal::ParseLinkNext (the pagination Link header of tag
// lists and referrers answers, registry/link_header.h). Each line of the input is one header
// value.
// Invariants: a target found was written between '<' and '>' in some value and holds no '>';
// a link-value that is not "next", written before the first value, changes nothing (a
// regression: the first reader took the first "<...>" of a value whose rel="next" came later);
// once a next link is found, another appended at the end changes nothing; a next link-value
// written alone is found.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "link_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> values = FuzzLines(input);
  using vouch::registry::internal::ParseLinkNext;
  const std::string next = ParseLinkNext(values);
  if (!next.empty()) {
    FUZZ_CHECK(next.find('>') == std::string::npos);
    bool written = false;
    for (const std::string& v : values) {
      written = written || v.find("<" + next + ">") != std::string::npos;
    }
    FUZZ_CHECK(written);
  }

  std::vector<std::string> with_prev = values;
  with_prev.front() = "<https://registry.invalid/v2/prev>; rel=\"prev\", " + with_prev.front();
  FUZZ_CHECK(ParseLinkNext(with_prev) == next);

  std::vector<std::string> with_more = values;
  with_more.push_back("<https://registry.invalid/v2/more>; rel=\"next\"");
  const std::string more = ParseLinkNext(with_more);
  FUZZ_CHECK(more == (next.empty() ? "https://registry.invalid/v2/more" : next));

  // The input's first line, as a target, with a next rel.
  std::string_view first = values.front();
  if (first.find('>') == std::string_view::npos) {
    FUZZ_CHECK(ParseLinkNext({"<" + std::string(first) + ">; rel=\"next\""}) == first);
  }
  return 0;
}
