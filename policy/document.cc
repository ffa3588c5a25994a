// Reading a policy file: JSON (with duplicate-key detection) and YAML (converted to the same JSON
// tree, with the line of every node), so that one checker (parse.cc) reports the same JSON
// pointers for both syntaxes.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>
#include <utility>

#include "internal.h"

namespace vouch::policy::internal {
namespace {

// YAML aliases can expand a small file into a huge tree ("billion laughs"): cap the nodes.
constexpr size_t kMaxYamlNodes = 100000;

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

}  // namespace

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

}  // namespace vouch::policy::internal
