#include "vouch/attest/simple_signing.h"

#include <string>
#include <utility>

#include "core/internal/json.h"

namespace vouch::attest {
namespace {

constexpr std::string_view kWhat = "simple signing payload";

// DecodeRune returns the length of the valid UTF-8 sequence at |s| (as Go's
// utf8.DecodeRuneInString accepts it: no overlong forms, no surrogates, at most U+10FFFF) and
// the code point, or 0 when the bytes there are not valid UTF-8.
size_t DecodeRune(std::string_view s, uint32_t* cp) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  size_t n = 0;
  uint32_t v = 0;
  uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, v = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, v = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < n) {
    return 0;
  }
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) {
      return 0;
    }
    v = (v << 6) | (b(i) & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return n;
}

Status Invalid(const std::string& msg) {
  return InvalidArgumentError(std::string(kWhat) + ": " + msg);
}

}  // namespace

std::string GoJsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = DecodeRune(s.substr(i), &cp);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += "\"";
  return out;
}

std::string MakeSimpleSigningPayload(std::string_view docker_reference, const Digest& image,
                                     const std::map<std::string, std::string>& annotations) {
  // Field order of sigstore/sigstore pkg/signature/payload.SimpleContainerImage; Go sorts map
  // keys (std::map orders by bytes, as Go does).
  std::string out = "{\"critical\":{\"identity\":{\"docker-reference\":" +
                    GoJsonString(docker_reference) + "},\"image\":{\"docker-manifest-digest\":" +
                    GoJsonString(image.ToString()) + "},\"type\":" +
                    GoJsonString(kCosignSignatureType) + "},\"optional\":";
  if (annotations.empty()) {
    out += "null";
  } else {
    out += "{";
    bool first = true;
    for (const auto& [k, v] : annotations) {
      out += (first ? "" : ",") + GoJsonString(k) + ":" + GoJsonString(v);
      first = false;
    }
    out += "}";
  }
  out += "}";
  return out;
}

Result<SimpleSigningPayload> ParseSimpleSigningPayload(ByteView payload) {
  if (payload.size() > kMaxSimpleSigningPayloadSize) {
    return ResourceExhaustedError(std::string(kWhat) + " is " + std::to_string(payload.size()) +
                                  " bytes, over the cap of " +
                                  std::to_string(kMaxSimpleSigningPayloadSize));
  }
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(AsChars(payload), kWhat));
  if (!j.is_object()) {
    return Invalid("not a JSON object");
  }
  SimpleSigningPayload p;
  VOUCH_ASSIGN_OR_RETURN(const Json* critical, GetObject(j, "critical", kWhat));
  VOUCH_ASSIGN_OR_RETURN(p.type, GetString(*critical, "type", "critical"));
  VOUCH_ASSIGN_OR_RETURN(const Json* identity, GetObject(*critical, "identity", "critical"));
  VOUCH_ASSIGN_OR_RETURN(p.docker_reference,
                         GetString(*identity, "docker-reference", "critical.identity"));
  VOUCH_ASSIGN_OR_RETURN(const Json* image, GetObject(*critical, "image", "critical"));
  VOUCH_ASSIGN_OR_RETURN(p.manifest_digest,
                         GetString(*image, "docker-manifest-digest", "critical.image"));
  const Json* optional = FindField(j, "optional");
  if (optional != nullptr && !optional->is_null()) {
    if (!optional->is_object()) {
      return Invalid("optional must be an object or null");
    }
    p.optional_null = false;
    for (const auto& [k, v] : optional->items()) {
      if (v.is_string()) {
        p.annotations.emplace(k, v.get<std::string>());
      }
    }
  }
  return p;
}

Result<SigstoreAttachment> ParseSigstoreAttachment(ByteView file) {
  static constexpr std::string_view kPrefix("\0sigstore-json\n", 15);
  std::string_view text = AsChars(file);
  if (!text.starts_with(kPrefix)) {
    return InvalidArgumentError(
        "sigstore attachment: missing the \"\\0sigstore-json\\n\" prefix (not a sigstore "
        "signature file)");
  }
  text.remove_prefix(kPrefix.size());
  constexpr std::string_view kAtt = "sigstore attachment";
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(text, kAtt));
  SigstoreAttachment a;
  VOUCH_ASSIGN_OR_RETURN(a.mime_type, GetString(j, "mimeType", kAtt));
  VOUCH_ASSIGN_OR_RETURN(std::string b64, GetString(j, "payload", kAtt));
  auto payload = Base64Decode(b64);
  if (!payload.ok()) {
    return InvalidArgumentError("sigstore attachment: payload is not std base64");
  }
  a.payload = std::move(*payload);
  VOUCH_ASSIGN_OR_RETURN(const Json* ann, GetObject(j, "annotations", kAtt));
  for (const auto& [k, v] : ann->items()) {
    if (!v.is_string()) {
      return InvalidArgumentError("sigstore attachment: annotation " + k + " is not a string");
    }
    a.annotations.emplace(k, v.get<std::string>());
  }
  return a;
}

}  // namespace vouch::attest
