// The trust policy: parse (JSON or YAML into one JSON tree), lint (one validator, so paths are
// the same for both syntaxes), scopes and explain. Schema: docs/policy.md.
#include "vouch/policy/policy.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "core/internal/json.h"
#include "vouch/attest/provenance.h"
#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/duration.h"
#include "vouch/core/file.h"
#include "vouch/core/regexp.h"

namespace vouch::policy {
namespace {

// A policy file is a few KiB; the cap keeps a mistaken path from being read whole.
constexpr size_t kMaxPolicyFileSize = size_t{1} << 20;
// YAML aliases can expand a small file into a huge tree ("billion laughs"): cap the nodes.
constexpr size_t kMaxYamlNodes = 100000;
// Image references are at most 255 characters plus tag and digest (formats.md §1.1).
constexpr size_t kMaxPatternLength = 512;

constexpr std::string_view kVulnPredicateTypes[] = {
    "https://cosign.sigstore.dev/attestation/vuln/v1",
    "https://in-toto.io/attestation/vulns/v0.1",
    "https://in-toto.io/attestation/vulns/v0.2",
};
constexpr std::string_view kVsaPredicateType = "https://slsa.dev/verification_summary/v1";
constexpr std::array<std::string_view, 5> kSeverities = {"none", "low", "medium", "high",
                                                         "critical"};

// JSON pointer (RFC 6901) escaping of one reference token.
std::string PointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: JSON (with duplicate-key detection) and YAML (converted to the same JSON tree).

// Document is the parsed tree plus what the syntax layer found (duplicate keys, YAML lines).
struct Document {
  Json root;
  std::vector<LintFinding> findings;
  // lines maps a JSON pointer to its 1-based YAML line (empty for JSON input).
  std::map<std::string, int> lines;
};

// DuplicateTracker follows the nlohmann parser callbacks to know the JSON pointer of every key:
// nlohmann keeps the last of duplicate keys silently, containers/image rejects them, so do we.
class DuplicateTracker {
 public:
  bool OnEvent(int depth, Json::parse_event_t event, const Json& parsed) {
    if (depth > kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        NextElement();
        stack_.push_back(Frame{event == Json::parse_event_t::array_start, -1, {}, {}});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!stack_.empty()) {
          stack_.pop_back();
        }
        break;
      case Json::parse_event_t::key:
        if (!stack_.empty() && parsed.is_string()) {
          Frame& top = stack_.back();
          top.key = parsed.get<std::string>();
          if (!top.keys.insert(top.key).second) {
            duplicates_.push_back(Path());
          }
        }
        break;
      case Json::parse_event_t::value:
        NextElement();
        break;
    }
    return true;
  }
  const std::vector<std::string>& duplicates() const { return duplicates_; }
  bool too_deep() const { return too_deep_; }

 private:
  struct Frame {
    bool array;
    long index;
    std::set<std::string> keys;
    std::string key;
  };
  void NextElement() {
    if (!stack_.empty() && stack_.back().array) {
      ++stack_.back().index;
    }
  }
  std::string Path() const {
    std::string p;
    for (const Frame& f : stack_) {
      p += "/" + (f.array ? std::to_string(f.index) : PointerToken(f.key));
    }
    return p;
  }
  std::vector<Frame> stack_;
  std::vector<std::string> duplicates_;
  bool too_deep_ = false;
};

Result<Document> ReadJson(std::string_view text) {
  Document doc;
  DuplicateTracker tracker;
  try {
    doc.root = Json::parse(
        text.begin(), text.end(),
        [&tracker](int depth, Json::parse_event_t event, Json& parsed) {
          return tracker.OnEvent(depth, event, parsed);
        },
        /*allow_exceptions=*/true);
  } catch (const Json::exception& e) {
    return InvalidArgumentError(std::string("policy is not valid JSON: ") + e.what());
  }
  if (tracker.too_deep()) {
    return InvalidArgumentError("policy nests deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
  }
  for (const std::string& path : tracker.duplicates()) {
    doc.findings.push_back({path, "duplicate field"});
  }
  return doc;
}

// Grammar compiles one of this file's fixed patterns. They are constants covered by the tests, so
// a failure is a programming error, not input to report.
Regexp Grammar(std::string_view pattern) { return *Regexp::Compile(pattern); }

// LooksInt / LooksFloat: the YAML 1.2 core schema's integer and float forms.
bool LooksInt(std::string_view s) {
  static const Regexp kInt = Grammar("[-+]?[0-9]+");
  return kInt.FullMatches(s);
}
bool LooksFloat(std::string_view s) {
  static const Regexp kFloat = Grammar(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return kFloat.FullMatches(s);
}

// YamlScalar types a scalar the way the YAML 1.2 core schema does: quoted scalars are strings;
// plain ones are null, booleans (true/false only, never yes/no/on/off), integers or floats when
// they look like one, else strings.
Result<Json> YamlScalar(const YAML::Node& n) {
  const std::string& tag = n.Tag();
  const std::string& s = n.Scalar();
  constexpr std::string_view kCore = "tag:yaml.org,2002:";
  std::string kind;
  if (tag == "!" || tag == std::string(kCore) + "str") {
    return Json(s);
  }
  if (tag.rfind(kCore, 0) == 0) {
    kind = tag.substr(kCore.size());
  } else if (tag != "?" && !tag.empty()) {
    return InvalidArgumentError("unsupported YAML tag " + Quote(tag));
  }
  bool is_null = s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
  bool is_bool =
      s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
  bool is_int = LooksInt(s);
  bool is_float = !is_int && LooksFloat(s);
  if ((kind.empty() || kind == "null") && is_null) {
    return Json(nullptr);
  }
  if ((kind.empty() || kind == "bool") && is_bool) {
    return Json(s[0] == 't' || s[0] == 'T');
  }
  if ((kind.empty() || kind == "int") && is_int) {
    try {
      return Json(static_cast<int64_t>(std::stoll(s)));
    } catch (const std::exception&) {
      return InvalidArgumentError("integer out of range: " + s);
    }
  }
  if ((kind.empty() || kind == "float") && (is_float || is_int)) {
    try {
      return Json(std::stod(s));
    } catch (const std::exception&) {
      return InvalidArgumentError("number out of range: " + s);
    }
  }
  if (kind.empty()) {
    return Json(s);
  }
  return InvalidArgumentError(Quote(s) + " is not a valid !!" + kind);
}

class YamlConverter {
 public:
  explicit YamlConverter(Document& doc) : doc_(doc) {}

  // Convert returns the JSON value of |n| at |path|; problems become findings (null value).
  Json Convert(const YAML::Node& n, const std::string& path, int depth) {
    if (!n.Mark().is_null()) {
      doc_.lines.emplace(path, n.Mark().line + 1);
    }
    if (++nodes_ > kMaxYamlNodes) {
      Error(path, "the document has more than " + std::to_string(kMaxYamlNodes) +
                      " nodes (aliases expanded)");
      return Json(nullptr);
    }
    if (depth > kMaxJsonDepth) {
      Error(path, "nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      return Json(nullptr);
    }
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return Json(nullptr);
      case YAML::NodeType::Scalar: {
        Result<Json> v = YamlScalar(n);
        if (!v.ok()) {
          Error(path, v.status().message());
          return Json(nullptr);
        }
        return *v;
      }
      case YAML::NodeType::Sequence: {
        Json arr = Json::array();
        size_t i = 0;
        for (const YAML::Node& child : n) {
          arr.push_back(Convert(child, path + "/" + std::to_string(i++), depth + 1));
          if (overflow_) {
            break;
          }
        }
        return arr;
      }
      case YAML::NodeType::Map: {
        Json obj = Json::object();
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) {
            Error(path, "keys must be strings");
            continue;
          }
          const std::string& key = kv.first.Scalar();
          std::string child_path = path + "/" + PointerToken(key);
          if (obj.contains(key)) {
            Error(child_path,
                  "duplicate field (line " + std::to_string(kv.first.Mark().line + 1) + ")");
            continue;
          }
          obj[key] = Convert(kv.second, child_path, depth + 1);
          if (overflow_) {
            break;
          }
        }
        return obj;
      }
    }
    return Json(nullptr);
  }

 private:
  void Error(const std::string& path, std::string message) {
    if (nodes_ > kMaxYamlNodes) {
      if (overflow_) {
        return;
      }
      overflow_ = true;
    }
    doc_.findings.push_back({path, std::move(message)});
  }
  Document& doc_;
  size_t nodes_ = 0;
  bool overflow_ = false;
};

// NullHandler ignores parse events: it lets the parser walk a document only to learn whether
// there is one.
class NullHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// CountDocuments returns 0, 1 or 2 (= more than one). It never asks the parser for more than two
// documents: yaml-cpp 0.7's LoadAll loops forever, allocating, on input such as ","
// (jbeder/yaml-cpp#1040, fixed upstream by #1319), so vouch never calls LoadAll.
int CountDocuments(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  NullHandler handler;
  int n = 0;
  while (n < 2 && parser.HandleNextDocument(handler)) {
    ++n;
  }
  return n;
}

Result<Document> ReadYaml(std::string_view text) {
  Document doc;
  const std::string input(text);
  YAML::Node root;
  try {
    root = YAML::Load(input);  // the first document only
    if (root.IsMap() && CountDocuments(input) > 1) {
      return InvalidArgumentError("policy holds more than one YAML document; one is expected");
    }
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : " (line " + std::to_string(e.mark.line + 1) + ")";
    return InvalidArgumentError("policy is not valid YAML: " + e.msg + where);
  }
  try {
    YamlConverter conv(doc);
    doc.root = conv.Convert(root, "", 0);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("policy is not valid YAML: " + e.msg);
  }
  return doc;
}

Result<Document> ReadDocument(std::string_view text) {
  // A UTF-8 byte order mark is allowed (editors write one) and ignored.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return InvalidArgumentError("policy is empty");
  }
  if (text[first] == '{') {
    return ReadJson(text);
  }
  return ReadYaml(text);
}

