// Private to the registry module: query-string escaping for the distribution and token APIs.
#pragma once

#include <string>
#include <string_view>

namespace vouch::registry::internal {

// QueryEscape percent-encodes |s| for a query parameter value with libcurl (everything but
// RFC 3986 unreserved characters), then leaves '/' literal, which a query may hold (RFC 3986
// section 3.4) and which keeps repository names readable in -v logs. '+' becomes %2B, so a
// media type such as "...bundle.v0.3+json" is not read back as a space.
std::string QueryEscape(std::string_view s);

}  // namespace vouch::registry::internal
