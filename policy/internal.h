// What the policy module's files share and nobody else sees: the document tree that reading
// produces (document.cc) and checking consumes (parse.cc), parsed scope patterns (scope.cc), and
// small helpers of messages and JSON pointers.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/internal/json.h"
#include "vouch/core/regexp.h"
#include "vouch/core/status.h"
#include "vouch/policy/policy.h"

namespace vouch::policy::internal {

// ---------------------------------------------------------------------------------------------
// Reading (document.cc).

// Document is the parsed tree plus what the syntax layer found (duplicate keys, YAML lines).
struct Document {
  Json root;
  std::vector<LintFinding> findings;
  // lines maps a JSON pointer to its 1-based YAML line (empty for JSON input).
  std::map<std::string, int> lines;
};

// ReadDocument reads |text| into one JSON tree: JSON when it starts with '{' (after an optional
// UTF-8 byte order mark and whitespace), else YAML (the first document, typed by the YAML 1.2
// core schema). Duplicate keys and YAML problems become findings; a syntax error, an empty
// text or more than one YAML document is kInvalidArgument (there is no tree to check).
Result<Document> ReadDocument(std::string_view text);

// PointerToken escapes one JSON pointer (RFC 6901) reference token: '~' as "~0", '/' as "~1".
std::string PointerToken(std::string_view key);

// TypeName names the JSON type of |j| for messages ("an object", "a string", "an integer").
std::string TypeName(const Json& j);

// Quote returns |s| in double quotes, for messages.
inline std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Grammar compiles one of the module's fixed patterns. They are constants covered by the tests,
// so a failure is a programming error, not input to report.
inline Regexp Grammar(std::string_view pattern) { return *Regexp::Compile(pattern); }

// ---------------------------------------------------------------------------------------------
// Scope patterns (scope.cc).

// Pattern is a parsed scope: host and path segments, optional tag and digest.
struct Pattern {
  bool everything = false;  // the lone "*"
  std::vector<std::string> segments;
  std::string tag;
  std::string digest;
};

// ParsePattern checks |text| as a scope pattern (grammar: CheckScopePattern in policy.h); on
// error it returns kInvalidArgument saying why.
Result<Pattern> ParsePattern(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Findings (render.cc).

// CountErrors counts the findings of severity kError.
size_t CountErrors(const std::vector<LintFinding>& findings);

}  // namespace vouch::policy::internal