// ---------------------------------------------------------------------------------------------
// Scope patterns.

// Pattern is a parsed scope: host and path segments, optional tag and digest.
struct Pattern {
  bool everything = false;  // the lone "*"
  std::vector<std::string> segments;
  std::string tag;
  std::string digest;
};

// SplitReference splits "name[:tag][@digest]" the way image references are split (formats.md
// §1.1): the digest first, then a tag only when the last ':' follows the last '/'.
void SplitReference(std::string_view ref, std::string_view& name, std::string_view& tag,
                    std::string_view& digest) {
  name = ref;
  tag = {};
  digest = {};
  size_t at = name.find('@');
  if (at != std::string_view::npos) {
    digest = name.substr(at + 1);
    name = name.substr(0, at);
  }
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
}

std::vector<std::string> SplitSegments(std::string_view name) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    out.emplace_back(
        name.substr(start, slash == std::string_view::npos ? name.npos : slash - start));
    if (slash == std::string_view::npos) {
      return out;
    }
    start = slash + 1;
  }
}

bool IsHostWildcard(std::string_view seg) { return seg.size() > 2 && seg.substr(0, 2) == "*."; }

// ParsePattern checks |text| as a scope pattern; on error it returns the reason.
Result<Pattern> ParsePattern(std::string_view text) {
  Pattern p;
  if (text == "*") {
    p.everything = true;
    return p;
  }
  if (text.empty()) {
    return InvalidArgumentError("scope is empty");
  }
  if (text.size() > kMaxPatternLength) {
    return InvalidArgumentError("scope is longer than " + std::to_string(kMaxPatternLength) +
                                " characters");
  }
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
  SplitReference(text, name, tag, digest);
  if (text.find('@') != std::string_view::npos) {
    Result<Digest> d = Digest::Parse(digest);
    if (!d.ok()) {
      return InvalidArgumentError("bad digest in scope: " + d.status().message());
    }
    p.digest = std::string(digest);
  }
  if (tag.empty() && !name.empty() && name.size() < text.size() && text[name.size()] == ':') {
    return InvalidArgumentError("scope has an empty tag after ':'");
  }
  if (!tag.empty()) {
    static const Regexp kTag = Grammar("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    if (!kTag.FullMatches(tag)) {
      return InvalidArgumentError("bad tag " + Quote(tag) + " in scope");
    }
    p.tag = std::string(tag);
  }
  if (name.find('/') == std::string_view::npos) {
    return InvalidArgumentError(
        "scope needs a registry host and a repository path (e.g. \"registry.example.com/app\", "
        "\"registry.example.com/**\"), or is the lone \"*\"");
  }
  p.segments = SplitSegments(name);
  static const Regexp kHost = Grammar("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
  static const Regexp kHostWildcard = Grammar(R"(\*(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+)");
  static const Regexp kComponent = Grammar("[a-z0-9]+(([.]|_|__|[-]+)[a-z0-9]+)*");
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const std::string& seg = p.segments[i];
    if (seg.empty()) {
      return InvalidArgumentError("scope has an empty path segment");
    }
    if (seg == "*" || seg == "**") {
      continue;
    }
    if (i == 0) {
      if (seg.find('*') != std::string::npos) {
        if (!kHostWildcard.FullMatches(seg)) {
          return InvalidArgumentError("bad host wildcard " + Quote(seg) +
                                      ": write \"*\" or \"*.example.com\"");
        }
        continue;
      }
      if (!kHost.FullMatches(seg)) {
        return InvalidArgumentError("bad registry host " + Quote(seg));
      }
      continue;
    }
    if (seg.find('*') != std::string::npos) {
      return InvalidArgumentError("bad path segment " + Quote(seg) +
                                  ": '*' and '**' stand alone between slashes");
    }
    if (!kComponent.FullMatches(seg)) {
      return InvalidArgumentError("bad path segment " + Quote(seg) +
                                  " (repository names are lowercase letters, digits and . _ -)");
    }
  }
  if (p.segments.size() == 1) {
    return InvalidArgumentError("scope needs a repository path after the host");
  }
  return p;
}

