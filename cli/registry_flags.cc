#include "registry_flags.h"

#include <vector>

#include "key_flags.h"
#include "vouch/core/duration.h"
#include "vouch/core/log.h"

namespace vouch::cli {

void AddRegistryFlags(cxxopts::Options& options) {
  options.add_options()("insecure-registry",
                        "allow plain HTTP and unverified TLS for HOST[:PORT] (repeatable)",
                        cxxopts::value<std::vector<std::string>>())(
      "ca-file", "PEM bundle of CAs to trust instead of the system store (default $SSL_CERT_FILE)",
      cxxopts::value<std::string>())(
      "request-timeout",
      "the longest one registry request may take, connection and whole body, retries not "
      "included (default 10m)",
      cxxopts::value<std::string>())(
      "registry-rate",
      "at most this many requests per second to each registry host (decimals allowed; 0: no "
      "limit; default 0, vouch serve 50)",
      cxxopts::value<std::string>())(
      "registry-burst",
      "requests sent at once to a registry host before --registry-rate applies (default: the "
      "rate, vouch serve 100)",
      cxxopts::value<std::string>())(
      "registry-breaker",
      "after this many consecutive failures of a registry host (429, 5xx, no answer) stop "
      "asking it for a cool-down (0: never; default 0, vouch serve 5)",
      cxxopts::value<std::string>())(
      "registry-breaker-cooldown",
      "how long an open circuit refuses requests before one trial (longer when the registry's "
      "Retry-After says so; default 30s)",
      cxxopts::value<std::string>());
}

void AddAttachmentRepositoryFlag(cxxopts::Options& options) {
  options.add_options()("attachment-repository",
                        "read and write signatures and attestations in REPO instead of beside "
                        "the image (default $VOUCH_REPOSITORY, then $COSIGN_REPOSITORY)",
                        cxxopts::value<std::string>());
}

void AddPlatformOption(cxxopts::Options& options) {
  options.add_options()("platform", "select os/arch[/variant] from an index",
                        cxxopts::value<std::string>());
}

namespace {

// NonNegative parses a flag value that is a decimal number >= 0 (a whole one when |integer|).
Result<double> NonNegative(const cxxopts::ParseResult& parsed, const std::string& flag,
                           bool integer) {
  const std::string text = parsed[flag].as<std::string>();
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(v >= 0) || v > 1e6 ||
      (integer && v != static_cast<double>(static_cast<int64_t>(v)))) {
    return InvalidArgumentError("--" + flag + ": want " +
                                (integer ? "a whole number" : "a number") + " >= 0, got \"" +
                                text + "\"");
  }
  return v;
}

}  // namespace

Result<registry::ThrottleOptions> ThrottleOptionsFromFlags(const cxxopts::ParseResult& parsed,
                                                          registry::ThrottleOptions defaults) {
  registry::ThrottleOptions t = std::move(defaults);
  if (parsed.count("registry-rate") > 0) {
    VOUCH_ASSIGN_OR_RETURN(t.requests_per_second, NonNegative(parsed, "registry-rate", false));
    if (parsed.count("registry-burst") == 0) {
      t.burst = 0;  // follows the rate given
    }
  }
  if (parsed.count("registry-burst") > 0) {
    VOUCH_ASSIGN_OR_RETURN(double b, NonNegative(parsed, "registry-burst", true));
    t.burst = static_cast<int>(b);
  }
  if (parsed.count("registry-breaker") > 0) {
    VOUCH_ASSIGN_OR_RETURN(double n, NonNegative(parsed, "registry-breaker", true));
    t.breaker_failures = static_cast<int>(n);
  }
  if (parsed.count("registry-breaker-cooldown") > 0) {
    auto d = ParsePositiveMilliseconds(parsed["registry-breaker-cooldown"].as<std::string>());
    if (!d.ok()) {
      return InvalidArgumentError("--registry-breaker-cooldown: " + d.status().message());
    }
    t.breaker_cooldown = *d;
  }
  return t;
}

