#include <exception>

#include "core/internal/json.h"

namespace vouch {
namespace {

template <typename J>
Result<J> Parse(std::string_view text, std::string_view what) {
  // Depth is bounded with the SAX callback before any structure is built.
  int depth = 0;
  bool too_deep = false;
  auto cb = [&](int d, typename J::parse_event_t event, J& /*parsed*/) {
    if (event == J::parse_event_t::object_start || event == J::parse_event_t::array_start) {
      depth = d;
      if (d >= kMaxJsonDepth) {
        too_deep = true;
        return false;
      }
    }
    return true;
  };
  try {
    J j = J::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true,
                   /*ignore_comments=*/false);
    if (too_deep) {
      return InvalidArgumentError(std::string(what) + " nests JSON deeper than " +
                                  std::to_string(kMaxJsonDepth) + " levels");
    }
    if (j.is_discarded()) {
      return InvalidArgumentError(std::string(what) + " is not valid JSON");
    }
    return j;
  } catch (const std::exception& e) {
    (void)depth;
    return InvalidArgumentError(std::string(what) + " is not valid JSON: " + e.what());
  }
}

template <typename J>
std::string Dump(const J& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, J::error_handler_t::replace);
}

std::string Name(std::string_view what, std::string_view field) {
  return std::string(what) + " field \"" + std::string(field) + "\"";
}

}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  return Parse<Json>(text, what);
}
Result<OrderedJson> ParseOrderedJson(std::string_view text, std::string_view what) {
  return Parse<OrderedJson>(text, what);
}

std::vector<JsonDocument> JsonDocuments(std::string_view text) {
  // accept() validates without building a value (and without throwing).
  if (Json::accept(text.begin(), text.end(), /*ignore_comments=*/false)) {
    return {JsonDocument{0, text}};
  }
  std::vector<JsonDocument> out;
  size_t line = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line;
    if (l.find_first_not_of(" \t\r") != std::string_view::npos) {
      out.push_back(JsonDocument{line, l});
    }
  }
  return out;
}

std::string DumpJson(const Json& j) { return Dump(j, -1); }
std::string DumpJson(const OrderedJson& j) { return Dump(j, -1); }
std::string DumpJsonPretty(const Json& j) { return Dump(j, 2); }
std::string DumpJsonPretty(const OrderedJson& j) { return Dump(j, 2); }

const Json* FindField(const Json& obj, std::string_view field) {
  if (!obj.is_object()) {
    return nullptr;
  }
  auto it = obj.find(field);
  return it == obj.end() ? nullptr : &*it;
}

Result<const Json*> FindProtoField(const Json& obj, std::string_view camel) {
  const Json* a = FindField(obj, camel);
  std::string snake;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      snake += '_';
      snake += static_cast<char>(c - 'A' + 'a');
    } else {
      snake += c;
    }
  }
  const Json* b = snake != camel ? FindField(obj, snake) : nullptr;
  if (a != nullptr && b != nullptr) {
    return InvalidArgumentError("is given twice (as \"" + std::string(camel) + "\" and \"" + snake +
                                "\")");
  }
  const Json* v = a != nullptr ? a : b;
  return v != nullptr && !v->is_null() ? v : nullptr;
}

Result<std::string> GetString(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return InvalidArgumentError(Name(what, field) + " is missing");
  }
  if (!v->is_string()) {
    return InvalidArgumentError(Name(what, field) + " must be a string");
  }
  return v->get_ref<const std::string&>();
}

Result<std::optional<std::string>> OptString(const Json& obj, std::string_view field,
                                             std::string_view what) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return std::optional<std::string>();
  }
  if (!v->is_string()) {
    return InvalidArgumentError(Name(what, field) + " must be a string");
  }
  return std::optional<std::string>(v->get_ref<const std::string&>());
}

Result<const Json*> GetObject(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return InvalidArgumentError(Name(what, field) + " is missing");
  }
  if (!v->is_object()) {
    return InvalidArgumentError(Name(what, field) + " must be an object");
  }
  return v;
}

Result<const Json*> GetArray(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return InvalidArgumentError(Name(what, field) + " is missing");
  }
  if (!v->is_array()) {
    return InvalidArgumentError(Name(what, field) + " must be an array");
  }
  return v;
}

Result<int64_t> GetInt(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = FindField(obj, field);
  if (v == nullptr) {
    return InvalidArgumentError(Name(what, field) + " is missing");
  }
  if (v->is_number_integer()) {
    return v->get<int64_t>();
  }
  return InvalidArgumentError(Name(what, field) + " must be an integer");
}

}  // namespace vouch