bool SegmentMatches(std::string_view pat, std::string_view seg, bool host) {
  if (pat == "*") {
    return !seg.empty();
  }
  if (host && IsHostWildcard(pat)) {
    std::string_view suffix = pat.substr(1);  // ".example.com"
    return seg.size() > suffix.size() && seg.substr(seg.size() - suffix.size()) == suffix;
  }
  if (host) {
    // Host names are case-insensitive; normalized references keep them as written.
    return pat.size() == seg.size() &&
           std::equal(pat.begin(), pat.end(), seg.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  }
  return pat == seg;
}

// SegmentMatcher: '**' matches zero or more segments in the middle, one or more at the end (so
// "ns/**" names what is inside ns, not ns itself), like gitignore. Memoized on (pattern index,
// image index): a pattern of many '**' must not backtrack exponentially.
class SegmentMatcher {
 public:
  SegmentMatcher(const std::vector<std::string>& pat, const std::vector<std::string>& img)
      : pat_(pat), img_(img), memo_((pat.size() + 1) * (img.size() + 1), -1) {}

  bool Match(size_t pi, size_t ii) {
    int8_t& m = memo_[pi * (img_.size() + 1) + ii];
    if (m < 0) {
      m = Compute(pi, ii) ? 1 : 0;
    }
    return m == 1;
  }

 private:
  bool Compute(size_t pi, size_t ii) {
    if (pi == pat_.size()) {
      return ii == img_.size();
    }
    if (pat_[pi] == "**") {
      size_t min = (pi + 1 == pat_.size()) ? 1 : 0;
      for (size_t k = ii + min; k <= img_.size(); ++k) {
        if (Match(pi + 1, k)) {
          return true;
        }
      }
      return false;
    }
    if (ii == img_.size() || !SegmentMatches(pat_[pi], img_[ii], ii == 0)) {
      return false;
    }
    return Match(pi + 1, ii + 1);
  }

  const std::vector<std::string>& pat_;
  const std::vector<std::string>& img_;
  std::vector<int8_t> memo_;
};

// ---------------------------------------------------------------------------------------------
// Regexp anchoring (a lint warning): a textual reading of RE2's syntax, enough to tell "^a$|^b$"
// (anchored) from "^a|b$" (not). RE2 does not expose its parse tree.

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

// ---------------------------------------------------------------------------------------------
// The validator: walks the JSON tree, collects every finding, fills the model.

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string JoinPath(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/' || base.empty()) {
    return p;
  }
  return base + (base.back() == '/' ? "" : "/") + p;
}

class Checker {
 public:
  Checker(const ParseOptions& options, Document& doc) : options_(options), doc_(doc) {}

  void Error(const std::string& path, std::string message) {
    doc_.findings.push_back({path, std::move(message)});
  }

  void Warn(const std::string& path, std::string message) {
    doc_.findings.push_back({path, std::move(message), Severity::kWarning});
  }

