// Boost.Test printers for the enums the keys tests compare.
#pragma once

#include <ostream>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch {
inline std::ostream& operator<<(std::ostream& os, HashAlgorithm alg) {
  return os << HashAlgorithmName(alg);
}
inline std::ostream& operator<<(std::ostream& os, ErrorCode code) {
  return os << ErrorCodeName(code);
}
}  // namespace vouch

namespace vouch::keys {
inline std::ostream& operator<<(std::ostream& os, KeyAlgorithm alg) {
  return os << KeyAlgorithmName(alg);
}
inline std::ostream& operator<<(std::ostream& os, SignatureScheme s) {
  return os << "scheme#" << static_cast<int>(s);
}
}  // namespace vouch::keys
