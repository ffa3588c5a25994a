// Percent-encoding (RFC 3986 section 2.1), decoded in one place for every URI form vouch reads:
// PKCS#11 URIs (keys) and package URLs (verify's baseImages).
#pragma once

#include <string>
#include <string_view>

#include "vouch/core/status.h"

namespace vouch {

// PercentDecode decodes "%XX" (either case) to the byte 0xXX and copies every other byte. A '%'
// not followed by two hex digits is kInvalidArgument. Decodes once: "%2541" is "%41".
Result<std::string> PercentDecode(std::string_view s);

}  // namespace vouch
