// Private to the registry module: the pagination Link header (RFC 8288 section 3), as the
// distribution API's tag list and referrers answer with it.
#pragma once

#include <string>
#include <vector>

namespace vouch::registry::internal {

// ParseLinkNext returns the target of the first link-value whose rel parameter names the "next"
// relation, searching the Link header values |values| in order, or "" when none does. A value is
// a comma-separated list of `<URI-Reference> *( ";" param [ "=" ( token / quoted-string ) ] )`;
// rel holds space-separated relation types compared case-insensitively, and only a link-value's
// first rel counts (RFC 8288 section 3.3). A value that breaks the grammar is read up to the
// break: the link-values before it still count, nothing after it does. An empty target ("<>",
// the page itself) is skipped. The target is returned as written (relative references are the
// caller's to resolve).
std::string ParseLinkNext(const std::vector<std::string>& values);

}  // namespace vouch::registry::internal