Result<registry::ClientOptions> ClientOptionsFromFlags(const cxxopts::ParseResult& parsed,
                                                      const registry::ThrottleOptions& defaults) {
  registry::ClientOptions o;
  VOUCH_ASSIGN_OR_RETURN(registry::ThrottleOptions throttle,
                         ThrottleOptionsFromFlags(parsed, defaults));
  if (throttle.requests_per_second > 0 || throttle.breaker_failures > 0) {
    o.throttle = std::make_shared<registry::Throttle>(std::move(throttle));
  }
  if (parsed.count("request-timeout") > 0) {
    auto t = ParsePositiveMilliseconds(parsed["request-timeout"].as<std::string>());
    if (!t.ok()) {
      return InvalidArgumentError("--request-timeout: " + t.status().message());
    }
    o.request_timeout = *t;
  }
  if (parsed.count("insecure-registry") > 0) {
    for (const auto& h : parsed["insecure-registry"].as<std::vector<std::string>>()) {
      o.insecure_registries.insert(h);
    }
  }
  if (parsed.count("ca-file") > 0) {
    o.ca_file = parsed["ca-file"].as<std::string>();
  }
  std::optional<std::string> elsewhere;
  if (parsed.count("attachment-repository") > 0) {
    elsewhere = parsed["attachment-repository"].as<std::string>();
  }
  VOUCH_ASSIGN_OR_RETURN(o.attachment_repository, registry::ResolveAttachmentRepository(elsewhere));
  VOUCH_ASSIGN_OR_RETURN(registry::RegistriesConf conf,
                         registry::LoadRegistriesConf(registry::RegistriesConfPaths()));
  if (!conf.registries.empty()) {
    o.registries_conf = std::make_shared<const registry::RegistriesConf>(std::move(conf));
  }
  // -v (cli/command.h) logs every request: method, URL and status, never a header.
  if (log::Enabled(log::Level::kVerbose)) {
    o.observer = [](const registry::RequestLog& r) {
      log::Debug(r.method + " " + r.url + " -> " +
                 (r.status != 0 ? std::to_string(r.status) : "error (" + r.error + ")") + " (" +
                 std::to_string(r.elapsed.count()) + " ms, " + std::to_string(r.response_bytes) +
                 " bytes)");
    };
  }
  o.warn = [](const std::string& text) { log::Warn(text); };
  return o;
}

Result<std::unique_ptr<registry::Client>> NewClient(const cxxopts::ParseResult& parsed) {
  VOUCH_ASSIGN_OR_RETURN(registry::ClientOptions o, ClientOptionsFromFlags(parsed));
  return std::make_unique<registry::Client>(std::move(o));
}

Result<std::optional<registry::Platform>> ParsedPlatform(const cxxopts::ParseResult& parsed) {
  if (parsed.count("platform") == 0) {
    return std::optional<registry::Platform>();
  }
  VOUCH_ASSIGN_OR_RETURN(registry::Platform p,
                         registry::ParsePlatform(parsed["platform"].as<std::string>()));
  return std::optional<registry::Platform>(p);
}

Result<registry::Reference> ParseImage(const std::string& text) {
  return registry::ParseReference(text);
}

Result<std::unique_ptr<registry::Repository>> OpenImage(const cxxopts::ParseResult& parsed,
                                                        const std::string& image,
                                                        registry::Access access) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference ref, ParseImage(image));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(parsed));
  return client->Open(ref, access);
}

Result<ImageToSign> OpenImageToSign(const cxxopts::ParseResult& parsed, const std::string& image) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference ref, ParseImage(image));
  ImageToSign out;
  VOUCH_ASSIGN_OR_RETURN(out.signing, LoadBundleSigning(parsed));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(parsed));
  VOUCH_ASSIGN_OR_RETURN(out.repo, client->Open(ref, registry::Access::kPullPush));
  return out;
}

Result<std::map<std::string, std::string>> ParseKeyValueFlags(const cxxopts::ParseResult& parsed,
                                                              const std::string& flag) {
  std::map<std::string, std::string> out;
  if (parsed.count(flag) == 0) {
    return out;
  }
  for (const std::string& kv : parsed[flag].as<std::vector<std::string>>()) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("--" + flag + " wants key=value, got \"" + kv + "\"");
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseAnnotationFlags(
    const cxxopts::ParseResult& parsed) {
  return ParseKeyValueFlags(parsed, "annotation");
}

}  // namespace vouch::cli
