// The Sigstore services a signing run talks to, once chosen: a certificate authority (Fulcio)
// for keyless signing, transparency logs (Rekor v1 or v2) and RFC 3161 timestamp authorities.
// They come from a signing config (signing_config.h, SelectServices) or from flags
// (--fulcio-url, --rekor-url, --timestamp-server-url); vouch contacts no service not named here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

}  // namespace vouch::sign