  // Object checks that |j| is an object and that it has no field outside |known|.
  bool Object(const Json& j, const std::string& path,
              std::initializer_list<std::string_view> known) {
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

  // String returns the string field |field| of object |obj|: nullopt when absent (an error
  // when |required|) or of the wrong type (an error). Empty strings are errors.
  std::optional<std::string> String(const Json& obj, const std::string& path,
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

  // StringList returns an array-of-strings field (absent: nullopt, an error when |required|;
  // |non_empty|: an empty array is an error). Bad elements are reported and skipped.
  std::optional<std::vector<std::string>> StringList(const Json& obj, const std::string& path,
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

  std::optional<int64_t> Int(const Json& obj, const std::string& path, std::string_view field,
                             bool required) {
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

  // Enum returns the index of the string field's value in |names|, or nullopt (error reported
  // when present but not one of them).
  std::optional<size_t> Enum(const Json& obj, const std::string& path, std::string_view field,
                             std::initializer_list<std::string_view> names, std::string_view what) {
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

  // Exclusive reports an error unless at most one (|exactly_one|: exactly one) of |fields| is
  // present, and returns the present field (or "").
  std::string Exclusive(const Json& obj, const std::string& path,
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

  // CheckRegexp reports an error when |re| does not compile (vouch/core/regexp.h: RE2, Go
  // syntax), and a warning when it is not anchored: identities are matched unanchored, as cosign
  // matches them, so "acme/app" also trusts "https://evil.example/acme/app".
  void CheckRegexp(const std::optional<std::string>& re, const std::string& path) {
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

  std::string Resolve(const std::string& p) const { return JoinPath(options_.base_dir, p); }

  // FileMustExist checks a referenced file when files are loaded.
  void FileMustExist(const std::string& resolved, const std::string& path) {
    if (options_.load_keys && !PathExists(resolved)) {
      Error(path, "file " + Quote(resolved) + " does not exist");
    }
  }

  const ParseOptions& options() const { return options_; }

 private:
  const Json* Field(const Json& obj, const std::string& path, std::string_view field,
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

  const ParseOptions& options_;
  Document& doc_;
};

void LoadKey(Checker& c, Authority& a, const std::string& pem, const std::string& path,
             const std::string& source) {
  if (keys::IsPrivateKeyPem(pem)) {
    c.Error(path, source + " holds a private key: give the public key (vouch key public)");
    return;
  }
  Result<keys::Verifier> v = keys::Verifier::FromPem(pem);
  if (!v.ok()) {
    c.Error(path, source + " is not a usable public key: " + v.status().message());
    return;
  }
  a.keys.push_back(*v);
}

void ParseKeyAuthority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(j, path, {"path", "paths", "data"})) {
    return;
  }
  std::string which = c.Exclusive(j, path, {"path", "paths", "data"}, true);
  std::vector<std::pair<std::string, std::string>> files;  // resolved, json path
  if (which == "path") {
    if (auto p = c.String(j, path, "path", true)) {
      files.emplace_back(c.Resolve(*p), path + "/path");
    }
  } else if (which == "paths") {
    if (auto ps = c.StringList(j, path, "paths", true, true)) {
      for (size_t i = 0; i < ps->size(); ++i) {
        files.emplace_back(c.Resolve((*ps)[i]), path + "/paths/" + std::to_string(i));
      }
    }
  } else if (which == "data") {
    if (auto d = c.String(j, path, "data", true); d && c.options().load_keys) {
      LoadKey(c, a, *d, path + "/data", "data");
    }
  }
  for (const auto& [file, p] : files) {
    a.key_paths.push_back(file);
    if (!c.options().load_keys) {
      continue;
    }
    Result<Bytes> pem = ReadFile(file, keys::kMaxKeyFileSize);
    if (!pem.ok()) {
      c.Error(p, "cannot read key file: " + pem.status().message());
      continue;
    }
    LoadKey(c, a, std::string(pem->begin(), pem->end()), p, "key file " + Quote(file));
  }
}

void ParseKeylessAuthority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(
          j, path,
          {"identity", "identityRegExp", "issuer", "issuerRegExp", "trustedRoot", "github"})) {
    return;
  }
  KeylessAuthority& k = a.keyless;
  c.Exclusive(j, path, {"identity", "identityRegExp"}, true);
  c.Exclusive(j, path, {"issuer", "issuerRegExp"}, true);
  k.identity = c.String(j, path, "identity", false).value_or("");
  auto identity_re = c.String(j, path, "identityRegExp", false);
  c.CheckRegexp(identity_re, path + "/identityRegExp");
  k.identity_regexp = identity_re.value_or("");
  k.issuer = c.String(j, path, "issuer", false).value_or("");
  auto issuer_re = c.String(j, path, "issuerRegExp", false);
  c.CheckRegexp(issuer_re, path + "/issuerRegExp");
  k.issuer_regexp = issuer_re.value_or("");
  if (auto root = c.String(j, path, "trustedRoot", false)) {
    k.trusted_root = c.Resolve(*root);
    c.FileMustExist(k.trusted_root, path + "/trustedRoot");
  }
  if (const Json* gh = FindField(j, "github"); gh != nullptr) {
    std::string gp = path + "/github";
    if (c.Object(*gh, gp, {"repository", "ref", "sha", "trigger", "name"})) {
      for (std::string_view f : {"repository", "ref", "sha", "trigger", "name"}) {
        if (auto v = c.String(*gh, gp, f, false)) {
          k.github[std::string(f)] = *v;
        }
      }
    }
  }
}

void ParseX509Authority(Checker& c, const Json& j, const std::string& path, Authority& a) {
  if (!c.Object(j, path,
                {"roots", "intermediates", "subject", "subjectRegExp", "san", "sanRegExp"})) {
    return;
  }
  X509Authority& x = a.x509;
  auto files = [&](std::string_view field, bool required) {
    std::vector<std::string> out;
    if (auto list = c.StringList(j, path, field, required, required)) {
      for (size_t i = 0; i < list->size(); ++i) {
        out.push_back(c.Resolve((*list)[i]));
        c.FileMustExist(out.back(), path + "/" + std::string(field) + "/" + std::to_string(i));
      }
    }
    return out;
  };
  x.roots = files("roots", true);
  x.intermediates = files("intermediates", false);
  c.Exclusive(j, path, {"subject", "subjectRegExp"}, false);
  c.Exclusive(j, path, {"san", "sanRegExp"}, false);
  x.subject = c.String(j, path, "subject", false).value_or("");
  auto subject_re = c.String(j, path, "subjectRegExp", false);
  c.CheckRegexp(subject_re, path + "/subjectRegExp");
  x.subject_regexp = subject_re.value_or("");
  x.san = c.String(j, path, "san", false).value_or("");
  auto san_re = c.String(j, path, "sanRegExp", false);
  c.CheckRegexp(san_re, path + "/sanRegExp");
  x.san_regexp = san_re.value_or("");
}

// AuthorityNames checks a list of authority names against the declared ones.
std::vector<std::string> AuthorityNames(Checker& c, const Json& obj, const std::string& path,
                                        const Policy& policy) {
  auto names = c.StringList(obj, path, "authorities", true, true);
  if (!names) {
    return {};
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string& n = (*names)[i];
    std::string p = path + "/authorities/" + std::to_string(i);
    if (policy.authorities.count(n) == 0) {
      c.Error(p, "unknown authority " + Quote(n) + " (not declared in /authorities)");
    }
    if (!seen.insert(n).second) {
      c.Error(p, "authority " + Quote(n) + " is listed twice");
    }
  }
  return *names;
}

// PredicateTypesFor maps a requirement's type to the predicate type URIs it accepts.
Result<std::vector<std::string>> PredicateTypesFor(const std::string& type) {
  if (type == "slsaprovenance") {
    return std::vector<std::string>{std::string(attest::kSlsaProvenanceV1),
                                    std::string(attest::kSlsaProvenanceV02)};
  }
  if (type == "vuln") {
    return std::vector<std::string>(std::begin(kVulnPredicateTypes), std::end(kVulnPredicateTypes));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string uri, attest::PredicateTypeFromName(type));
  return std::vector<std::string>{uri};
}

bool AnyOf(const std::vector<std::string>& types, std::initializer_list<std::string_view> want) {
  for (const std::string& t : types) {
    for (std::string_view w : want) {
      if (t == w) {
        return true;
      }
    }
  }
  return false;
}

// WarnSourceUriRefs warns about each sourceUris entry with an "@ref" suffix: the verifier
// enforces that ref, which a reader of the policy easily takes for part of a repository name.
void WarnSourceUriRefs(Checker& c, const Json& slsa, const std::string& path) {
  const Json* uris = FindField(slsa, "sourceUris");
  if (uris == nullptr || !uris->is_array()) {
    return;
  }
  for (size_t i = 0; i < uris->size(); ++i) {
    if (!(*uris)[i].is_string()) {
      continue;  // reported by StringList
    }
    const std::string uri = (*uris)[i].get<std::string>();
    auto [repo, ref] = attest::SplitSourceUri(uri);
    if (!ref.empty()) {
      c.Warn(path + "/sourceUris/" + std::to_string(i),
             "source URI " + Quote(uri) + " carries the ref " + Quote(ref) +
                 ", which the verifier enforces as a ref check; prefer " + Quote(repo) +
                 " here and \"sourceRefs\": [" + Quote(ref) + "]");
    }
  }
}

void ParseAttestation(Checker& c, const Json& j, const std::string& path, const Policy& policy,
                      AttestationRequirement& req) {
  if (!c.Object(j, path,
                {"type", "authorities", "maxAge", "slsa", "vulnerabilities", "policy", "verifierId",
                 "minLevel"})) {
    return;
  }
  if (auto type = c.String(j, path, "type", true)) {
    req.type = *type;
    Result<std::vector<std::string>> types = PredicateTypesFor(*type);
    if (types.ok()) {
      req.predicate_types = *types;
    } else {
      c.Error(path + "/type", types.status().message());
    }
  }
  req.authorities = AuthorityNames(c, j, path, policy);
  if (auto age = c.String(j, path, "maxAge", false)) {
    Result<std::chrono::seconds> d = ParsePositiveSeconds(*age);
    if (d.ok()) {
      req.max_age = *d;
    } else {
      c.Error(path + "/maxAge", d.status().message());
    }
  }
  bool known_type = !req.predicate_types.empty();
  bool provenance =
      AnyOf(req.predicate_types, {attest::kSlsaProvenanceV1, attest::kSlsaProvenanceV02});
  bool vuln = AnyOf(req.predicate_types,
                    {kVulnPredicateTypes[0], kVulnPredicateTypes[1], kVulnPredicateTypes[2]});
  bool vsa = AnyOf(req.predicate_types, {kVsaPredicateType});
  if (const Json* s = FindField(j, "slsa"); s != nullptr) {
    std::string sp = path + "/slsa";
    if (known_type && !provenance) {
      c.Error(sp, "applies only to SLSA provenance (type slsaprovenance)");
    }
    if (c.Object(*s, sp, {"builderIds", "sourceUris", "sourceRefs", "buildLevel"})) {
      SlsaRequirement slsa;
      slsa.builder_ids =
          c.StringList(*s, sp, "builderIds", false, false).value_or(std::vector<std::string>{});
      slsa.source_uris =
          c.StringList(*s, sp, "sourceUris", false, false).value_or(std::vector<std::string>{});
      WarnSourceUriRefs(c, *s, sp);
      slsa.source_refs =
          c.StringList(*s, sp, "sourceRefs", false, false).value_or(std::vector<std::string>{});
      if (auto level = c.Int(*s, sp, "buildLevel", false)) {
        if (*level < 1 || *level > 3) {
          c.Error(sp + "/buildLevel", "must be 1, 2 or 3");
        } else {
          slsa.build_level = static_cast<int>(*level);
        }
      }
      req.slsa = slsa;
    }
  }
  if (const Json* v = FindField(j, "vulnerabilities"); v != nullptr) {
    std::string vp = path + "/vulnerabilities";
    if (known_type && !vuln) {
      c.Error(vp, "applies only to vulnerability attestations (type vuln)");
    }
    if (c.Object(*v, vp, {"maxSeverity", "ignore"})) {
      VulnerabilityRequirement vr;
      if (auto sev = c.Enum(
              *v, vp, "maxSeverity",
              {kSeverities[0], kSeverities[1], kSeverities[2], kSeverities[3], kSeverities[4]},
              "severity")) {
        vr.max_severity = std::string(kSeverities[*sev]);
      }
      vr.ignore = c.StringList(*v, vp, "ignore", false, false).value_or(std::vector<std::string>{});
      req.vulnerabilities = vr;
    }
  }
  bool has_vsa_fields = false;
  for (std::string_view f : {"policy", "verifierId", "minLevel"}) {
    if (j.contains(std::string(f))) {
      has_vsa_fields = true;
      if (known_type && !vsa) {
        c.Error(path + "/" + std::string(f), "applies only to type vsa");
      }
    }
  }
  if (vsa || has_vsa_fields) {
    VsaRequirement v;
    v.policy = c.String(j, path, "policy", false).value_or("");
    v.verifier_id = c.String(j, path, "verifierId", false).value_or("");
    if (auto level = c.String(j, path, "minLevel", false)) {
      static const Regexp kLevel = Grammar("SLSA_[A-Z]+_LEVEL_[0-9]+");
      if (level->rfind("SLSA_", 0) == 0 && !kLevel.FullMatches(*level)) {
        c.Error(path + "/minLevel", "bad level " + Quote(*level) +
                                        " (e.g. SLSA_BUILD_LEVEL_3; custom levels must "
                                        "not start with SLSA_)");
      }
      v.min_level = *level;
    }
    req.vsa = v;
  }
}

void ParseScopePolicy(Checker& c, const Json& j, const std::string& path, const Policy& policy,
                      ScopePolicy& sp) {
  sp.json_path = path;
  if (!c.Object(j, path,
                {"name", "scope", "mode", "signatures", "attestations", "baseImages", "platforms",
                 "failurePolicy"})) {
    return;
  }
  sp.name = c.String(j, path, "name", true).value_or("");
  if (auto scope = c.String(j, path, "scope", true)) {
    sp.scope = *scope;
    Result<Pattern> p = ParsePattern(*scope);
    if (!p.ok()) {
      c.Error(path + "/scope", p.status().message());
    }
  }
  bool mode_ok = true;
  if (auto m = c.Enum(j, path, "mode", {"enforce", "audit", "accept", "reject"}, "mode")) {
    sp.mode = static_cast<Mode>(*m);
  } else if (const Json* given = FindField(j, "mode"); given != nullptr && !given->is_null()) {
    mode_ok = false;  // reported; do not also complain about what the default mode needs
  }
  if (auto pl = c.Enum(j, path, "platforms", {"all", "index"}, "platforms value")) {
    sp.platforms = static_cast<Platforms>(*pl);
  }
  if (auto fp = c.Enum(j, path, "failurePolicy", {"deny", "allow"}, "failurePolicy")) {
    sp.failure_policy = static_cast<FailurePolicy>(*fp);
  }
  if (const Json* s = FindField(j, "signatures"); s != nullptr) {
    std::string p = path + "/signatures";
    if (c.Object(*s, p, {"authorities", "threshold", "annotations"})) {
      SignatureRequirement req;
      req.authorities = AuthorityNames(c, *s, p, policy);
      if (auto t = c.Int(*s, p, "threshold", false)) {
        if (*t < 1) {
          c.Error(p + "/threshold", "must be at least 1");
        } else if (static_cast<uint64_t>(*t) > req.authorities.size() && !req.authorities.empty()) {
          c.Error(p + "/threshold", "is " + std::to_string(*t) + " but only " +
                                        std::to_string(req.authorities.size()) +
                                        " authorities are listed");
        } else {
          req.threshold = static_cast<size_t>(*t);
        }
      }
      if (const Json* a = FindField(*s, "annotations"); a != nullptr) {
        std::string ap = p + "/annotations";
        if (!a->is_object()) {
          c.Error(ap, "must be an object of strings, got " + TypeName(*a));
        } else {
          for (const auto& [k, v] : a->items()) {
            if (!v.is_string()) {
              c.Error(ap + "/" + PointerToken(k), "must be a string, got " + TypeName(v));
            } else {
              req.annotations[k] = v.get<std::string>();
            }
          }
        }
      }
      sp.signatures = req;
    }
  }
  if (const Json* a = FindField(j, "attestations"); a != nullptr) {
    std::string p = path + "/attestations";
    if (!a->is_array()) {
      c.Error(p, "must be an array, got " + TypeName(*a));
    } else {
      for (size_t i = 0; i < a->size(); ++i) {
        AttestationRequirement req;
        ParseAttestation(c, (*a)[i], p + "/" + std::to_string(i), policy, req);
        sp.attestations.push_back(std::move(req));
      }
    }
  }
  if (const Json* b = FindField(j, "baseImages"); b != nullptr) {
    std::string p = path + "/baseImages";
    if (c.Object(*b, p, {"allowed"})) {
      BaseImageRequirement req;
      req.allowed = c.StringList(*b, p, "allowed", true, true).value_or(std::vector<std::string>{});
      for (size_t i = 0; i < req.allowed.size(); ++i) {
        Status st = CheckBaseImagePattern(req.allowed[i]);
        if (!st.ok()) {
          c.Error(p + "/allowed/" + std::to_string(i), st.message());
        }
      }
      sp.base_images = req;
      bool has_provenance = std::any_of(
          sp.attestations.begin(), sp.attestations.end(), [](const AttestationRequirement& r) {
            return AnyOf(r.predicate_types,
                         {attest::kSlsaProvenanceV1, attest::kSlsaProvenanceV02});
          });
      if (!has_provenance) {
        c.Error(p,
                "base images are read from verified provenance: add an attestation "
                "requirement of type slsaprovenance");
      }
    }
  }
  bool checks = sp.signatures || !sp.attestations.empty() || sp.base_images;
  if (mode_ok && (sp.mode == Mode::kEnforce || sp.mode == Mode::kAudit) && !checks) {
    c.Error(path, "mode " + std::string(ModeName(sp.mode)) +
                      " needs at least one requirement (signatures, attestations or baseImages); "
                      "use mode accept to accept without checks");
  }
}

void ParseDeny(Checker& c, const Json& root, Policy& policy) {
  const Json* d = FindField(root, "deny");
  if (d == nullptr) {
    return;
  }
  if (!c.Object(*d, "/deny", {"digests", "keyIds"})) {
    return;
  }
  if (auto digests = c.StringList(*d, "/deny", "digests", false, false)) {
    const Json& arr = (*d)["digests"];
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        continue;  // reported by StringList
      }
      Result<Digest> dg = Digest::Parse(arr[i].get<std::string>());
      if (dg.ok()) {
        policy.deny.digests.push_back(*dg);
      } else if (!arr[i].get<std::string>().empty()) {
        c.Error("/deny/digests/" + std::to_string(i), dg.status().message());
      }
    }
  }
  if (auto ids = c.StringList(*d, "/deny", "keyIds", false, false)) {
    const Json& arr = (*d)["keyIds"];
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string() || arr[i].get<std::string>().empty()) {
        continue;
      }
      std::string id = arr[i].get<std::string>();
      bool hex = id.size() == 64 && IsHex(id);
      Result<Bytes> b64 = Base64Decode(id);
      bool base64 = id.size() == 44 && b64.ok() && b64->size() == 32;
      if (hex || base64) {
        policy.deny.key_ids.push_back(id);
      } else {
        c.Error("/deny/keyIds/" + std::to_string(i),
                "bad key id " + Quote(id) +
                    ": expected 64 lowercase hex characters (vouch key info) or the base64 "
                    "SHA-256 hint");
      }
    }
  }
}

