#include "notation_flags.h"

#include <cstdlib>

#include "sigstore_flags.h"
#include "vouch/core/duration.h"
#include "vouch/core/file.h"
#include "vouch/keys/certificates.h"

namespace vouch::cli {
namespace {

// kMaxChainFileSize caps the --cert-chain file.
constexpr size_t kMaxChainFileSize = 1 << 20;

}  // namespace

void AddNotationSigningOptions(cxxopts::Options& options) {
  options.add_options()("cert-chain",
                        "notation formats: PEM certificate chain, leaf first; the leaf holds the "
                        "key's public key",
                        cxxopts::value<std::string>())(
      "expiry", "notation formats: the signature expires after this duration (e.g. 720h)",
      cxxopts::value<std::string>())(
      "timestamp-url",
      "notation formats: RFC 3161 timestamp authority URL; the signature is countersigned "
      "before anything is written",
      cxxopts::value<std::string>());
}

Result<NotationSigningFlags> ParseNotationSigningFlags(const cxxopts::ParseResult& parsed) {
  NotationSigningFlags flags;
  if (parsed.count("cert-chain") > 0) {
    flags.cert_chain_path = parsed["cert-chain"].as<std::string>();
  }
  if (parsed.count("expiry") > 0) {
    VOUCH_ASSIGN_OR_RETURN(std::chrono::seconds expiry,
                           ParsePositiveSeconds(parsed["expiry"].as<std::string>()));
    flags.expiry = SystemClock().Now() + expiry;
  }
  if (parsed.count("timestamp-url") > 0) {
    flags.timestamp_url = parsed["timestamp-url"].as<std::string>();
    if (flags.timestamp_url.rfind("http://", 0) != 0 &&
        flags.timestamp_url.rfind("https://", 0) != 0) {
      return InvalidArgumentError("--timestamp-url must be an http:// or https:// URL");
    }
  }
  return flags;
}

Result<std::vector<Bytes>> ReadCertChain(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(Bytes pem, ReadFile(path, kMaxChainFileSize));
  return keys::ParsePemCertificates(AsChars(pem), path);
}

sign::Timestamper TimestamperFor(const std::string& url) {
  if (url.empty()) {
    return {};
  }
  return sign::NewTsaTimestamper(ServiceTransport(), url);
}

}  // namespace vouch::cli
