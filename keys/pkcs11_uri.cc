// RFC 7512 PKCS#11 URIs: parsing, percent-decoding and redaction.
#include "pkcs11_uri.h"

#include <cctype>
#include <vector>

#include "core/internal/percent.h"
#include "vouch/keys/pkcs11.h"

namespace vouch::keys {
namespace internal {
namespace {

constexpr std::string_view kScheme = "pkcs11:";

bool IsUnreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// RFC 7512 section 2.3: pk11-res-avail, shared by path and query values.
bool IsResAvail(char c) {
  return std::string_view(":[]@!$'()*+,=").find(c) != std::string_view::npos;
}

// IsPathChar: pk11-pchar = unreserved / pk11-path-res-avail (res-avail and "&") / pct-encoded.
bool IsPathChar(char c) { return IsUnreserved(c) || IsResAvail(c) || c == '&' || c == '%'; }
// IsQueryChar: pk11-qchar = unreserved / pk11-query-res-avail (res-avail, "/", "?", "|") /
// pct-encoded.
bool IsQueryChar(char c) {
  return IsUnreserved(c) || IsResAvail(c) || c == '/' || c == '?' || c == '|' || c == '%';
}

// IsAttrName: known attributes are lowercase letters and '-'; vendor attributes (section 2.3,
// "vendor-specific attributes") use the same characters plus digits and '_'.
bool IsAttrName(std::string_view name) {
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name[0])) == 0) {
    return false;
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) {
      return out;
    }
    start = pos + 1;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// IsPinValueName reports whether an attribute segment's name is pin-value, spelled in any case
// or percent-encoded, so that redaction errs on the side of removing.
bool IsPinValueSegment(std::string_view segment) {
  std::string_view name = segment.substr(0, segment.find('='));
  Result<std::string> decoded = PercentDecode(name);
  return EqualsIgnoreCase(decoded.ok() ? std::string_view(*decoded) : name, "pin-value");
}

Status Malformed(const std::string& what) {
  return InvalidArgumentError("malformed PKCS#11 URI: " + what);
}

// Assign stores a decoded value into an attribute slot, rejecting repeats (section 2.3: "an
// attribute MUST NOT appear more than once").
template <typename T>
Status Assign(std::optional<T>& slot, T value, std::string_view name) {
  if (slot.has_value()) {
    return Malformed("attribute \"" + std::string(name) + "\" appears more than once");
  }
  slot = std::move(value);
  return OkStatus();
}

}  // namespace

Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view uri) {
  if (!IsPkcs11Uri(uri)) {
    return InvalidArgumentError("not a PKCS#11 URI (it must start with \"pkcs11:\")");
  }
  std::string_view rest = uri.substr(kScheme.size());
  size_t qpos = rest.find('?');
  std::string_view path = rest.substr(0, qpos);
  std::optional<std::string_view> query;
  if (qpos != std::string_view::npos) {
    query = rest.substr(qpos + 1);
  }

  Pkcs11Uri out;
  // One pass per component: the path's separator is ';', the query's '&' (section 2.3).
  for (bool in_query : {false, true}) {
    std::string_view part = in_query ? query.value_or("") : path;
    if (part.empty()) {
      continue;
    }
    for (std::string_view attr : Split(part, in_query ? '&' : ';')) {
      if (attr.empty()) {
        return Malformed(std::string("empty attribute in the ") + (in_query ? "query" : "path"));
      }
      size_t eq = attr.find('=');
      if (eq == std::string_view::npos) {
        return Malformed("attribute \"" + std::string(attr.substr(0, 64)) + "\" has no '='");
      }
      std::string_view name = attr.substr(0, eq);
      std::string_view raw = attr.substr(eq + 1);
      if (!IsAttrName(name)) {
        return Malformed("bad attribute name \"" + std::string(name.substr(0, 64)) + "\"");
      }
      // The value is quoted in no message below: it may be the PIN.
      for (char c : raw) {
        if (!(in_query ? IsQueryChar(c) : IsPathChar(c))) {
          return Malformed("attribute \"" + std::string(name) +
                           "\" holds a character that must be " + "percent-encoded");
        }
      }
      Result<std::string> value = PercentDecode(raw);
      if (!value.ok()) {
        return Malformed("attribute \"" + std::string(name) + "\": " + value.status().message());
      }
      std::string v = std::move(value).value();
      Status st;
      if (!in_query) {
        if (name == "token") {
          st = Assign(out.token, std::move(v), name);
        } else if (name == "manufacturer") {
          st = Assign(out.manufacturer, std::move(v), name);
        } else if (name == "model") {
          st = Assign(out.model, std::move(v), name);
        } else if (name == "serial") {
          st = Assign(out.serial, std::move(v), name);
        } else if (name == "slot-manufacturer") {
          st = Assign(out.slot_manufacturer, std::move(v), name);
        } else if (name == "slot-description") {
          st = Assign(out.slot_description, std::move(v), name);
        } else if (name == "object") {
          st = Assign(out.object, std::move(v), name);
        } else if (name == "id") {
          st = Assign(out.id, Bytes(v.begin(), v.end()), name);
        } else if (name == "type") {
          if (v != "private" && v != "public" && v != "cert" && v != "secret-key" && v != "data") {
            return Malformed("type must be private, public, cert, secret-key or data");
          }
          st = Assign(out.type, std::move(v), name);
        } else if (name == "slot-id") {
          if (v.empty() || v.size() > 19 ||
              v.find_first_not_of("0123456789") != std::string::npos) {
            return Malformed("slot-id must be a decimal number");
          }
          st = Assign(out.slot_id, static_cast<uint64_t>(std::stoull(v)), name);
        } else if (name == "pin-value" || name == "pin-source" || name == "module-path") {
          return Malformed("\"" + std::string(name) + "\" is a query attribute (after '?')");
        }
        // Anything else (library-*, vendor "x-..." attributes) is ignored.
      } else {
        if (name == "module-path") {
          st = Assign(out.module_path, std::move(v), name);
        } else if (name == "pin-source") {
          st = Assign(out.pin_source, std::move(v), name);
        } else if (name == "pin-value") {
          if (out.pin_value.has_value()) {
            return Malformed("attribute \"pin-value\" appears more than once");
          }
          out.pin_value.emplace(std::move(v));
        } else if (name == "token" || name == "object" || name == "id" || name == "type" ||
                   name == "serial" || name == "slot-id") {
          return Malformed("\"" + std::string(name) + "\" is a path attribute (before '?')");
        }
        // module-name and vendor query attributes are ignored.
      }
      if (!st.ok()) {
        return st;
      }
      // |v| may have held the PIN: a moved-from short string keeps its bytes in the inline buffer.
      SecureWipe(v.data(), v.capacity());
    }
  }
  return out;
}

}  // namespace internal

