#include "core/internal/percent.h"

#include "vouch/core/bytes.h"

namespace vouch {

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    Result<Bytes> byte = HexDecode(s.substr(i + 1, 2));
    if (!byte.ok() || byte->size() != 1) {
      return InvalidArgumentError("bad percent-encoding (a '%' must be followed by two hex digits)");
    }
    out.push_back(static_cast<char>((*byte)[0]));
    i += 2;
  }
  return out;
}

}  // namespace vouch
