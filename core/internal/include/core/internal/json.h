// JSON at the trust boundary. nlohmann::json throws; these helpers are the single place where
// its exceptions are caught (core/json.cc) and turned into Status. Internal to vouch.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch {

using Json = nlohmann::json;
// OrderedJson keeps insertion order: used where the byte order of written JSON matters.
using OrderedJson = nlohmann::ordered_json;

// kMaxJsonDepth bounds nesting of untrusted JSON (style guide rule 8).
inline constexpr int kMaxJsonDepth = 64;

// ParseJson parses |text| as one JSON document. Syntax errors, nesting deeper than
// kMaxJsonDepth, invalid UTF-8 and trailing garbage are kInvalidArgument naming |what|.
Result<Json> ParseJson(std::string_view text, std::string_view what);
Result<OrderedJson> ParseOrderedJson(std::string_view text, std::string_view what);

// JsonDocument is one document of a file that holds one JSON value or JSON Lines.
struct JsonDocument {
  size_t line = 0;  // 1-based line of a JSON Lines document; 0 for a whole-file document
  std::string_view text;
};

// JsonDocuments splits |text|: one JSON value (pretty-printed or not) is one document; anything
// else is JSON Lines, one document per non-blank line (`gh attestation` writes bundles and
// trusted roots so). Nothing is parsed into values; an empty result means only blank lines.
std::vector<JsonDocument> JsonDocuments(std::string_view text);

// DumpJson serializes compactly (no whitespace), keeping non-ASCII as UTF-8; never throws
// (invalid UTF-8 in strings is replaced).
std::string DumpJson(const Json& j);
std::string DumpJson(const OrderedJson& j);
// DumpJsonPretty indents with two spaces.
std::string DumpJsonPretty(const Json& j);
std::string DumpJsonPretty(const OrderedJson& j);

// Typed field access on an object. Each returns kInvalidArgument naming |what| and the field
// when |obj| is not an object, the field is missing (for Get*), or has the wrong type.
Result<std::string> GetString(const Json& obj, std::string_view field, std::string_view what);
Result<const Json*> GetObject(const Json& obj, std::string_view field, std::string_view what);
Result<const Json*> GetArray(const Json& obj, std::string_view field, std::string_view what);
Result<int64_t> GetInt(const Json& obj, std::string_view field, std::string_view what);
// Find returns the field or nullptr when |obj| is not an object or lacks it.
const Json* FindField(const Json& obj, std::string_view field);
// FindProtoField finds a protobuf-JSON field by its lowerCamelCase name |camel| or by its
// original snake_case spelling, as the protobuf JSON mapping lets readers accept both. A JSON
// null counts as absent (nullptr). Both spellings present is ambiguous: kInvalidArgument
// "is given twice (as \"x\" and \"y\")", for the caller to prefix with the field's path.
Result<const Json*> FindProtoField(const Json& obj, std::string_view camel);
// OptString returns the string field, nullopt when absent, an error when present but not a string.
Result<std::optional<std::string>> OptString(const Json& obj, std::string_view field,
                                             std::string_view what);

}  // namespace vouch
