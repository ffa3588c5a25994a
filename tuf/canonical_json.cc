#include "canonical_json.h"

namespace vouch::tuf::internal {

namespace {

void AppendString(const std::string& s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

Status Append(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return OkStatus();
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return OkStatus();
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return OkStatus();
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return OkStatus();
    case Json::value_t::string:
      AppendString(v.get_ref<const std::string&>(), out);
      return OkStatus();
    case Json::value_t::array: {
      out.push_back('[');
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) {
          out.push_back(',');
        }
        VOUCH_RETURN_IF_ERROR(Append(v[i], out));
      }
      out.push_back(']');
      return OkStatus();
    }
    case Json::value_t::object: {
      // nlohmann::json keeps members in a std::map: byte order of UTF-8 keys, which is code
      // point order, as Python's sorted() gives.
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : v.items()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        AppendString(key, out);
        out.push_back(':');
        VOUCH_RETURN_IF_ERROR(Append(member, out));
      }
      out.push_back('}');
      return OkStatus();
    }
    default:
      return InvalidArgumentError(
          "canonical JSON has no form for floating-point numbers or binary");
  }
}

}  // namespace

Result<std::string> CanonicalJson(const Json& value) {
  std::string out;
  VOUCH_RETURN_IF_ERROR(Append(value, out));
  return out;
}

}  // namespace vouch::tuf::internal
