#include <utility>

#include "vouch/sign/services.h"
#include "vouch/sign/signing_config.h"

namespace vouch::sign {
namespace {

Result<SigstoreServices> FromConfig(const ServiceChoice& choice, TimePoint now) {
  std::string path = choice.signing_config_path;
  if (path.empty() && choice.keyless && choice.fulcio_url.empty()) {
    path = choice.default_signing_config_path;
  }
  if (path.empty()) {
    return SigstoreServices{};
  }
  VOUCH_ASSIGN_OR_RETURN(SigningConfig config, LoadSigningConfig(path));
  return SelectServices(config, now, choice.keyless && choice.fulcio_url.empty());
}

// Requested fails when a service kind was explicitly asked for but nothing provides it.
Status Requested(const std::optional<bool>& asked, bool have, std::string_view flag,
                 std::string_view url_flag) {
  if (asked.value_or(false) && !have) {
    return InvalidArgumentError(std::string(flag) + " needs " + std::string(url_flag) +
                                " or a --signing-config that names one");
  }
  return OkStatus();
}

}  // namespace

Result<SigstoreServices> ChooseServices(const ServiceChoice& choice, TimePoint now) {
  VOUCH_ASSIGN_OR_RETURN(SigstoreServices services, FromConfig(choice, now));
  if (!choice.fulcio_url.empty()) {
    services.ca = ServiceEndpoint{choice.fulcio_url, 1, ""};
  }
  if (!choice.rekor_url.empty()) {
    services.tlogs = {ServiceEndpoint{choice.rekor_url, choice.rekor_api_version, ""}};
  }
  if (!choice.tsa_url.empty()) {
    services.tsas = {ServiceEndpoint{choice.tsa_url, 1, ""}};
  }
  if (choice.tlog_upload.has_value() && !*choice.tlog_upload) {
    services.tlogs.clear();
  }
  if (choice.timestamp.has_value() && !*choice.timestamp) {
    services.tsas.clear();
  }
  VOUCH_RETURN_IF_ERROR(
      Requested(choice.tlog_upload, !services.tlogs.empty(), "--tlog-upload", "--rekor-url"));
  VOUCH_RETURN_IF_ERROR(Requested(choice.timestamp, !services.tsas.empty(), "--timestamp",
                                  "--timestamp-server-url"));
  if (!choice.keyless) {
    services.ca.reset();
    services.oidc.reset();
  } else if (!services.ca.has_value()) {
    return InvalidArgumentError(
        "sign with --key, or keyless with a certificate authority: --fulcio-url URL, "
        "--signing-config FILE, or `vouch trusted-root update` for the public-good instance's "
        "signing config");
  }
  return services;
}

}  // namespace vouch::sign
