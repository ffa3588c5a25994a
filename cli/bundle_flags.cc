#include "bundle_flags.h"

#include <string>

#include "identity_flags.h"
#include "key_flags.h"
#include "vouch/core/file.h"

namespace vouch::cli {
namespace {

std::optional<size_t> Threshold(const cxxopts::ParseResult& parsed, const char* flag) {
  if (parsed.count(flag) == 0) {
    return std::nullopt;
  }
  return static_cast<size_t>(parsed[flag].as<int>());
}

Status ReadThresholds(const cxxopts::ParseResult& parsed, verify::BundleVerifyOptions& o) {
  for (const char* flag : {"tlog-threshold", "timestamp-threshold", "ctlog-threshold"}) {
    if (parsed.count(flag) > 0 && (parsed[flag].as<int>() < 0 || parsed[flag].as<int>() > 32)) {
      return InvalidArgumentError(std::string("--") + flag + " must be between 0 and 32");
    }
  }
  o.tlog_threshold = Threshold(parsed, "tlog-threshold");
  o.timestamp_threshold = Threshold(parsed, "timestamp-threshold").value_or(0);
  if (std::optional<size_t> ct = Threshold(parsed, "ctlog-threshold")) {
    if (*ct > 1) {
      return InvalidArgumentError("--ctlog-threshold is 0 or 1: a leaf carries its SCTs");
    }
    o.require_sct = *ct == 1;
  }
  return OkStatus();
}

// ReadKeyring loads --keyring, keeping the keys of --key-usage.
Result<std::vector<verify::ManagedKey>> ReadKeyring(const cxxopts::ParseResult& parsed) {
  const std::string path = parsed["keyring"].as<std::string>();
  VOUCH_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, 1 << 20));
  std::string usage = parsed.count("key-usage") > 0 ? parsed["key-usage"].as<std::string>() : "";
  auto keys = verify::ParseManagedKeys(AsChars(text), usage);
  if (!keys.ok()) {
    return keys.status().WithContext(path);
  }
  return keys;
}

}  // namespace

void AddBundleTrustOptions(cxxopts::Options& options) {
  options.add_options()(
      "keyring",
      "trusted keys with validity windows, chosen by the bundle's key hint (npm's keys.json)",
      cxxopts::value<std::string>())("key-usage",
                                     "with --keyring, only keys of this usage (npm:attestations)",
                                     cxxopts::value<std::string>())(
      "tlog-threshold",
      "distinct transparency logs that must have logged the signature (default: 1 when the "
      "trusted root lists logs, else 0)",
      cxxopts::value<int>())("timestamp-threshold",
                             "distinct timestamp authorities that must have timestamped it "
                             "(default 0)",
                             cxxopts::value<int>())(
      "ctlog-threshold",
      "1: the certificate must carry a verified SCT; 0: not (default: 1 when the trusted root "
      "lists CT logs)",
      cxxopts::value<int>());
}

Result<BundleTrust> BundleTrustFromFlags(const cxxopts::ParseResult& parsed,
                                         std::string_view command) {
  const bool keyless = HasIdentityFlags(parsed);
  const int sources = (parsed.count("key") > 0) + (parsed.count("keyring") > 0) + keyless;
  if (sources != 1) {
    return InvalidArgumentError(std::string(command) +
                                " needs exactly one of --key KEY, --keyring FILE, or "
                                "--certificate-identity and --certificate-oidc-issuer (keyless)");
  }
  if (parsed.count("key-usage") > 0 && parsed.count("keyring") == 0) {
    return InvalidArgumentError("--key-usage needs --keyring");
  }
  BundleTrust t;
  VOUCH_RETURN_IF_ERROR(ReadThresholds(parsed, t.options));
  if (keyless) {
    VOUCH_ASSIGN_OR_RETURN(verify::CertificateIdentity id, ParseIdentity(parsed));
    t.options.identities.push_back(std::move(id));
  } else if (parsed.count("keyring") > 0) {
    VOUCH_ASSIGN_OR_RETURN(t.options.managed_keys, ReadKeyring(parsed));
  } else {
    VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, LoadVerifierFlag(parsed));
    t.key = std::make_shared<keys::Verifier>(std::move(key));
    t.options.key = t.key.get();
  }
  if (t.options.key == nullptr || TrustedRootFlagGiven(parsed)) {
    VOUCH_ASSIGN_OR_RETURN(const std::string path, TrustedRootPath(parsed));
    VOUCH_ASSIGN_OR_RETURN(t.roots, verify::LoadTrustedRoots(path));
  }
  return t;
}

}  // namespace vouch::cli