void ParseAll(Checker& c, const Json& root, Policy& policy) {
  if (!c.Object(root, "", {"version", "authorities", "policies", "deny"})) {
    return;
  }
  if (auto v = c.Int(root, "", "version", true)) {
    if (*v != 1) {
      c.Error("/version", "unsupported version " + std::to_string(*v) + " (this vouch reads 1)");
    }
    policy.version = static_cast<int>(*v);
  }
  if (const Json* auths = FindField(root, "authorities"); auths != nullptr) {
    if (!auths->is_object()) {
      c.Error("/authorities",
              "must be an object (authority name -> definition), got " + TypeName(*auths));
    } else {
      for (const auto& [name, def] : auths->items()) {
        std::string p = "/authorities/" + PointerToken(name);
        Authority a;
        a.name = name;
        if (name.empty()) {
          c.Error(p, "authority names must not be empty");
        }
        if (c.Object(def, p, {"key", "keyless", "x509"})) {
          std::string which = c.Exclusive(def, p, {"key", "keyless", "x509"}, true);
          if (which == "key") {
            a.kind = AuthorityKind::kKey;
            ParseKeyAuthority(c, def["key"], p + "/key", a);
          } else if (which == "keyless") {
            a.kind = AuthorityKind::kKeyless;
            ParseKeylessAuthority(c, def["keyless"], p + "/keyless", a);
          } else if (which == "x509") {
            a.kind = AuthorityKind::kX509;
            ParseX509Authority(c, def["x509"], p + "/x509", a);
          }
        }
        policy.authorities[name] = std::move(a);
      }
    }
  }
  if (const Json* pols = FindField(root, "policies"); pols == nullptr) {
    c.Error("/policies", "is required");
  } else if (!pols->is_array()) {
    c.Error("/policies", "must be an array, got " + TypeName(*pols));
  } else if (pols->empty()) {
    c.Error("/policies", "must list at least one policy");
  } else {
    std::map<std::string, std::string> names;   // name -> path
    std::map<std::string, std::string> scopes;  // scope -> policy name
    for (size_t i = 0; i < pols->size(); ++i) {
      std::string p = "/policies/" + std::to_string(i);
      ScopePolicy sp;
      ParseScopePolicy(c, (*pols)[i], p, policy, sp);
      if (!sp.name.empty()) {
        auto [it, inserted] = names.emplace(sp.name, p);
        if (!inserted) {
          c.Error(p + "/name",
                  "duplicate policy name " + Quote(sp.name) + " (also " + it->second + ")");
        }
      }
      if (!sp.scope.empty()) {
        auto [it, inserted] = scopes.emplace(sp.scope, sp.name);
        if (!inserted) {
          c.Error(p + "/scope", "scope " + Quote(sp.scope) + " is also the scope of policy " +
                                    Quote(it->second) + ": only the first would ever apply");
        }
      }
      policy.policies.push_back(std::move(sp));
    }
  }
  ParseDeny(c, root, policy);
}

