// Sigstore SigningConfig (protobuf-specs sigstore_trustroot.proto, media type
// application/vnd.dev.sigstore.signingconfig.v0.2+json): which Fulcio, OIDC provider, Rekor logs
// and TSAs a client signs with, each with its API version and validity window, and how many logs
// and TSAs to use (ServiceConfiguration: ALL, ANY or EXACT with a count).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/sign/services.h"

namespace vouch::sign {

inline constexpr std::string_view kSigningConfigMediaTypeV02 =
    "application/vnd.dev.sigstore.signingconfig.v0.2+json";

// kMaxSigningConfigSize caps a signing config file.
inline constexpr size_t kMaxSigningConfigSize = 1 << 20;

// ConfiguredService is one Service entry of the config.
struct ConfiguredService {
  ServiceEndpoint endpoint;
  TimePoint valid_from{};              // validFor.start (required)
  std::optional<TimePoint> valid_until;  // validFor.end; none = open-ended
};

// ServiceSelector is a ServiceConfiguration.
struct ServiceSelector {
  enum class Kind { kAll, kAny, kExact };
  Kind kind = Kind::kAny;
  uint32_t count = 0;  // kExact only
};

struct SigningConfig {
  std::vector<ConfiguredService> ca_urls;
  std::vector<ConfiguredService> oidc_urls;
  std::vector<ConfiguredService> rekor_tlog_urls;
  std::vector<ConfiguredService> tsa_urls;
  ServiceSelector rekor_tlog_config;
  ServiceSelector tsa_config;
};

// ParseSigningConfig parses the protobuf JSON form (lowerCamelCase or snake_case names, unknown
// fields ignored). Only the v0.2 media type is accepted. A document over kMaxSigningConfigSize is
// kResourceExhausted; anything malformed (bad JSON, unknown media type, a service without url,
// majorApiVersion or validFor.start, an unknown selector, EXACT without a positive count) is
// kInvalidArgument naming the field.
Result<SigningConfig> ParseSigningConfig(std::string_view json);

// LoadSigningConfig reads and parses a file (errors name the path; unreadable keeps core/file.h's
// codes).
Result<SigningConfig> LoadSigningConfig(const std::string& path);

// SelectServices picks the services for a signing run at |now|, as sigstore-go does: services
// outside their validity window or with an API version vouch does not speak (CA 1, Rekor 1 or
// 2, TSA 1) are dropped; among the rest the newest (latest validFor.start) of each operator is
// preferred, and the newest API version first. CA and OIDC: the first of those. Logs and TSAs:
// ALL = one per operator, ANY = one, EXACT n = n distinct operators (fewer available is
// kFailedPrecondition). A config whose CA (when |need_ca|) or listed logs/TSAs are all outside
// their windows is kFailedPrecondition naming the service kind; empty lists stay empty (an empty
// caUrls too, even with |need_ca|: ca is then unset). ANY and EXACT take the newest services
// (sigstore-go picks at random), so that a run is reproducible.
Result<SigstoreServices> SelectServices(const SigningConfig& config, TimePoint now, bool need_ca);

}  // namespace vouch::sign
