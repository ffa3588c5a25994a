// The JSON shapes of docs/output.md, read from the document itself, and a checker: a command's
// `--output json` is tested against the table that documents it, so the two cannot drift.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vouch::testing {

// DocumentedShape returns the table under the heading "## <name>" of docs/output.md (in
// SourceDir()): field path ("signer.keyId", "manifests[].digest") -> type ("string", "integer",
// "boolean", "object", "array", "null", "any", "<type> or null", and any of them followed by
// ", optional" for a field that may be absent). Fails the test when the
// section or its table is missing.
std::map<std::string, std::string> DocumentedShape(const std::string& name);

// ShapeProblems parses |json_text| and lists every departure from |shape|: text that is not one
// JSON object, a documented field that is missing or of another type (checked in every element
// of the arrays a path goes through), and a top-level field that is not documented. Empty when
// the document conforms.
std::vector<std::string> ShapeProblems(const std::string& json_text,
                                       const std::map<std::string, std::string>& shape);

}  // namespace vouch::testing
