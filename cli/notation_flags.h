// The flags of Notation signing shared by `vouch sign` and `vouch sign-blob` (--format
// notation-jws|notation-cose): --cert-chain, --expiry and --timestamp-url.
#pragma once

#include <chrono>
#include <cxxopts.hpp>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/sign/timestamp.h"

namespace vouch::cli {

// AddNotationSigningOptions registers --cert-chain, --expiry and --timestamp-url.
void AddNotationSigningOptions(cxxopts::Options& options);

// NotationSigningFlags is what those flags say, read without I/O.
struct NotationSigningFlags {
  std::string cert_chain_path;  // "" when not given
  std::optional<TimePoint> expiry;
  std::string timestamp_url;  // "" when not given
  // any reports whether one of the flags was given (they need a notation format).
  bool any() const { return !cert_chain_path.empty() || expiry || !timestamp_url.empty(); }
};

// ParseNotationSigningFlags reads the flags: --expiry is a positive whole duration from now,
// --timestamp-url an http:// or https:// URL. kInvalidArgument otherwise (a usage error).
Result<NotationSigningFlags> ParseNotationSigningFlags(const cxxopts::ParseResult& parsed);

// ReadCertChain reads the PEM certificate chain at |path| (leaf first) as DER certificates.
Result<std::vector<Bytes>> ReadCertChain(const std::string& path);

// TimestamperFor returns the RFC 3161 client of |url| over a curl transport, or an empty
// function when |url| is empty (no timestamp).
sign::Timestamper TimestamperFor(const std::string& url);

}  // namespace vouch::cli
