// The initial TUF roots built into vouch (tuf/roots/, embedded at build time by CMake).
#pragma once

#include <string_view>

namespace vouch::tuf::internal {

// ProductionRoot is tuf/roots/production-root.json: the root of kPublicGoodUrl.
std::string_view ProductionRoot();
// StagingRoot is tuf/roots/staging-root.json: the root of kStagingUrl.
std::string_view StagingRoot();

}  // namespace vouch::tuf::internal
