// The flags every registry command shares (--insecure-registry, --ca-file, -v, --platform) and
// the Client they configure.
#pragma once

#include <cxxopts.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sigstore_flags.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"

namespace vouch::cli {

// AddRegistryFlags registers --insecure-registry HOST (repeatable), --ca-file F,
// --request-timeout DURATION, the back-pressure flags --registry-rate, --registry-burst,
// --registry-breaker, --registry-breaker-cooldown (registry/throttle.h) and -v/--verbose on
// |options| (Command::With(AddRegistryFlags); Command registers --help itself).
void AddRegistryFlags(cxxopts::Options& options);

// AddAttachmentRepositoryFlag registers --attachment-repository REPO (cosign's
// COSIGN_REPOSITORY as a flag) on the commands that read or write an image's signatures and
// attestations; ClientOptionsFromFlags resolves it with $VOUCH_REPOSITORY and $COSIGN_REPOSITORY
// (registry::ResolveAttachmentRepository).
void AddAttachmentRepositoryFlag(cxxopts::Options& options);

// AddPlatformOption registers --platform os/arch[/variant].
void AddPlatformOption(cxxopts::Options& options);

// ClientOptionsFromFlags returns the registry ClientOptions the parsed common flags describe
// (insecure registries, CA file, request timeout, the -v request log and the warning printer)
// and registries.conf (RegistriesConfPaths; a malformed file is kInvalidArgument, exit 2), the
// attachment repository (--attachment-repository, $VOUCH_REPOSITORY, $COSIGN_REPOSITORY),
// for callers that adjust them before building a Client (vouch serve ties timeouts to its
// deadline). The throttle is |defaults| (off for image commands; vouch serve passes its own)
// with the back-pressure flags applied, left null when it limits nothing. A malformed
// --request-timeout or back-pressure flag is kInvalidArgument (exit 2).
Result<registry::ClientOptions> ClientOptionsFromFlags(
    const cxxopts::ParseResult& parsed, const registry::ThrottleOptions& defaults = {});

// ThrottleOptionsFromFlags returns |defaults| with --registry-rate, --registry-burst,
// --registry-breaker and --registry-breaker-cooldown applied.
Result<registry::ThrottleOptions> ThrottleOptionsFromFlags(const cxxopts::ParseResult& parsed,
                                                          registry::ThrottleOptions defaults);

// NewClient builds a registry Client from the parsed common flags. With -v every HTTP exchange
// is logged to stderr as "vouch: GET <url> -> 200 (12 ms)" (credentials never appear: they
// travel in headers, which are not logged, and URL userinfo is redacted).
Result<std::unique_ptr<registry::Client>> NewClient(const cxxopts::ParseResult& parsed);

// ParsedPlatform returns --platform, parsed, or nullopt when absent.
Result<std::optional<registry::Platform>> ParsedPlatform(const cxxopts::ParseResult& parsed);

// ParseImage parses an IMAGE argument.
Result<registry::Reference> ParseImage(const std::string& text);

// OpenImage parses |image| and opens its repository (registry or oci: layout) through a client
// built from the parsed flags. The repository keeps what it needs of the client alive.
Result<std::unique_ptr<registry::Repository>> OpenImage(
    const cxxopts::ParseResult& parsed, const std::string& image,
    registry::Access access = registry::Access::kPull);

// ImageToSign is what an image-signing command (sign, attest) works with: the signer (--key, or
// keyless: sigstore_flags.h) and the image's repository, opened for pushing (its reference() is
// IMAGE, parsed).
struct ImageToSign {
  BundleSigning signing;
  std::unique_ptr<registry::Repository> repo;
};

// OpenImageToSign parses |image|, loads the signer (LoadBundleSigning: the --key password, or
// the identity token and Fulcio certificate) and opens the repository with
// registry::Access::kPullPush, in that order: a bad reference fails before any password prompt,
// and a wrong password before any registry request.
Result<ImageToSign> OpenImageToSign(const cxxopts::ParseResult& parsed, const std::string& image);

// ParseAnnotationFlags returns the repeatable -a key=value pairs; an entry without '=' or with
// an empty key is kInvalidArgument (exit 2).
Result<std::map<std::string, std::string>> ParseAnnotationFlags(const cxxopts::ParseResult& parsed);

// ParseKeyValueFlags reads the repeatable key=value values of --|flag| by the same rule.
Result<std::map<std::string, std::string>> ParseKeyValueFlags(const cxxopts::ParseResult& parsed,
                                                              const std::string& flag);

}  // namespace vouch::cli
