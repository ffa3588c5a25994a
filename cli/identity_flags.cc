#include "identity_flags.h"

#include <string>
#include <utility>

#include "vouch/core/regexp.h"

namespace vouch::cli {

void AddIdentityOptions(cxxopts::Options& options) {
  options.add_options("keyless")("certificate-identity",
                                 "the signer identity (certificate SAN) that must match exactly",
                                 cxxopts::value<std::string>())(
      "certificate-identity-regexp",
      "a regexp (Go/RE2 syntax) the SAN must match; unanchored, as in cosign: use ^...$ to match "
      "the whole SAN",
      cxxopts::value<std::string>())("certificate-oidc-issuer",
                                     "the OIDC issuer that must match exactly",
                                     cxxopts::value<std::string>())(
      "certificate-oidc-issuer-regexp",
      "a regexp (Go/RE2 syntax) the issuer must match; unanchored: use ^...$ for the whole issuer",
      cxxopts::value<std::string>())("certificate-github-workflow-repository",
                                     "GitHub workflow repository (extension .1.5)",
                                     cxxopts::value<std::string>())(
      "certificate-github-workflow-ref", "GitHub workflow ref (extension .1.6)",
      cxxopts::value<std::string>())("certificate-github-workflow-sha",
                                     "GitHub workflow commit (extension .1.3)",
                                     cxxopts::value<std::string>())(
      "certificate-github-workflow-trigger", "GitHub workflow trigger (extension .1.2)",
      cxxopts::value<std::string>())("certificate-github-workflow-name",
                                     "GitHub workflow name (extension .1.4)",
                                     cxxopts::value<std::string>())(
      "trusted-root", "trusted_root.json (default: $VOUCH_TRUSTED_ROOT)",
      cxxopts::value<std::string>());
}

bool HasIdentityFlags(const cxxopts::ParseResult& parsed) {
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

Result<verify::CertificateIdentity> ParseIdentity(const cxxopts::ParseResult& parsed) {
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
  for (const auto& [flag, re] :
       {std::pair{"--certificate-identity-regexp", &id.san_regexp},
        std::pair{"--certificate-oidc-issuer-regexp", &id.issuer_regexp}}) {
    if (!re->empty()) {
      VOUCH_RETURN_IF_ERROR(Regexp::Compile(*re).status().WithContext(flag));
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

bool TrustedRootFlagGiven(const cxxopts::ParseResult& parsed) {
  return parsed.count("trusted-root") > 0;
}

Result<std::shared_ptr<const verify::TrustedRoot>> LoadTrustedRootFlag(
    const cxxopts::ParseResult& parsed) {
  std::string path =
      parsed.count("trusted-root") > 0 ? parsed["trusted-root"].as<std::string>() : "";
  return verify::LoadTrustedRoot(path);
}

Result<std::optional<KeylessFlags>> ParseKeylessFlags(const cxxopts::ParseResult& parsed,
                                                      std::string_view command,
                                                      std::string_view alternatives) {
  const bool has_key = parsed.count("key") > 0;
  if (HasIdentityFlags(parsed) && has_key) {
    return InvalidArgumentError("--key excludes the keyless identity flags");
  }
  if (!HasIdentityFlags(parsed) && !has_key) {
    return InvalidArgumentError(std::string(command) +
                                " needs --key KEY, or --certificate-identity and "
                                "--certificate-oidc-issuer" +
                                std::string(alternatives));
  }
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
