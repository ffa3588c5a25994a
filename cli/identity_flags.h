// Keyless identity flags shared by verify-bundle, verify-blob, verify and verify-attestation (header-only, so no build-file
// change): --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp] and cosign's
// --certificate-github-workflow-{repository,ref,sha,trigger,name}, plus --trusted-root.
#pragma once

#include <cxxopts.hpp>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>

#include "vouch/core/status.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::cli {

// AddIdentityOptions registers the identity flags and --trusted-root on |options|.
inline void AddIdentityOptions(cxxopts::Options& options) {
  options.add_options("keyless")(
      "certificate-identity", "the signer identity (certificate SAN) that must match exactly",
      cxxopts::value<std::string>())(
      "certificate-identity-regexp", "an ECMAScript regexp the whole SAN must match",
      cxxopts::value<std::string>())(
      "certificate-oidc-issuer", "the OIDC issuer that must match exactly",
      cxxopts::value<std::string>())(
      "certificate-oidc-issuer-regexp", "an ECMAScript regexp the whole issuer must match",
      cxxopts::value<std::string>())(
      "certificate-github-workflow-repository", "GitHub workflow repository (extension .1.5)",
      cxxopts::value<std::string>())(
      "certificate-github-workflow-ref", "GitHub workflow ref (extension .1.6)",
      cxxopts::value<std::string>())(
      "certificate-github-workflow-sha", "GitHub workflow commit (extension .1.3)",
      cxxopts::value<std::string>())(
      "certificate-github-workflow-trigger", "GitHub workflow trigger (extension .1.2)",
      cxxopts::value<std::string>())(
      "certificate-github-workflow-name", "GitHub workflow name (extension .1.4)",
      cxxopts::value<std::string>())(
      "trusted-root", "trusted_root.json (default: $VOUCH_TRUSTED_ROOT)",
      cxxopts::value<std::string>());
}

// HasIdentityFlags reports whether any identity flag was given.
inline bool HasIdentityFlags(const cxxopts::ParseResult& parsed) {
  for (const char* f :
       {"certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp", "certificate-github-workflow-repository",
        "certificate-github-workflow-ref", "certificate-github-workflow-sha",
        "certificate-github-workflow-trigger", "certificate-github-workflow-name"}) {
    if (parsed.count(f) > 0) {
      return true;
    }
  }
  return false;
}

// ParseIdentity builds the identity from the flags: exactly one of --certificate-identity and
// --certificate-identity-regexp, and one of --certificate-oidc-issuer and
// --certificate-oidc-issuer-regexp; a regexp that does not compile is a usage error.
inline Result<verify::CertificateIdentity> ParseIdentity(const cxxopts::ParseResult& parsed) {
  auto get = [&](const char* f) {
    return parsed.count(f) > 0 ? parsed[f].as<std::string>() : std::string();
  };
  verify::CertificateIdentity id;
  id.san = get("certificate-identity");
  id.san_regexp = get("certificate-identity-regexp");
  id.issuer = get("certificate-oidc-issuer");
  id.issuer_regexp = get("certificate-oidc-issuer-regexp");
  if (id.san.empty() == id.san_regexp.empty()) {
    return InvalidArgumentError(
        "give exactly one of --certificate-identity and --certificate-identity-regexp");
  }
  if (id.issuer.empty() == id.issuer_regexp.empty()) {
    return InvalidArgumentError(
        "give exactly one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp");
  }
  for (const std::string* re : {&id.san_regexp, &id.issuer_regexp}) {
    if (re->empty()) {
      continue;
    }
    try {
      std::regex compiled(*re, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return InvalidArgumentError("\"" + *re + "\" is not a valid regular expression");
    }
  }
  for (const char* claim : {"repository", "ref", "sha", "trigger", "name"}) {
    std::string v = get((std::string("certificate-github-workflow-") + claim).c_str());
    if (!v.empty()) {
      id.github[claim] = v;
    }
  }
  return id;
}

// TrustedRootFlagGiven reports whether --trusted-root was given. With --key, only the explicit
// flag turns on the log checks: $VOUCH_TRUSTED_ROOT (meant for keyless checks) must not make
// vouch's own key-signed bundles, which carry no log entry, fail.
inline bool TrustedRootFlagGiven(const cxxopts::ParseResult& parsed) {
  return parsed.count("trusted-root") > 0;
}

// LoadTrustedRootFlag loads --trusted-root, else $VOUCH_TRUSTED_ROOT (verify::LoadTrustedRoot).
inline Result<std::shared_ptr<const verify::TrustedRoot>> LoadTrustedRootFlag(
    const cxxopts::ParseResult& parsed) {
  std::string path =
      parsed.count("trusted-root") > 0 ? parsed["trusted-root"].as<std::string>() : "";
  return verify::LoadTrustedRoot(path);
}

// KeylessFlags is the keyless trust of an image command (verify, verify-attestation).
struct KeylessFlags {
  std::shared_ptr<const verify::TrustedRoot> trusted_root;
  verify::CertificateIdentity identity;
};

// ParseKeylessFlags reads the identity flags and the trusted root for an image command: nullopt
// when no identity flag was given (key mode); a usage error when --trusted-root comes without
// an identity, or the identity is incomplete; the trusted root's own error when it cannot load
// (kInvalidArgument "no trusted root: ..." when neither the flag nor $VOUCH_TRUSTED_ROOT is set).
inline Result<std::optional<KeylessFlags>> ParseKeylessFlags(const cxxopts::ParseResult& parsed) {
  if (!HasIdentityFlags(parsed)) {
    if (TrustedRootFlagGiven(parsed)) {
      return InvalidArgumentError(
          "--trusted-root needs --certificate-identity[-regexp] and "
          "--certificate-oidc-issuer[-regexp]");
    }
    return std::optional<KeylessFlags>();
  }
  KeylessFlags out;
  VOUCH_ASSIGN_OR_RETURN(out.identity, ParseIdentity(parsed));
  VOUCH_ASSIGN_OR_RETURN(out.trusted_root, LoadTrustedRootFlag(parsed));
  return std::optional<KeylessFlags>(std::move(out));
}

}  // namespace vouch::cli
