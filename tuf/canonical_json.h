// OLPC canonical JSON, the byte form TUF signs (securesystemslib's encode_canonical; TUF spec
// section 4.2 "File formats": "signed" is canonicalized before signing).
#pragma once

#include <string>

#include "core/internal/json.h"
#include "vouch/core/status.h"

namespace vouch::tuf::internal {

// CanonicalJson encodes |value| as securesystemslib does: object members sorted by key (code
// point order), no whitespace, integers in decimal, strings with only '\' and '"' escaped (every
// other byte, control characters and UTF-8 included, written as is). nlohmann's dump() differs
// (it escapes control characters as \u00XX), so the signed bytes are not its output. A
// floating-point number has no canonical form: kInvalidArgument.
Result<std::string> CanonicalJson(const Json& value);

}  // namespace vouch::tuf::internal