// WithLine appends the YAML line of |path| (or of its nearest ancestor) to the message.
void AddLines(Document& doc) {
  if (doc.lines.empty()) {
    return;
  }
  for (LintFinding& f : doc.findings) {
    if (f.message.find("(line ") != std::string::npos) {
      continue;  // located already (a duplicate key: the map holds the first one's line)
    }
    std::string p = f.path;
    for (;;) {
      auto it = doc.lines.find(p);
      if (it != doc.lines.end()) {
        f.message += " (line " + std::to_string(it->second) + ")";
        break;
      }
      if (p.empty()) {
        break;
      }
      p = p.substr(0, p.rfind('/'));
    }
  }
}

size_t CountErrors(const std::vector<LintFinding>& findings) {
  return static_cast<size_t>(
      std::count_if(findings.begin(), findings.end(),
                    [](const LintFinding& f) { return f.severity == Severity::kError; }));
}

// FormatFindings is the Status message of an invalid policy: its errors (warnings are not why it
// failed; `vouch policy lint` shows them).
std::string FormatFindings(const std::vector<LintFinding>& findings) {
  const size_t errors = CountErrors(findings);
  std::string msg =
      "invalid policy (" + std::to_string(errors) + (errors == 1 ? " error)" : " errors)");
  for (const LintFinding& f : findings) {
    if (f.severity == Severity::kError) {
      msg += "\n" + FormatFinding(f);
    }
  }
  return msg;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return "";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kWarning ? "warning" : "error";
}