bool IsPkcs11Uri(std::string_view spec) {
  return spec.size() >= internal::kScheme.size() &&
         internal::EqualsIgnoreCase(spec.substr(0, internal::kScheme.size()), internal::kScheme);
}

std::string RedactedPkcs11Uri(std::string_view uri) {
  size_t qpos = uri.find('?');
  std::string_view path = uri.substr(0, qpos);
  std::string out;
  // Path segments: "pkcs11:" belongs to the first one; a pin-value there is malformed but still
  // removed.
  std::string_view scheme;
  if (IsPkcs11Uri(path)) {
    scheme = path.substr(0, internal::kScheme.size());
    path = path.substr(internal::kScheme.size());
  }
  out.append(scheme);
  bool first = true;
  for (std::string_view seg : internal::Split(path, ';')) {
    if (internal::IsPinValueSegment(seg)) {
      continue;
    }
    if (!first) {
      out.push_back(';');
    }
    out.append(seg);
    first = false;
  }
  if (qpos == std::string_view::npos) {
    return out;
  }
  std::string query;
  for (std::string_view seg : internal::Split(uri.substr(qpos + 1), '&')) {
    if (internal::IsPinValueSegment(seg)) {
      continue;
    }
    if (!query.empty()) {
      query.push_back('&');
    }
    query.append(seg);
  }
  if (!query.empty()) {
    out.push_back('?');
    out.append(query);
  }
  return out;
}

}  // namespace vouch::keys
