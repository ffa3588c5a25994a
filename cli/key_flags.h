// Shared handling of --key and password flags for every command that loads a private key.
//
// The password comes from, in order: --password-file F, the VOUCH_PASSWORD environment variable,
// COSIGN_PASSWORD when the key is a cosign key file (as cosign users expect), or a no-echo prompt
// on the controlling TTY (asked twice when creating a key). With none of
// those available the result is kFailedPrecondition (exit 2) with a message naming the options.
// An empty password is accepted only when given explicitly (an empty VOUCH_PASSWORD or an empty
// password file), never from an accidental empty prompt answer.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::cli {

// AddPasswordOptions registers --password-file on |options|.
void AddPasswordOptions(cxxopts::Options& options);

// AddSigningKeyOptions registers --key (a private key file, or env://VAR) and the password
// options; LoadSignerFlag reads it.
void AddSigningKeyOptions(cxxopts::Options& options);

// AddVerifyingKeyOptions registers --key (a public key file, or env://VAR; a private key is
// accepted too) and the password options; LoadVerifierFlag reads it.
void AddVerifyingKeyOptions(cxxopts::Options& options);

enum class PasswordPurpose {
  kDecrypt,  // reading an existing key: ask once
  kCreate,   // writing a new key: ask twice and require the answers to match
};

// PasswordEnv names the environment variables a password may come from.
enum class PasswordEnv {
  kVouch,            // VOUCH_PASSWORD
  kVouchThenCosign,  // VOUCH_PASSWORD, else COSIGN_PASSWORD (reading a cosign key file)
};

// ReadPasswordFile reads a password file (a few bytes; one trailing newline is not part of the
// password). Errors name the path, never the content.
Result<SecretString> ReadPasswordFile(const std::string& path);

// ObtainPassword resolves the password from the parsed options, the environment and the TTY.
Result<SecretString> ObtainPassword(const cxxopts::ParseResult& parsed, PasswordPurpose purpose,
                                    const std::string& prompt_subject,
                                    PasswordEnv env = PasswordEnv::kVouch);

// LoadSigner reads the --key spec (a path or env://VAR), asks for a password only when the key is
// encrypted, and returns the signer. Errors name the key spec, never its content.
Result<std::unique_ptr<keys::Signer>> LoadSigner(const cxxopts::ParseResult& parsed,
                                                 const std::string& key_spec);

// LoadSignerFlag is LoadSigner for the value of --key.
Result<std::unique_ptr<keys::Signer>> LoadSignerFlag(const cxxopts::ParseResult& parsed);

// LoadVerifier reads a public key from a --key spec. A private key file is accepted too (its
// public half is used), as cosign does.
Result<keys::Verifier> LoadVerifier(const cxxopts::ParseResult& parsed,
                                    const std::string& key_spec);

// LoadVerifierFlag is LoadVerifier for the value of --key.
Result<keys::Verifier> LoadVerifierFlag(const cxxopts::ParseResult& parsed);

// LoadVerifiers loads every value of a repeatable --key option (none given: an empty list).
// A key file over keys::kMaxKeyFileSize is kInvalidArgument (exit 2), like any bad key argument.
Result<std::vector<keys::Verifier>> LoadVerifiers(const cxxopts::ParseResult& parsed);

}  // namespace vouch::cli
