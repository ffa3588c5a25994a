// Keyless identity flags shared by verify-bundle, verify-blob, verify and verify-attestation:
// --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp] and cosign's
// --certificate-github-workflow-{repository,ref,sha,trigger,name}, plus the trusted root:
// --trusted-root, or the TUF cache (--tuf-refresh, --tuf-url; docs/tuf.md).
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/status.h"
#include "vouch/verify/engine.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::cli {

// AddIdentityOptions registers the identity flags, --trusted-root, --tuf-refresh and --tuf-url
// on |options|.
void AddIdentityOptions(cxxopts::Options& options);

// HasIdentityFlags reports whether any identity flag was given.
bool HasIdentityFlags(const cxxopts::ParseResult& parsed);

// ParseIdentity builds the identity from the flags: exactly one of --certificate-identity and
// --certificate-identity-regexp, and one of --certificate-oidc-issuer and
// --certificate-oidc-issuer-regexp; a regexp that does not compile is a usage error.
Result<verify::CertificateIdentity> ParseIdentity(const cxxopts::ParseResult& parsed);

// TrustedRootFlagGiven reports whether --trusted-root or --tuf-refresh was given. With --key,
// only an explicit flag turns on the log checks: $VOUCH_TRUSTED_ROOT or a TUF cache (meant for
// keyless checks) must not make vouch's own key-signed bundles, which carry no log entry, fail.
bool TrustedRootFlagGiven(const cxxopts::ParseResult& parsed);

// TrustedRootPath picks the trusted root file, in this order: --trusted-root; with
// --tuf-refresh, the TUF update of --tuf-url first (its errors: 1 rejected, 3 network) and then
// its cached trusted_root.json; $VOUCH_TRUSTED_ROOT (returned as "", which
// verify::LoadTrustedRoot reads as the variable); the cached trusted_root.json of --tuf-url
// (default: the public-good instance) when an earlier `vouch trusted-root update` wrote one,
// offline; else "" (verify's "no trusted root" error). --tuf-refresh with --trusted-root is a
// usage error.
Result<std::string> TrustedRootPath(const cxxopts::ParseResult& parsed);

// LoadTrustedRootFlag loads the trusted root TrustedRootPath picks (verify::LoadTrustedRoot).
Result<std::shared_ptr<const verify::TrustedRoot>> LoadTrustedRootFlag(
    const cxxopts::ParseResult& parsed);

// KeylessFlags is the keyless trust of an image command (verify, verify-attestation).
struct KeylessFlags {
  std::shared_ptr<const verify::TrustedRoot> trusted_root;
  verify::CertificateIdentity identity;
};

// ParseKeylessFlags reads the identity flags and the trusted root for an image command: nullopt
// when no identity flag was given (key mode); a usage error when --trusted-root comes without
// an identity, or the identity is incomplete; the trusted root's own error when it cannot load
// (kInvalidArgument "no trusted root: ..." when neither the flag nor $VOUCH_TRUSTED_ROOT is set).
//
// |command| names the command for the usage errors of the key-or-identity rule: identity flags
// together with --key, or neither of them ("<command> needs --key KEY, or
// --certificate-identity and --certificate-oidc-issuer<alternatives>").
Result<std::optional<KeylessFlags>> ParseKeylessFlags(const cxxopts::ParseResult& parsed,
                                                      std::string_view command,
                                                      std::string_view alternatives = "");

// TrustFlagsFromFlags reads who is trusted on an image command: the --key files
// (LoadVerifiers), or the keyless identity flags with the trusted root (ParseKeylessFlags, whose
// usage errors it keeps). With |required| false (inspect) neither may be given: no trust.
Result<verify::TrustFlags> TrustFlagsFromFlags(const cxxopts::ParseResult& parsed,
                                               std::string_view command,
                                               std::string_view alternatives = "",
                                               bool required = true);

// AddNotationOptions registers --notation and --notation-dir (verify, inspect).
void AddNotationOptions(cxxopts::Options& options);

// NotationFromFlags returns the authority of `--notation` (the notation folder's OCI trust policy
// and trust store: --notation-dir, default the user's notation folder), nullopt without
// --notation; --notation-dir alone is kInvalidArgument.
Result<std::optional<policy::NotationAuthority>> NotationFromFlags(
    const cxxopts::ParseResult& parsed);

}  // namespace vouch::cli
