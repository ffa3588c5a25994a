// The validator's primitives (checker.h), and the reading of regexp anchors behind the
// unanchored-regexp warning.
#include "checker.h"

#include <algorithm>
#include <utility>

#include "vouch/core/file.h"

namespace vouch::policy::internal {
namespace {

// Regexp anchoring: a textual reading of RE2's syntax, enough to tell "^a$|^b$" (anchored) from
// "^a|b$" (not). RE2 does not expose its parse tree.

// TopLevelBranches splits |re| at the '|' outside groups and character classes.
std::vector<std::string_view> TopLevelBranches(std::string_view re) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool in_class = false;
  size_t start = 0;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      ++i;  // the escaped character is a literal
    } else if (in_class) {
      if (c == '[' && i + 1 < re.size() && re[i + 1] == ':') {
        size_t close = re.find(":]", i + 2);  // a [:class:] inside a class
        i = close == std::string_view::npos ? re.size() : close + 1;
      } else if (c == ']') {
        in_class = false;
      }
    } else if (c == '[') {
      in_class = true;
      i += (i + 1 < re.size() && re[i + 1] == '^') ? 1 : 0;
      i += (i + 1 < re.size() && re[i + 1] == ']') ? 1 : 0;  // "[]" and "[^]" open with a ']'
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      out.push_back(re.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(re.substr(start));
  return out;
}

// EndsWithOperator reports whether |s| ends with |op| ("$", "\z") written as an operator, not
// escaped: the backslashes before it are even in number.
bool EndsWithOperator(std::string_view s, std::string_view op) {
  if (!s.ends_with(op)) {
    return false;
  }
  size_t backslashes = 0;
  for (size_t i = s.size() - op.size(); i > 0 && s[i - 1] == '\\'; --i) {
    ++backslashes;
  }
  return backslashes % 2 == 0;
}

// IsAnchored reports whether every top-level alternative of |re| starts with ^ or \A and ends
// with $ or \z. A leading flag group such as "(?i)" is skipped; when it sets m (multi-line), ^
// and $ match at every line and only \A and \z count.
bool IsAnchored(std::string_view re) {
  bool multi_line = false;
  if (re.starts_with("(?")) {
    size_t close = re.find(')');
    std::string_view flags = re.substr(2, close == std::string_view::npos ? 0 : close - 2);
    if (close != std::string_view::npos &&
        flags.find_first_not_of("imsU-") == std::string_view::npos) {
      multi_line = flags.substr(0, flags.find('-')).find('m') != std::string_view::npos;
      re.remove_prefix(close + 1);
    }
  }
  for (std::string_view branch : TopLevelBranches(re)) {
    bool start = branch.starts_with("\\A") || (!multi_line && branch.starts_with("^"));
    bool end = EndsWithOperator(branch, "\\z") || (!multi_line && EndsWithOperator(branch, "$"));
    if (!start || !end) {
      return false;
    }
  }
  return true;
}

std::string JoinPath(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/' || base.empty()) {
    return p;
  }
  return base + (base.back() == '/' ? "" : "/") + p;
}

}  // namespace

void Checker::Error(const std::string& path, std::string message) {
  doc_.findings.push_back({path, std::move(message)});
}

void Checker::Warn(const std::string& path, std::string message) {
  doc_.findings.push_back({path, std::move(message), Severity::kWarning});
}

bool Checker::Object(const Json& j, const std::string& path,
                     std::span<const std::string_view> known) {
  if (!j.is_object()) {
    Error(path, "must be an object, got " + TypeName(j));
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (std::string_view k : known) {
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      Error(path + "/" + PointerToken(key), "unknown field (expected one of: " + list + ")");
    }
  }
  return true;
}