std::string FormatFinding(const LintFinding& finding) {
  return (finding.path.empty() ? std::string("/") : finding.path) + ": " +
         (finding.severity == Severity::kWarning ? "warning: " : "") + finding.message;
}

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kEnforce:
      return "enforce";
    case Mode::kAudit:
      return "audit";
    case Mode::kAccept:
      return "accept";
    case Mode::kReject:
      return "reject";
  }
  return "reject";
}

std::string_view PlatformsName(Platforms platforms) {
  return platforms == Platforms::kIndex ? "index" : "all";
}

std::string_view FailurePolicyName(FailurePolicy failure_policy) {
  return failure_policy == FailurePolicy::kAllow ? "allow" : "deny";
}

std::string_view AuthorityKindName(AuthorityKind kind) {
  switch (kind) {
    case AuthorityKind::kKey:
      return "key";
    case AuthorityKind::kKeyless:
      return "keyless";
    case AuthorityKind::kX509:
      return "x509";
  }
  return "key";
}

Status CheckScopePattern(std::string_view pattern) { return ParsePattern(pattern).status(); }

Status CheckBaseImagePattern(std::string_view pattern) {
  std::string_view repo = pattern;
  size_t at = pattern.find('@');
  if (at != std::string_view::npos) {
    repo = pattern.substr(0, at);
    std::string_view digest = pattern.substr(at + 1);
    if (digest != "*") {
      Result<Digest> d = Digest::Parse(digest);
      if (!d.ok()) {
        return InvalidArgumentError("bad base image " + Quote(pattern) +
                                    ": after '@' write '*' (any digest) or a digest (" +
                                    d.status().message() + ")");
      }
    }
  }
  if (repo == "*" || repo == "**") {
    return OkStatus();
  }
  Result<Pattern> p = ParsePattern(repo);
  if (!p.ok()) {
    return InvalidArgumentError("bad base image " + Quote(pattern) + ": " + p.status().message());
  }
  if (!p->tag.empty()) {
    return InvalidArgumentError("bad base image " + Quote(pattern) +
                                ": base images are matched by digest; write repo@* or "
                                "repo@sha256:<hex>, not a tag");
  }
  return OkStatus();
}

