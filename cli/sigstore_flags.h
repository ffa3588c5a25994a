// The flags of Sigstore bundle signing shared by sign-blob, attest-blob, sign, attest, promote
// and sign-bundle: a key (--key) or keyless (no --key, or --keyless) with an OIDC identity token,
// and the services that witness the signature (--signing-config, --fulcio-url, --rekor-url,
// --timestamp-server-url, --tlog-upload, --timestamp). The decisions are the sign module's
// (sign::ChooseServices, sign::ObtainIdentityToken, sign::BundleSigner); this file only reads
// flags and the environment and says who is about to sign.
#pragma once

#include <cxxopts.hpp>
#include <map>
#include <memory>
#include <string>

#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/bundle_signer.h"

namespace vouch::cli {

// AddSigstoreSigningOptions registers the keyless and witness flags (not --key: commands
// register that with AddSigningKeyOptions).
void AddSigstoreSigningOptions(cxxopts::Options& options);

// BundleSigning is the signer a command signs bundles with, and the key it owns.
struct BundleSigning {
  std::unique_ptr<keys::Signer> key;  // --key; null when keyless
  std::unique_ptr<sign::BundleSigner> signer;
  // identity and issuer are the keyless signer's (the token's subject or email, and `iss`).
  std::string identity;
  std::string issuer;
};

// Environment returns the process environment as a map.
std::map<std::string, std::string> Environment();

// ServiceTransport is the curl transport vouch talks to Sigstore services and TSAs through
// (SSL_CERT_FILE overrides the CA store, as for registries), with a per-exchange deadline.
std::shared_ptr<registry::Transport> ServiceTransport();

// UsesSigstoreSigningFlags reports whether any keyless or witness flag was given.
bool UsesSigstoreSigningFlags(const cxxopts::ParseResult& parsed);

// LoadBundleSigning loads --key (with the services the flags name), or, without --key, obtains
// an identity token, prints its issuer and subject on stderr, and gets a Fulcio certificate for
// an ephemeral key. --key with --keyless or --identity-token is kInvalidArgument.
Result<BundleSigning> LoadBundleSigning(const cxxopts::ParseResult& parsed);

// RequireKeyOnly is for the formats that are not Sigstore bundles (Notation envelopes, cosign's
// legacy tags): they sign with --key and take no keyless or witness flag. kInvalidArgument
// naming |format| otherwise.
Status RequireKeyOnly(const cxxopts::ParseResult& parsed, std::string_view format);

// SignedBy describes a signer for "Signed X <SignedBy>": "with ECDSA_P256 key 0123abcd..." or
// "keyless as SUBJECT (Fulcio certificate)", then what witnessed it ("logged in ... ").
std::string SignedBy(const sign::BundleSigner& signer);

}  // namespace vouch::cli