std::optional<std::string> Checker::String(const Json& obj, const std::string& path,
                                           std::string_view field, bool required) {
  const Json* v = Field(obj, path, field, required);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::string p = path + "/" + PointerToken(field);
  if (!v->is_string()) {
    Error(p, "must be a string, got " + TypeName(*v));
    return std::nullopt;
  }
  std::string s = v->get<std::string>();
  if (s.empty()) {
    Error(p, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::vector<std::string>> Checker::StringList(const Json& obj,
                                                            const std::string& path,
                                                            std::string_view field, bool required,
                                                            bool non_empty) {
  const Json* v = Field(obj, path, field, required);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::string p = path + "/" + PointerToken(field);
  if (!v->is_array()) {
    Error(p, "must be an array of strings, got " + TypeName(*v));
    return std::nullopt;
  }
  if (non_empty && v->empty()) {
    Error(p, "must list at least one entry");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    std::string ep = p + "/" + std::to_string(i);
    if (!e.is_string()) {
      Error(ep, "must be a string, got " + TypeName(e));
      continue;
    }
    if (e.get<std::string>().empty()) {
      Error(ep, "must not be empty");
      continue;
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<int64_t> Checker::Int(const Json& obj, const std::string& path,
                                    std::string_view field, bool required) {
  const Json* v = Field(obj, path, field, required);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_number_integer()) {
    Error(path + "/" + PointerToken(field), "must be an integer, got " + TypeName(*v));
    return std::nullopt;
  }
  return v->get<int64_t>();
}

std::optional<size_t> Checker::Enum(const Json& obj, const std::string& path,
                                    std::string_view field,
                                    std::initializer_list<std::string_view> names,
                                    std::string_view what) {
  std::optional<std::string> s = String(obj, path, field, false);
  if (!s) {
    return std::nullopt;
  }
  size_t i = 0;
  std::string list;
  for (std::string_view n : names) {
    if (n == *s) {
      return i;
    }
    list += (list.empty() ? "" : ", ") + std::string(n);
    ++i;
  }
  Error(path + "/" + PointerToken(field),
        "unknown " + std::string(what) + " " + Quote(*s) + " (expected one of: " + list + ")");
  return std::nullopt;
}

std::string Checker::Exclusive(const Json& obj, const std::string& path,
                               std::initializer_list<std::string_view> fields, bool exactly_one) {
  std::vector<std::string> present;
  for (std::string_view f : fields) {
    if (obj.is_object() && obj.contains(std::string(f))) {
      present.emplace_back(f);
    }
  }
  std::string list;
  for (std::string_view f : fields) {
    list += (list.empty() ? "" : " or ") + std::string(f);
  }
  if (present.size() > 1) {
    Error(path + "/" + PointerToken(present[1]), "give only one of " + list);
  } else if (present.empty() && exactly_one) {
    Error(path, "needs one of " + list);
  }
  return present.empty() ? "" : present[0];
}

void Checker::CheckRegexp(const std::optional<std::string>& re, const std::string& path) {
  if (!re) {
    return;
  }
  if (Result<Regexp> compiled = Regexp::Compile(*re); !compiled.ok()) {
    Error(path, compiled.status().message());
  } else if (!IsAnchored(*re)) {
    Warn(path, "regular expression " + Quote(*re) +
                   " is not anchored, so it matches every value that contains a match; "
                   "anchor it with ^ and $ (or \\A and \\z) to match the whole value");
  }
}

std::string Checker::Resolve(const std::string& p) const { return JoinPath(options_.base_dir, p); }

void Checker::FileMustExist(const std::string& resolved, const std::string& path) {
  if (options_.load_keys && !PathExists(resolved)) {
    Error(path, "file " + Quote(resolved) + " does not exist");
  }
}

const Json* Checker::Field(const Json& obj, const std::string& path, std::string_view field,
                           bool required) {
  const Json* v = obj.is_object() ? FindField(obj, field) : nullptr;
  if (v == nullptr || (v->is_null() && !required)) {
    if (required) {
      Error(path + "/" + PointerToken(field), "is required");
    }
    return nullptr;
  }
  return v;
}

}  // namespace vouch::policy::internal
