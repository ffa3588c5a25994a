// What verify-bundle and verify-blob-attestation trust, from their flags: a key (--key), a
// keyring of keys with validity windows (--keyring, npm's keys.json), or a keyless identity;
// the trusted roots (--trusted-root: a trusted_root.json or a JSONL file of them); and the log,
// timestamp and CT thresholds.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/sigstore.h"

namespace vouch::cli {

// AddBundleTrustOptions registers --keyring FILE, --key-usage USAGE, --tlog-threshold N,
// --timestamp-threshold N and --ctlog-threshold N (the key and identity flags come from
// key_flags.h and identity_flags.h).
void AddBundleTrustOptions(cxxopts::Options& options);

// BundleTrust is what the flags say to trust. |options.key| points into |key|.
struct BundleTrust {
  verify::BundleVerifyOptions options;
  std::vector<std::shared_ptr<const verify::TrustedRoot>> roots;
  std::shared_ptr<keys::Verifier> key;
};

// BundleTrustFromFlags reads exactly one of --key, --keyring and the identity flags (a usage
// error names |command| otherwise), loads the trusted roots (required for keyless and a
// keyring; with --key only when --trusted-root is given) and the thresholds.
Result<BundleTrust> BundleTrustFromFlags(const cxxopts::ParseResult& parsed,
                                         std::string_view command);

}  // namespace vouch::cli
