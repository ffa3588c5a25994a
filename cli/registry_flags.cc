#include "registry_flags.h"

#include <iostream>
#include <mutex>
#include <vector>

#include "key_flags.h"
#include "vouch/core/duration.h"

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
      cxxopts::value<std::string>())("v,verbose", "log every HTTP request to stderr");
}

void AddPlatformOption(cxxopts::Options& options) {
  options.add_options()("platform", "select os/arch[/variant] from an index",
                        cxxopts::value<std::string>());
}

Result<registry::ClientOptions> ClientOptionsFromFlags(const cxxopts::ParseResult& parsed) {
  registry::ClientOptions o;
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
  static std::mutex log_mu;
  if (parsed.count("verbose") > 0) {
    o.observer = [](const registry::RequestLog& log) {
      std::lock_guard<std::mutex> lock(log_mu);
      std::cerr << "vouch: " << log.method << " " << log.url << " -> ";
      if (log.status != 0) {
        std::cerr << log.status;
      } else {
        std::cerr << "error (" << log.error << ")";
      }
      std::cerr << " (" << log.elapsed.count() << " ms, " << log.response_bytes << " bytes)\n";
    };
  }
  o.warn = [](const std::string& text) {
    std::lock_guard<std::mutex> lock(log_mu);
    std::cerr << "vouch: warning: " << text << "\n";
  };
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
  VOUCH_ASSIGN_OR_RETURN(out.signer, LoadSignerFlag(parsed));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(parsed));
  VOUCH_ASSIGN_OR_RETURN(out.repo, client->Open(ref, registry::Access::kPullPush));
  return out;
}

Result<std::map<std::string, std::string>> ParseAnnotationFlags(
    const cxxopts::ParseResult& parsed) {
  std::map<std::string, std::string> out;
  if (parsed.count("annotation") == 0) {
    return out;
  }
  for (const std::string& kv : parsed["annotation"].as<std::vector<std::string>>()) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("-a wants key=value, got \"" + kv + "\"");
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace vouch::cli
