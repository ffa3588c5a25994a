// Percent-encoding (RFC 3986 section 2.1), decoded in one place for every URI form vouch reads:
// PKCS#11 URIs (keys) and package URLs (verify's baseImages); encoded for cache folder names (tuf).
#pragma once

#include <string>
#include <string_view>

#include "vouch/core/status.h"

namespace vouch {

// PercentDecode decodes "%XX" (either case) to the byte 0xXX and copies every other byte. A '%'
// not followed by two hex digits is kInvalidArgument. Decodes once: "%2541" is "%41".
Result<std::string> PercentDecode(std::string_view s);

// PercentEncode encodes every byte but RFC 3986 unreserved ones (ALPHA DIGIT - . _ ~) as "%XX"
// (upper-case hex), so the result is one path component: "https://a.b" is "https%3A%2F%2Fa.b".
std::string PercentEncode(std::string_view s);

}  // namespace vouch
