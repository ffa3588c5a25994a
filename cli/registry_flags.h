// The flags every registry command shares (--insecure-registry, --ca-file, -v, --platform) and
// the Client they configure.
#pragma once

#include <cxxopts.hpp>

#include <memory>
#include <optional>
#include <string>

#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::cli {

// AddRegistryOptions registers --insecure-registry HOST (repeatable), --ca-file F, -v/--verbose
// and -h/--help on |options|.
void AddRegistryOptions(cxxopts::Options& options);

// AddPlatformOption registers --platform os/arch[/variant].
void AddPlatformOption(cxxopts::Options& options);

// NewClient builds a registry Client from the parsed common flags. With -v every HTTP exchange
// is logged to stderr as "vouch: GET <url> -> 200 (12 ms)" (credentials never appear: they
// travel in headers, which are not logged, and URL userinfo is redacted).
std::unique_ptr<registry::Client> NewClient(const cxxopts::ParseResult& parsed);

// ParsedPlatform returns --platform, parsed, or nullopt when absent.
Result<std::optional<registry::Platform>> ParsedPlatform(const cxxopts::ParseResult& parsed);

// ParseImage parses an IMAGE argument.
Result<registry::Reference> ParseImage(const std::string& text);

}  // namespace vouch::cli
