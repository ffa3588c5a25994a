#include "sigstore_flags.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "key_flags.h"
#include "tuf_flags.h"
#include "vouch/core/log.h"
#include "vouch/sign/identity_token.h"
#include "vouch/sign/services.h"

extern char** environ;  // NOLINT: POSIX

namespace vouch::cli {
namespace {

// kServiceTimeout bounds one exchange with Fulcio, a log or a TSA: each is one small request,
// and a service that hangs must not hold the signing (nothing is written before it answers).
constexpr std::chrono::seconds kServiceTimeout{60};

// kSigstoreFlags are the flags only Sigstore bundle signing reads.
constexpr const char* kSigstoreFlags[] = {"keyless",   "identity-token",       "signing-config",
                                          "fulcio-url", "rekor-url",            "rekor-version",
                                          "timestamp-server-url", "tlog-upload", "timestamp"};

std::string Flag(const cxxopts::ParseResult& parsed, const char* name) {
  return parsed.count(name) > 0 ? parsed[name].as<std::string>() : std::string();
}

std::optional<bool> OptionalBool(const cxxopts::ParseResult& parsed, const char* name) {
  if (parsed.count(name) == 0) {
    return std::nullopt;
  }
  return parsed[name].as<bool>();
}

Result<sign::ServiceChoice> ChoiceFromFlags(const cxxopts::ParseResult& parsed, bool keyless) {
  sign::ServiceChoice c;
  c.keyless = keyless;
  c.signing_config_path = Flag(parsed, "signing-config");
  // The public-good instance's signing config from the TUF cache, when `vouch trusted-root
  // update` fetched one (docs/tuf.md); read as is, nothing fetched.
  c.default_signing_config_path = CachedSigningConfig(TufSource{}).value_or("");
  c.fulcio_url = Flag(parsed, "fulcio-url");
  c.rekor_url = Flag(parsed, "rekor-url");
  c.tsa_url = Flag(parsed, "timestamp-server-url");
  if (parsed.count("rekor-version") > 0) {
    const int v = parsed["rekor-version"].as<int>();
    if (v != 1 && v != 2) {
      return InvalidArgumentError("--rekor-version must be 1 or 2");
    }
    c.rekor_api_version = static_cast<uint32_t>(v);
  }
  c.tlog_upload = OptionalBool(parsed, "tlog-upload");
  c.timestamp = OptionalBool(parsed, "timestamp");
  return c;
}

std::string Describe(const sign::SigstoreServices& s) {
  std::string out;
  for (const sign::ServiceEndpoint& log : s.tlogs) {
    out += "; log " + log.url + " (Rekor v" + std::to_string(log.api_version) + ")";
  }
  for (const sign::ServiceEndpoint& tsa : s.tsas) {
    out += "; timestamp " + tsa.url;
  }
  return out;
}

}  // namespace

void AddSigstoreSigningOptions(cxxopts::Options& options) {
  options.add_options()("keyless",
                        "sign with a short-lived Fulcio certificate for an OIDC identity (the "
                        "default without --key)",
                        cxxopts::value<bool>())(
      "identity-token",
      "keyless: the OIDC token, or a file holding it (default: SIGSTORE_ID_TOKEN, GitHub "
      "Actions, Buildkite, CircleCI)",
      cxxopts::value<std::string>())(
      "signing-config", "Sigstore signing config (v0.2 JSON) naming Fulcio, logs and TSAs",
      cxxopts::value<std::string>())("fulcio-url", "keyless: the Fulcio URL",
                                     cxxopts::value<std::string>())(
      "rekor-url", "upload the signature to this Rekor log", cxxopts::value<std::string>())(
      "rekor-version", "the Rekor API version of --rekor-url (1 or 2; default 1)",
      cxxopts::value<int>())(
      "timestamp-server-url", "RFC 3161 timestamp authority for the signature",
      cxxopts::value<std::string>())(
      "tlog-upload",
      "upload to the transparency log(s) named by --rekor-url or the signing config (default: "
      "when one is named); =false to skip",
      cxxopts::value<bool>()->implicit_value("true"))(
      "timestamp",
      "get RFC 3161 timestamps from the TSA(s) named by --timestamp-server-url or the signing "
      "config (default: when one is named); =false to skip",
      cxxopts::value<bool>()->implicit_value("true"));
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return env;
}

std::shared_ptr<registry::Transport> ServiceTransport() {
  registry::CurlTransportOptions options;
  options.request_timeout = kServiceTimeout;
  // The same CA store override as the registry client (registry::ClientOptions::ca_file).
  if (const char* ca = std::getenv("SSL_CERT_FILE"); ca != nullptr && *ca != '\0') {
    options.ca_file = ca;
  }
  return registry::NewCurlTransport(options);
}

bool UsesSigstoreSigningFlags(const cxxopts::ParseResult& parsed) {
  for (const char* f : kSigstoreFlags) {
    if (parsed.count(f) > 0) {
      return true;
    }
  }
  return false;
}

Result<BundleSigning> LoadBundleSigning(const cxxopts::ParseResult& parsed) {
  const bool has_key = parsed.count("key") > 0;
  const bool keyless_flag = parsed.count("keyless") > 0 && parsed["keyless"].as<bool>();
  if (has_key && (keyless_flag || parsed.count("identity-token") > 0)) {
    return InvalidArgumentError("--key signs with a key: --keyless and --identity-token are for "
                                "signing without one");
  }
  VOUCH_ASSIGN_OR_RETURN(sign::ServiceChoice choice, ChoiceFromFlags(parsed, !has_key));
  VOUCH_ASSIGN_OR_RETURN(sign::SigstoreServices services,
                         sign::ChooseServices(choice, SystemClock().Now()));
  std::shared_ptr<registry::Transport> transport = ServiceTransport();
  BundleSigning out;
  if (has_key) {
    VOUCH_ASSIGN_OR_RETURN(out.key, LoadSignerFlag(parsed));
    out.signer = std::make_unique<sign::BundleSigner>(*out.key, std::move(services), transport);
    return out;
  }
  sign::TokenSources sources;
  sources.flag = Flag(parsed, "identity-token");
  sources.env = Environment();
  sources.transport = transport;
  VOUCH_ASSIGN_OR_RETURN(sign::IdentityToken token, sign::ObtainIdentityToken(sources));
  log::Info("Signing keyless as " + token.ChallengeSubject() + " (issuer " + token.issuer +
            "; token from " + token.source + "): certificate from " + services.ca->url +
            Describe(services));
  VOUCH_ASSIGN_OR_RETURN(out.signer,
                         sign::BundleSigner::Keyless(token, std::move(services), transport));
  out.identity = token.ChallengeSubject();
  out.issuer = token.issuer;
  return out;
}

Status RequireKeyOnly(const cxxopts::ParseResult& parsed, std::string_view format) {
  if (parsed.count("key") == 0) {
    return InvalidArgumentError("--format " + std::string(format) +
                                " signs with --key (keyless signing writes Sigstore bundles: "
                                "--format bundle)");
  }
  if (UsesSigstoreSigningFlags(parsed)) {
    return InvalidArgumentError(
        "keyless signing, --signing-config, --rekor-url, --timestamp-server-url, --tlog-upload "
        "and --timestamp are for --format bundle, not " +
        std::string(format));
  }
  return OkStatus();
}

std::string SignedBy(const sign::BundleSigner& signer) {
  std::string out;
  if (signer.keyless()) {
    out = "keyless with a Fulcio certificate from " + signer.services().ca->url;
  } else {
    out = "with " + std::string(keys::KeyAlgorithmName(signer.key().algorithm())) + " key " +
          signer.key().PublicKey().KeyId().substr(0, 16);
  }
  return out + Describe(signer.services());
}

}  // namespace vouch::cli
