// Notation JWS envelopes (signature-envelope-jws.md): the flattened JSON serialization.
#include <set>
#include <string>
#include <utility>

#include "core/internal/json.h"
#include "notation_internal.h"

namespace vouch::attest::internal {
namespace {

constexpr NotationEnvelopeType kJws = NotationEnvelopeType::kJws;

// Header parameters registered by RFC 7515/7516/7797 other than alg, cty and crit: a Notation
// protected header may not carry them ("no unknown standard member").
const std::set<std::string_view> kRegisteredHeaders = {
    "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "b64",
    "enc", "zip", "epk", "apu", "apv", "iv",  "tag",      "p2s", "p2c"};

Status Bad(const std::string& rule) { return Malformed(kJws, rule); }

Result<Bytes> DecodeUrl(const std::string& text, std::string_view member) {
  // JWS (RFC 7515 section 2) is base64url without padding: padding is malformed, not tolerated.
  if (text.find('=') != std::string::npos) {
    return Bad("\"" + std::string(member) + "\" has base64 padding");
  }
  Result<Bytes> out = Base64Decode(text, Base64Alphabet::kUrl);
  if (!out.ok()) {
    return Bad("\"" + std::string(member) + "\" is not base64url");
  }
  return out;
}

Result<std::string> StringMember(const Json& obj, std::string_view name) {
  const Json* v = FindField(obj, name);
  if (v == nullptr || !v->is_string()) {
    return Bad("\"" + std::string(name) + "\" is missing or not a string");
  }
  return v->get<std::string>();
}

Result<TimePoint> HeaderTime(const OrderedJson& v, std::string_view name) {
  Result<TimePoint> t = v.is_string() ? ParseRfc3339(v.get<std::string>())
                                      : Result<TimePoint>(InvalidArgumentError(""));
  if (!t.ok()) {
    return Bad(std::string(name) + " is not an RFC 3339 time");
  }
  return t;
}

// ReadProtectedMember stores one protected header member in |env| / |facts|.
Status ReadProtectedMember(const std::string& key, const OrderedJson& v, NotationEnvelope& env,
                           HeaderFacts& facts) {
  if (key == "alg") {
    const AlgorithmInfo* info = v.is_string() ? FindJwsAlgorithm(v.get<std::string>()) : nullptr;
    if (info == nullptr) {
      return Bad("alg " + DumpJson(v) + " is not a Notation algorithm");
    }
    env.algorithm = info->alg;
  } else if (key == "cty") {
    if (!v.is_string()) {
      return Bad("cty is not a string");
    }
    env.content_type = v.get<std::string>();
  } else if (key == "crit") {
    if (!v.is_array()) {
      return Bad("crit is not an array");
    }
    facts.has_crit = true;
    for (const OrderedJson& c : v) {
      if (!c.is_string()) {
        return Bad("crit holds a non-string");
      }
      facts.crit.push_back(c.get<std::string>());
    }
  } else if (key == kHeaderSigningScheme) {
    if (!v.is_string()) {
      return Bad(key + " is not a string");
    }
    env.signing_scheme = v.get<std::string>();
  } else if (key == kHeaderSigningTime) {
    VOUCH_ASSIGN_OR_RETURN(env.signing_time, HeaderTime(v, key));
  } else if (key == kHeaderAuthenticSigningTime) {
    VOUCH_ASSIGN_OR_RETURN(env.authentic_signing_time, HeaderTime(v, key));
  } else if (key == kHeaderExpiry) {
    VOUCH_ASSIGN_OR_RETURN(env.expiry, HeaderTime(v, key));
  } else if (kRegisteredHeaders.count(key) != 0) {
    return Bad("the protected header may not carry \"" + key + "\"");
  } else {
    env.extended.push_back({key, v.is_string() ? v.get<std::string>() : DumpJson(v), false});
  }
  return OkStatus();
}

Status ReadProtected(const std::string& b64, NotationEnvelope& env) {
  VOUCH_ASSIGN_OR_RETURN(Bytes raw, DecodeUrl(b64, "protected"));
  Result<OrderedJson> header = ParseOrderedJson(AsChars(raw), "JWS protected header");
  if (!header.ok() || !header->is_object()) {
    return Bad("the protected header is not a JSON object");
  }
  HeaderFacts facts;
  for (auto it = header->begin(); it != header->end(); ++it) {
    facts.present.insert(it.key());
    VOUCH_RETURN_IF_ERROR(ReadProtectedMember(it.key(), it.value(), env, facts));
  }
  if (facts.present.count("alg") == 0) {
    return Bad("the protected header has no alg");
  }
  if (facts.present.count("cty") == 0) {
    return Bad("the protected header has no cty");
  }
  return CheckHeaderRules(facts, env);
}

Status ReadUnprotected(const Json& header, NotationEnvelope& env) {
  const Json* x5c = FindField(header, "x5c");
  if (x5c == nullptr || !x5c->is_array()) {
    return Bad("header.x5c is missing or not an array");
  }
  VOUCH_RETURN_IF_ERROR(CheckChainSize(kJws, x5c->size()));
  for (const Json& cert : *x5c) {
    // RFC 7515 4.1.6: x5c entries are standard base64 (not base64url) DER.
    Result<Bytes> der = cert.is_string() ? Base64Decode(cert.get<std::string>())
                                         : Result<Bytes>(InvalidArgumentError(""));
    if (!der.ok() || der->empty()) {
      return Bad("an x5c entry is not base64 DER");
    }
    env.certificate_chain.push_back(std::move(*der));
  }
  if (const Json* ts = FindField(header, kHeaderTimestamp); ts != nullptr) {
    Result<Bytes> token = ts->is_string() ? Base64Decode(ts->get<std::string>())
                                          : Result<Bytes>(InvalidArgumentError(""));
    if (!token.ok()) {
      return Bad(std::string(kHeaderTimestamp) + " is not base64");
    }
    env.timestamp_token = std::move(*token);
  }
  if (const Json* agent = FindField(header, kHeaderSigningAgent); agent != nullptr) {
    if (!agent->is_string()) {
      return Bad(std::string(kHeaderSigningAgent) + " is not a string");
    }
    env.signing_agent = agent->get<std::string>();
  }
  return OkStatus();
}

}  // namespace

Result<NotationEnvelope> ParseJws(ByteView data) {
  Result<Json> doc = ParseJson(AsChars(data), "Notation JWS envelope");
  if (!doc.ok() || !doc->is_object()) {
    return Bad("not a JSON object");
  }
  if (FindField(*doc, "signatures") != nullptr) {
    return Bad("only the flattened JSON serialization is accepted (\"signatures\" found)");
  }
  NotationEnvelope env;
  env.type = kJws;
  VOUCH_ASSIGN_OR_RETURN(std::string protected_b64, StringMember(*doc, "protected"));
  VOUCH_ASSIGN_OR_RETURN(std::string payload_b64, StringMember(*doc, "payload"));
  VOUCH_ASSIGN_OR_RETURN(std::string signature_b64, StringMember(*doc, "signature"));
  const Json* header = FindField(*doc, "header");
  if (header == nullptr || !header->is_object()) {
    return Bad("\"header\" is missing or not an object");
  }
  VOUCH_RETURN_IF_ERROR(ReadProtected(protected_b64, env));
  VOUCH_ASSIGN_OR_RETURN(env.payload, DecodeUrl(payload_b64, "payload"));
  VOUCH_ASSIGN_OR_RETURN(env.signature, DecodeUrl(signature_b64, "signature"));
  VOUCH_RETURN_IF_ERROR(ReadUnprotected(*header, env));
  // RFC 7515 section 5.1: the signing input is the encoded strings as they appear.
  env.signed_bytes = ToBytes(protected_b64 + "." + payload_b64);
  return env;
}

Result<Bytes> SignJws(const NotationSignRequest& request, NotationAlgorithm alg,
                      const RawSignFn& sign) {
  std::set<std::string_view> reserved(kRegisteredHeaders);
  reserved.insert({"alg", "cty", "crit", kHeaderSigningScheme, kHeaderSigningTime,
                   kHeaderAuthenticSigningTime, kHeaderExpiry, kHeaderTimestamp,
                   kHeaderSigningAgent});
  VOUCH_RETURN_IF_ERROR(CheckSignRequest(request, reserved));
  const bool authority = request.signing_scheme == kNotationSchemeSigningAuthority;
  // Json (std::map) writes keys in lexicographic order, as notation-core-go's conformance does.
  Json header = Json::object();
  header["alg"] = std::string(Info(alg).jws_name);
  header["cty"] = request.content_type;
  header[std::string(kHeaderSigningScheme)] = request.signing_scheme;
  // crit in notation-core-go's order: scheme, critical extended keys, authenticSigningTime,
  // expiry.
  Json crit = Json::array({std::string(kHeaderSigningScheme)});
  for (const NotationExtendedAttribute& attr : request.extended) {
    header[attr.key] = attr.value;
    if (attr.critical) {
      crit.push_back(attr.key);
    }
  }
  const std::string time_key(authority ? kHeaderAuthenticSigningTime : kHeaderSigningTime);
  header[time_key] = FormatRfc3339(request.signing_time);
  if (authority) {
    crit.push_back(time_key);
  }
  if (request.expiry) {
    header[std::string(kHeaderExpiry)] = FormatRfc3339(*request.expiry);
    crit.push_back(std::string(kHeaderExpiry));
  }
  header["crit"] = std::move(crit);

  const std::string protected_b64 = Base64UrlEncode(AsBytes(DumpJson(header)));
  const std::string payload_b64 = Base64UrlEncode(request.payload);
  VOUCH_ASSIGN_OR_RETURN(Bytes signature, sign(AsBytes(protected_b64 + "." + payload_b64)));

  OrderedJson unprotected = OrderedJson::object();
  OrderedJson x5c = OrderedJson::array();
  for (const Bytes& cert : request.certificate_chain) {
    x5c.push_back(Base64Encode(cert));
  }
  unprotected["x5c"] = std::move(x5c);
  if (request.timestamper) {
    VOUCH_ASSIGN_OR_RETURN(Bytes token, request.timestamper(signature));
    unprotected[std::string(kHeaderTimestamp)] = Base64Encode(token);
  }
  if (!request.signing_agent.empty()) {
    unprotected[std::string(kHeaderSigningAgent)] = request.signing_agent;
  }
  OrderedJson env = OrderedJson::object();
  env["payload"] = payload_b64;
  env["protected"] = protected_b64;
  env["header"] = std::move(unprotected);
  env["signature"] = Base64UrlEncode(signature);
  return ToBytes(DumpJson(env));
}

}  // namespace vouch::attest::internal