Result<Policy> ParsePolicy(std::string_view text, const ParseOptions& options,
                           std::vector<LintFinding>* findings) {
  Policy policy;
  policy.digest = Digest::Of(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  Result<Document> doc = ReadDocument(text);
  if (!doc.ok()) {
    // A syntax error stops everything: there is no tree to check.
    if (findings != nullptr) {
      findings->assign({LintFinding{"", doc.status().message()}});
    }
    return InvalidArgumentError(FormatFindings({LintFinding{"", doc.status().message()}}));
  }
  try {
    Checker checker(options, *doc);
    ParseAll(checker, doc->root, policy);
  } catch (const Json::exception& e) {
    // Not expected: every access is type-checked first. Fail closed.
    doc->findings.push_back({"", std::string("internal error while checking: ") + e.what()});
  }
  AddLines(*doc);
  if (findings != nullptr) {
    *findings = doc->findings;
  }
  if (CountErrors(doc->findings) > 0) {
    return InvalidArgumentError(FormatFindings(doc->findings));
  }
  return policy;
}

Result<Policy> LoadPolicy(const std::string& path, std::vector<LintFinding>* findings) {
  if (findings != nullptr) {
    findings->clear();
  }
  Result<Bytes> data = ReadFile(path, kMaxPolicyFileSize);
  if (!data.ok()) {
    return data.status().WithContext("policy " + path);
  }
  ParseOptions options;
  options.base_dir = DirName(path);
  std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
  Result<Policy> policy = ParsePolicy(text, options, findings);
  if (!policy.ok()) {
    return policy.status().WithContext(path);
  }
  policy->source = path;
  return policy;
}

bool ScopeMatches(std::string_view pattern, std::string_view image) {
  Result<Pattern> p = ParsePattern(pattern);
  if (!p.ok()) {
    return false;
  }
  if (p->everything) {
    return true;
  }
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
  SplitReference(image, name, tag, digest);
  if (!p->tag.empty() && p->tag != tag) {
    return false;
  }
  if (!p->digest.empty() && p->digest != digest) {
    return false;
  }
  std::vector<std::string> segments = SplitSegments(name);
  return SegmentMatcher(p->segments, segments).Match(0, 0);
}

size_t ScopeSpecificity(std::string_view pattern) {
  Result<Pattern> p = ParsePattern(pattern);
  if (!p.ok() || p->everything) {
    return 0;
  }
  // Literal segments first (a named repository beats a namespace, a deeper namespace beats a
  // shallower one, a host wildcard counts half), then a digest over a tag over neither, then
  // fewer '**', then fewer '*', then the longer pattern.
  size_t literal = 0;
  size_t stars = 0;
  size_t double_stars = 0;
  for (size_t i = 0; i < p->segments.size(); ++i) {
    const std::string& seg = p->segments[i];
    if (seg == "**") {
      ++double_stars;
    } else if (seg == "*") {
      ++stars;
    } else if (i == 0 && IsHostWildcard(seg)) {
      literal += 1;
    } else {
      literal += 2;
    }
  }
  size_t pinned = !p->digest.empty() ? 2 : (!p->tag.empty() ? 1 : 0);
  auto clamp = [](size_t v, size_t max) { return std::min(v, max); };
  return (clamp(literal, 0xFFF) << 40) | (pinned << 36) |
         ((0xFF - clamp(double_stars, 0xFF)) << 24) | ((0xFF - clamp(stars, 0xFF)) << 16) |
         clamp(pattern.size(), 0xFFFF);
}

const ScopePolicy* SelectPolicy(const Policy& policy, std::string_view image) {
  const ScopePolicy* best = nullptr;
  size_t best_score = 0;
  for (const ScopePolicy& sp : policy.policies) {
    if (!ScopeMatches(sp.scope, image)) {
      continue;
    }
    size_t score = ScopeSpecificity(sp.scope);
    if (best == nullptr || score > best_score) {
      best = &sp;
      best_score = score;
    }
  }
  return best;
}

std::string Summarize(const Policy& policy) {
  std::ostringstream out;
  out << policy.authorities.size()
      << (policy.authorities.size() == 1 ? " authority" : " authorities");
  if (!policy.authorities.empty()) {
    out << " (";
    bool first = true;
    for (const auto& [name, a] : policy.authorities) {
      out << (first ? "" : ", ") << name << ": " << AuthorityKindName(a.kind);
      if (a.kind == AuthorityKind::kKey) {
        out << " x" << a.keys.size();
      }
      first = false;
    }
    out << ")";
  }
  out << "; " << policy.policies.size() << (policy.policies.size() == 1 ? " policy" : " policies")
      << ":";
  for (const ScopePolicy& sp : policy.policies) {
    out << "\n  " << sp.name << "  scope " << sp.scope << "  mode " << ModeName(sp.mode);
    if (sp.signatures) {
      out << "  signatures " << sp.signatures->threshold << "/"
          << sp.signatures->authorities.size();
    }
    if (!sp.attestations.empty()) {
      out << "  attestations";
      for (const AttestationRequirement& a : sp.attestations) {
        out << " " << a.type;
      }
    }
    if (sp.base_images) {
      out << "  baseImages " << sp.base_images->allowed.size();
    }
  }
  out << "\n  deny: " << policy.deny.digests.size() << " digests, " << policy.deny.key_ids.size()
      << " key ids";
  return out.str();
}

std::string LintReportJson(std::string_view file, const Policy* policy,
                           const std::vector<LintFinding>& findings) {
  OrderedJson j;
  j["file"] = std::string(file);
  j["valid"] = policy != nullptr && CountErrors(findings) == 0;
  if (policy != nullptr) {
    j["digest"] = policy->digest.ToString();
    j["authorities"] = policy->authorities.size();
    OrderedJson pols = OrderedJson::array();
    for (const ScopePolicy& sp : policy->policies) {
      pols.push_back({{"name", sp.name}, {"scope", sp.scope}, {"mode", ModeName(sp.mode)}});
    }
    j["policies"] = pols;
  }
  OrderedJson fs = OrderedJson::array();
  for (const LintFinding& f : findings) {
    fs.push_back(
        {{"path", f.path}, {"severity", SeverityName(f.severity)}, {"message", f.message}});
  }
  j["findings"] = fs;
  return DumpJsonPretty(j) + "\n";
}

std::string Explain(const Policy& policy, std::string_view image) {
  std::ostringstream out;
  out << "image: " << image << "\n";
  const ScopePolicy* chosen = SelectPolicy(policy, image);
  if (chosen == nullptr) {
    out << "no scope matches: the image is rejected\n";
    return out.str();
  }
  out << "policy: " << chosen->name << " (scope " << chosen->scope << ", " << chosen->json_path
      << ")\n";
  std::vector<const ScopePolicy*> others;
  for (const ScopePolicy& sp : policy.policies) {
    if (&sp != chosen && ScopeMatches(sp.scope, image)) {
      others.push_back(&sp);
    }
  }
  for (const ScopePolicy* sp : others) {
    out << "also matches, less specific: " << sp->name << " (scope " << sp->scope << ")\n";
  }
  out << "mode: " << ModeName(chosen->mode);
  switch (chosen->mode) {
    case Mode::kEnforce:
      out << ": every requirement below must pass, or the image is rejected\n";
      break;
    case Mode::kAudit:
      out << ": every requirement below is checked; failures are reported as warnings and the "
             "image is accepted\n";
      break;
    case Mode::kAccept:
      out << ": the image is accepted without checks\n";
      break;
    case Mode::kReject:
      out << ": the image is rejected without checks\n";
      break;
  }
  if (chosen->mode == Mode::kEnforce || chosen->mode == Mode::kAudit) {
    auto describe_authorities = [&](const std::vector<std::string>& names) {
      std::string s;
      for (const std::string& n : names) {
        auto it = policy.authorities.find(n);
        s += (s.empty() ? "" : ", ") + n;
        if (it == policy.authorities.end()) {
          continue;
        }
        const Authority& a = it->second;
        if (a.kind == AuthorityKind::kKey) {
          s += " (" + std::to_string(a.keys.size()) + (a.keys.size() == 1 ? " key" : " keys");
          for (const keys::Verifier& k : a.keys) {
            s += " " + k.KeyId().substr(0, 12);
          }
          s += ")";
        } else if (a.kind == AuthorityKind::kKeyless) {
          s += " (keyless: identity " +
               (a.keyless.identity.empty() ? "~" + a.keyless.identity_regexp : a.keyless.identity) +
               ", issuer " +
               (a.keyless.issuer.empty() ? "~" + a.keyless.issuer_regexp : a.keyless.issuer) + ")";
        } else {
          s += " (x509: " + std::to_string(a.x509.roots.size()) + " root certificates)";
        }
      }
      return s;
    };
    out << "requires:\n";
    if (chosen->signatures) {
      const SignatureRequirement& s = *chosen->signatures;
      out << "  - signatures: valid signatures from at least " << s.threshold << " of "
          << s.authorities.size() << " authorities: " << describe_authorities(s.authorities)
          << "\n";
      for (const auto& [k, v] : s.annotations) {
        out << "      each counted signature carries annotation " << k << "=" << v << "\n";
      }
    }
    for (const AttestationRequirement& a : chosen->attestations) {
      out << "  - attestation " << a.type << " (" << JoinNames(a.predicate_types)
          << "), signed by one of: " << describe_authorities(a.authorities);
      if (a.max_age) {
        out << ", at most " << FormatDuration(*a.max_age) << " old";
      }
      out << "\n";
      if (a.slsa) {
        if (!a.slsa->builder_ids.empty()) {
          out << "      builder id matches one of: " << JoinNames(a.slsa->builder_ids) << "\n";
        }
        if (!a.slsa->source_uris.empty()) {
          out << "      source repository matches one of: " << JoinNames(a.slsa->source_uris)
              << "\n";
        }
        if (!a.slsa->source_refs.empty()) {
          out << "      source ref matches one of: " << JoinNames(a.slsa->source_refs) << "\n";
        }
        if (a.slsa->build_level != 0) {
          out << "      the policy vouches for SLSA build level " << a.slsa->build_level << "\n";
        }
      }
      if (a.vulnerabilities) {
        out << "      newest vulnerability report: nothing above "
            << a.vulnerabilities->max_severity;
        if (!a.vulnerabilities->ignore.empty()) {
          out << ", ignoring " << JoinNames(a.vulnerabilities->ignore);
        }
        out << "\n";
      }
      if (a.vsa) {
        out << "      summary PASSED for policy "
            << (a.vsa->policy.empty() ? std::string("(any)") : a.vsa->policy);
        if (!a.vsa->verifier_id.empty()) {
          out << ", verifier " << a.vsa->verifier_id;
        }
        if (!a.vsa->min_level.empty()) {
          out << ", level at least " << a.vsa->min_level;
        }
        out << "\n";
      }
    }
    if (chosen->base_images) {
      out << "  - base images recorded in the verified provenance, each with a digest, match one "
             "of: "
          << JoinNames(chosen->base_images->allowed) << "\n";
    }
    out << "platforms: " << PlatformsName(chosen->platforms)
        << (chosen->platforms == Platforms::kAll
                ? ": the index and every platform manifest must pass\n"
                : ": only the index (or the single manifest) is checked\n");
  }
  out << "denied everywhere: " << policy.deny.digests.size() << " digests, "
      << policy.deny.key_ids.size() << " signer keys\n";
  for (const Digest& d : policy.deny.digests) {
    if (image.find(d.ToString()) != std::string_view::npos) {
      out << "this image's digest is denied: it is rejected whatever the scope says\n";
    }
  }
  out << "failure policy (vouch serve): " << FailurePolicyName(chosen->failure_policy) << "\n";
  return out.str();
}

}  // namespace vouch::policy
