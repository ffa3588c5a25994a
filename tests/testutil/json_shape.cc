#include "testutil/json_shape.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testutil/testutil.h"

namespace vouch::testing {
namespace {

using nlohmann::json;

bool HasType(const json& v, const std::string& type) {
  const std::string none = " or null";
  if (type.size() > none.size() && type.ends_with(none)) {
    return v.is_null() || HasType(v, type.substr(0, type.size() - none.size()));
  }
  const std::map<std::string, bool> is = {{"string", v.is_string()},
                                          {"integer", v.is_number_integer()},
                                          {"boolean", v.is_boolean()},
                                          {"object", v.is_object()},
                                          {"array", v.is_array()},
                                          {"null", v.is_null()},
                                          {"any", true}};
  auto it = is.find(type);
  BOOST_REQUIRE_MESSAGE(it != is.end(), "docs/output.md: unknown type \"" << type << "\"");
  return it->second;
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '.');) {
    parts.push_back(part);
  }
  return parts;
}

// Check walks |parts| from |i| below |v| (reached by |where|) and checks the last one's type.
void Check(const json& v, const std::vector<std::string>& parts, size_t i, const std::string& where,
           const std::string& type, std::vector<std::string>& problems) {
  std::string name = parts[i];
  const bool each = name.ends_with("[]");
  if (each) {
    name.resize(name.size() - 2);
  }
  const std::string at = where.empty() ? name : where + "." + name;
  const std::string optional = ", optional";
  if (!v.is_object() || !v.contains(name)) {
    if (!type.ends_with(optional)) {
      problems.push_back(at + ": missing");
    }
    return;
  }
  if (type.ends_with(optional)) {
    Check(v, parts, i, where, type.substr(0, type.size() - optional.size()), problems);
    return;
  }
  const json& field = v[name];
  if (!each) {
    if (i + 1 == parts.size()) {
      if (!HasType(field, type)) {
        problems.push_back(at + ": want " + type + ", got " + field.dump());
      }
      return;
    }
    Check(field, parts, i + 1, at, type, problems);
    return;
  }
  if (!field.is_array()) {
    problems.push_back(at + ": want an array, got " + field.dump());
    return;
  }
  for (size_t k = 0; k < field.size(); ++k) {
    Check(field[k], parts, i + 1, at + "[" + std::to_string(k) + "]", type, problems);
  }
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  const size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::map<std::string, std::string> DocumentedShape(const std::string& name) {
  std::stringstream doc(ReadText(SourceDir() + "/docs/output.md"));
  std::map<std::string, std::string> shape;
  bool in_section = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.starts_with("## ")) {
      in_section = line == "## " + name;
      continue;
    }
    // A row: | `field` | type | meaning |
    if (!in_section || !line.starts_with("| `")) {
      continue;
    }
    const size_t end = line.find('`', 3);
    const size_t bar = line.find('|', end);
    const size_t next = line.find('|', bar + 1);
    BOOST_REQUIRE_MESSAGE(end != std::string::npos && next != std::string::npos, line);
    shape[line.substr(3, end - 3)] = Trim(line.substr(bar + 1, next - bar - 1));
  }
  BOOST_REQUIRE_MESSAGE(!shape.empty(), "docs/output.md has no table under \"## " << name << "\"");
  return shape;
}

std::vector<std::string> ShapeProblems(const std::string& json_text,
                                       const std::map<std::string, std::string>& shape) {
  const json doc = json::parse(json_text, nullptr, false);
  if (!doc.is_object()) {
    return {"not one JSON object: " + json_text};
  }
  std::vector<std::string> problems;
  for (const auto& [path, type] : shape) {
    Check(doc, Split(path), 0, "", type, problems);
  }
  for (const auto& [key, value] : doc.items()) {
    if (shape.count(key) == 0) {
      problems.push_back(key + ": not documented");
    }
  }
  return problems;
}

}  // namespace vouch::testing
