// The Sigstore services a signing run talks to, once chosen: a certificate authority (Fulcio)
// for keyless signing, transparency logs (Rekor v1 or v2) and RFC 3161 timestamp authorities.
// They come from a signing config (signing_config.h, SelectServices) or from flags
// (--fulcio-url, --rekor-url, --timestamp-server-url); vouch contacts no service not named here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/clock.h"
#include "vouch/core/status.h"

namespace vouch::sign {

// ServiceEndpoint is one chosen service.
struct ServiceEndpoint {
  // url is the service's base URL as the signing config gives it ("https://fulcio.sigstore.dev",
  // "https://rekor.sigstore.dev", "https://timestamp.sigstore.dev/api/v1/timestamp"). Clients
  // append their API paths to CA and log URLs; a TSA URL is used as given.
  std::string url;
  // api_version is the service's major API version: Fulcio 1 (served at /api/v2/signingCert),
  // Rekor 1 (/api/v1/log/entries) or 2 (/api/v2/log/entries), TSA 1.
  uint32_t api_version = 1;
  // operator_name is the signing config's `operator` ("sigstore.dev"), possibly empty.
  std::string operator_name;
};

// SigstoreServices is every service one signing run uses.
struct SigstoreServices {
  // ca is the Fulcio instance; required for keyless signing, unused with a key.
  std::optional<ServiceEndpoint> ca;
  // oidc is the identity provider the signing config names (informational: vouch runs no
  // interactive login).
  std::optional<ServiceEndpoint> oidc;
  // tlogs receive one entry each; empty means no log upload.
  std::vector<ServiceEndpoint> tlogs;
  // tsas each countersign the signature; empty means no timestamp.
  std::vector<ServiceEndpoint> tsas;
};

// ServiceChoice is what the user said about services: a signing config, per-service URLs that
// replace its choice, and whether to upload to a log or ask for a timestamp at all.
struct ServiceChoice {
  bool keyless = false;
  // signing_config_path is --signing-config; "" when not given.
  std::string signing_config_path;
  // default_signing_config_path is used for keyless signing when neither --signing-config nor
  // --fulcio-url is given (the TUF cache's signing config of the public-good instance, when
  // `vouch trusted-root update` fetched one); "" for none.
  std::string default_signing_config_path;
  std::string fulcio_url;  // --fulcio-url
  std::string rekor_url;   // --rekor-url (Rekor API v1 unless rekor_api_version says 2)
  uint32_t rekor_api_version = 1;
  std::string tsa_url;     // --timestamp-server-url
  // tlog_upload / timestamp: explicit --tlog-upload[=false] / --timestamp[=false]; nullopt when
  // not given (then: on when a service is named, keyless or keyed).
  std::optional<bool> tlog_upload;
  std::optional<bool> timestamp;
};

// ChooseServices resolves |choice| at |now|: the signing config's selection (SelectServices),
// replaced service by service by the URL flags, then logs dropped by --tlog-upload=false and
// TSAs by --timestamp=false. vouch contacts nothing it was not given: with a key and neither a
// config nor URLs, there are no services. Keyless with no CA at all, or --tlog-upload /
// --timestamp asked for with no service to do it, is kInvalidArgument naming the flag to add.
// Config errors keep their codes (signing_config.h).
Result<SigstoreServices> ChooseServices(const ServiceChoice& choice, TimePoint now);

}  // namespace vouch::sign
