// Private to the registry module: listing a configuration directory (certs.d, registries.conf.d).
#pragma once

#include <string>
#include <vector>

#include "vouch/core/status.h"

namespace vouch::registry::internal {

// SortedNames lists the entries of |dir| (without "." and ".."), sorted by name.
Result<std::vector<std::string>> SortedNames(const std::string& dir);

}  // namespace vouch::registry::internal
