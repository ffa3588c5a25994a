#include "vouch/sign/signing_config.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/file.h"

namespace vouch::sign {
namespace {

// Field is one protobuf-JSON field found under either spelling; errors name |path|.
Result<const Json*> Field(const Json& obj, std::string_view camel, const std::string& path) {
  Result<const Json*> f = FindProtoField(obj, camel);
  if (!f.ok()) {
    return f.status().WithContext(path + "." + std::string(camel));
  }
  return f;
}

// ReadUint32 reads a protobuf uint32, which the JSON mapping writes as a number or a decimal
// string.
Result<uint32_t> ReadUint32(const Json& v, const std::string& path) {
  if (v.is_number_unsigned() && v.get<uint64_t>() <= UINT32_MAX) {
    return static_cast<uint32_t>(v.get<uint64_t>());
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(s) <= UINT32_MAX) {
      return static_cast<uint32_t>(std::stoull(s));
    }
  }
  return InvalidArgumentError(path + " must be an unsigned 32-bit integer");
}

Result<TimePoint> ReadTime(const Json& v, const std::string& path) {
  if (!v.is_string()) {
    return InvalidArgumentError(path + " must be an RFC 3339 time string");
  }
  Result<TimePoint> t = ParseRfc3339(v.get<std::string>());
  if (!t.ok()) {
    return InvalidArgumentError(path + " is not an RFC 3339 time");
  }
  return t;
}

Result<ConfiguredService> ReadService(const Json& s, const std::string& path) {
  if (!s.is_object()) {
    return InvalidArgumentError(path + " must be an object");
  }
  ConfiguredService out;
  VOUCH_ASSIGN_OR_RETURN(const Json* url, Field(s, "url", path));
  if (url == nullptr || !url->is_string() || url->get_ref<const std::string&>().empty()) {
    return InvalidArgumentError(path + ".url must be a non-empty string");
  }
  out.endpoint.url = url->get<std::string>();
  VOUCH_ASSIGN_OR_RETURN(const Json* version, Field(s, "majorApiVersion", path));
  if (version == nullptr) {
    return InvalidArgumentError(path + ".majorApiVersion is missing");
  }
  VOUCH_ASSIGN_OR_RETURN(out.endpoint.api_version, ReadUint32(*version, path + ".majorApiVersion"));
  VOUCH_ASSIGN_OR_RETURN(const Json* op, Field(s, "operator", path));
  if (op != nullptr && !op->is_string()) {
    return InvalidArgumentError(path + ".operator must be a string");
  }
  out.endpoint.operator_name = op == nullptr ? "" : op->get<std::string>();
  VOUCH_ASSIGN_OR_RETURN(const Json* valid_for, Field(s, "validFor", path));
  if (valid_for == nullptr || !valid_for->is_object()) {
    return InvalidArgumentError(path + ".validFor.start is missing");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* start, Field(*valid_for, "start", path + ".validFor"));
  if (start == nullptr) {
    return InvalidArgumentError(path + ".validFor.start is missing");
  }
  VOUCH_ASSIGN_OR_RETURN(out.valid_from, ReadTime(*start, path + ".validFor.start"));
  VOUCH_ASSIGN_OR_RETURN(const Json* end, Field(*valid_for, "end", path + ".validFor"));
  if (end != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(out.valid_until, ReadTime(*end, path + ".validFor.end"));
  }
  return out;
}

Result<std::vector<ConfiguredService>> ReadServices(const Json& doc, std::string_view camel) {
  const std::string path(camel);
  VOUCH_ASSIGN_OR_RETURN(const Json* list, FindProtoField(doc, camel));
  std::vector<ConfiguredService> out;
  if (list == nullptr) {
    return out;
  }
  if (!list->is_array()) {
    return InvalidArgumentError(path + " must be an array");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(ConfiguredService s,
                           ReadService((*list)[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

Result<ServiceSelector::Kind> ReadSelectorKind(const Json& v, const std::string& path) {
  // The JSON mapping writes an enum by name; readers accept its number too.
  if (v == "ALL" || v == 1) {
    return ServiceSelector::Kind::kAll;
  }
  if (v == "ANY" || v == 2) {
    return ServiceSelector::Kind::kAny;
  }
  if (v == "EXACT" || v == 3) {
    return ServiceSelector::Kind::kExact;
  }
  return InvalidArgumentError(path + " must be ALL, ANY or EXACT");
}

// ReadSelector reads a ServiceConfiguration. An absent one (or one without a selector: the
// JSON mapping omits an enum at its default) means ANY, the public-good configs' choice.
Result<ServiceSelector> ReadSelector(const Json& doc, std::string_view camel) {
  const std::string path(camel);
  VOUCH_ASSIGN_OR_RETURN(const Json* cfg, FindProtoField(doc, camel));
  ServiceSelector out;
  if (cfg == nullptr) {
    return out;
  }
  if (!cfg->is_object()) {
    return InvalidArgumentError(path + " must be an object");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* selector, Field(*cfg, "selector", path));
  if (selector != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(out.kind, ReadSelectorKind(*selector, path + ".selector"));
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* count, Field(*cfg, "count", path));
  if (count != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(out.count, ReadUint32(*count, path + ".count"));
  }
  if (out.kind == ServiceSelector::Kind::kExact && out.count == 0) {
    return InvalidArgumentError(path + ".count must be positive with the EXACT selector");
  }
  return out;
}

Result<SigningConfig> ReadConfig(const Json& doc) {
  if (!doc.is_object()) {
    return InvalidArgumentError("the document is not a JSON object");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* media_type, FindProtoField(doc, "mediaType"));
  if (media_type == nullptr || !media_type->is_string() ||
      media_type->get_ref<const std::string&>() != kSigningConfigMediaTypeV02) {
    return InvalidArgumentError("mediaType must be \"" + std::string(kSigningConfigMediaTypeV02) +
                                "\"" + (media_type == nullptr ? " (it is missing)" : ""));
  }
  SigningConfig c;
  VOUCH_ASSIGN_OR_RETURN(c.ca_urls, ReadServices(doc, "caUrls"));
  VOUCH_ASSIGN_OR_RETURN(c.oidc_urls, ReadServices(doc, "oidcUrls"));
  VOUCH_ASSIGN_OR_RETURN(c.rekor_tlog_urls, ReadServices(doc, "rekorTlogUrls"));
  VOUCH_ASSIGN_OR_RETURN(c.tsa_urls, ReadServices(doc, "tsaUrls"));
  VOUCH_ASSIGN_OR_RETURN(c.rekor_tlog_config, ReadSelector(doc, "rekorTlogConfig"));
  VOUCH_ASSIGN_OR_RETURN(c.tsa_config, ReadSelector(doc, "tsaConfig"));
  return c;
}

bool ValidAt(const ConfiguredService& s, TimePoint now) {
  // Both ends inclusive, as sigstore-go's Service.ValidAtTime.
  return now >= s.valid_from && (!s.valid_until || now <= *s.valid_until);
}

// Usable returns, for the highest of |versions| that has any service valid at |now|, those
// services newest first (latest validFor.start), one per operator. Versions are not mixed: a
// client speaks one API to all the logs it writes to (sigstore-go SelectServices).
std::vector<ServiceEndpoint> Usable(const std::vector<ConfiguredService>& services,
                                    std::initializer_list<uint32_t> versions, TimePoint now) {
  std::vector<const ConfiguredService*> sorted;
  for (const ConfiguredService& s : services) {
    sorted.push_back(&s);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->valid_from > b->valid_from; });
  std::vector<uint32_t> order(versions);
  std::sort(order.rbegin(), order.rend());
  for (uint32_t version : order) {
    std::vector<ServiceEndpoint> out;
    std::set<std::string> operators;
    for (const ConfiguredService* s : sorted) {
      if (s->endpoint.api_version == version && ValidAt(*s, now) &&
          operators.insert(s->endpoint.operator_name).second) {
        out.push_back(s->endpoint);
      }
    }
    if (!out.empty()) {
      return out;
    }
  }
  return {};
}

Status NoneUsable(std::string_view kind, std::string_view field, std::string_view versions,
                  TimePoint now) {
  return FailedPreconditionError(
      "signing config: no " + std::string(kind) + " in " + std::string(field) + " is valid at " +
      FormatRfc3339(now) + " with an API version vouch speaks (" + std::string(versions) + ")");
}

// Pick applies a log or TSA selector to the usable services (deterministically: the newest
// first, where sigstore-go picks at random).
Result<std::vector<ServiceEndpoint>> Pick(const std::vector<ConfiguredService>& services,
                                          std::initializer_list<uint32_t> versions,
                                          const ServiceSelector& selector, TimePoint now,
                                          std::string_view kind, std::string_view field,
                                          std::string_view version_names) {
  if (services.empty()) {
    return std::vector<ServiceEndpoint>();
  }
  std::vector<ServiceEndpoint> usable = Usable(services, versions, now);
  if (usable.empty()) {
    return NoneUsable(kind, field, version_names, now);
  }
  switch (selector.kind) {
    case ServiceSelector::Kind::kAll:
      return usable;
    case ServiceSelector::Kind::kAny:
      usable.resize(1);
      return usable;
    case ServiceSelector::Kind::kExact:
      if (usable.size() < selector.count) {
        return FailedPreconditionError(
            "signing config: " + std::string(field) + " asks for EXACT " +
            std::to_string(selector.count) + " " + std::string(kind) + "s of distinct operators, " +
            "but " + std::to_string(usable.size()) + " are usable at " + FormatRfc3339(now));
      }
      usable.resize(selector.count);
      return usable;
  }
  return InternalError("unknown service selector");
}

}  // namespace

Result<SigningConfig> ParseSigningConfig(std::string_view json) {
  if (json.size() > kMaxSigningConfigSize) {
    return ResourceExhaustedError("signing config is larger than " +
                                  std::to_string(kMaxSigningConfigSize) + " bytes");
  }
  VOUCH_ASSIGN_OR_RETURN(Json doc, ParseJson(json, "signing config"));
  Result<SigningConfig> c = ReadConfig(doc);
  if (!c.ok()) {
    return c.status().WithContext("signing config");
  }
  return c;
}

Result<SigningConfig> LoadSigningConfig(const std::string& path) {
  Result<Bytes> data = ReadFile(path, kMaxSigningConfigSize);
  if (!data.ok()) {
    return data.status().WithContext("signing config " + path);
  }
  Result<SigningConfig> c = ParseSigningConfig(AsChars(*data));
  if (!c.ok()) {
    return c.status().WithContext(path);
  }
  return c;
}

Result<SigstoreServices> SelectServices(const SigningConfig& config, TimePoint now, bool need_ca) {
  SigstoreServices out;
  std::vector<ServiceEndpoint> cas = Usable(config.ca_urls, {1}, now);
  // An empty caUrls stays empty, as the other lists: the caller says what to give instead.
  if (need_ca && cas.empty() && !config.ca_urls.empty()) {
    return NoneUsable("certificate authority", "caUrls", "1", now);
  }
  if (!cas.empty()) {
    out.ca = cas.front();
  }
  std::vector<ServiceEndpoint> oidc = Usable(config.oidc_urls, {1}, now);
  if (!oidc.empty()) {
    out.oidc = oidc.front();
  }
  VOUCH_ASSIGN_OR_RETURN(out.tlogs, Pick(config.rekor_tlog_urls, {1, 2}, config.rekor_tlog_config,
                                         now, "transparency log", "rekorTlogUrls", "1 or 2"));
  VOUCH_ASSIGN_OR_RETURN(out.tsas, Pick(config.tsa_urls, {1}, config.tsa_config, now,
                                        "timestamp authority", "tsaUrls", "1"));
  return out;
}

}  // namespace vouch::sign
