#include "identity_flags.h"

#include "vouch/verify/notation.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "key_flags.h"
#include "tuf_flags.h"
#include "vouch/core/regexp.h"
#include "vouch/policy/policy.h"

namespace vouch::cli {

namespace {

// kIdentityFlags are the keyless identity flags, in --help order: one table for registering
// them and for telling whether any was given.
constexpr std::pair<const char*, const char*> kIdentityFlags[] = {
    {"certificate-identity", "the signer identity (certificate SAN) that must match exactly"},
    {"certificate-identity-regexp",
     "a regexp (Go/RE2 syntax) the SAN must match; unanchored, as in cosign: use ^...$ to match "
     "the whole SAN"},
    {"certificate-oidc-issuer", "the OIDC issuer that must match exactly"},
    {"certificate-oidc-issuer-regexp",
     "a regexp (Go/RE2 syntax) the issuer must match; unanchored: use ^...$ for the whole issuer"},
};

std::string GithubFlag(const policy::GithubWorkflowClaim& claim) {
  return std::string("certificate-github-workflow-") + claim.name;
}

}  // namespace

void AddIdentityOptions(cxxopts::Options& options) {
  cxxopts::OptionAdder add = options.add_options("keyless");
  for (const auto& [name, help] : kIdentityFlags) {
    add(name, help, cxxopts::value<std::string>());
  }
  for (const policy::GithubWorkflowClaim& claim : policy::kGithubWorkflowClaims) {
    add(GithubFlag(claim), claim.help, cxxopts::value<std::string>());
  }
  add("trusted-root",
      "trusted_root.json (default: $VOUCH_TRUSTED_ROOT, else the TUF cache of --tuf-url, "
      "written by `vouch trusted-root update`)",
      cxxopts::value<std::string>());
  add("tuf-refresh",
      "update the trusted root over TUF first (`vouch trusted-root update`), then use the cache");
  add("tuf-url", "the TUF repository whose cached trusted root is used",
      cxxopts::value<std::string>()->default_value(std::string(tuf::kPublicGoodUrl)));
}

bool HasIdentityFlags(const cxxopts::ParseResult& parsed) {
  for (const auto& flag : kIdentityFlags) {
    if (parsed.count(flag.first) > 0) {
      return true;
    }
  }
  for (const policy::GithubWorkflowClaim& claim : policy::kGithubWorkflowClaims) {
    if (parsed.count(GithubFlag(claim)) > 0) {
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
  for (const policy::GithubWorkflowClaim& claim : policy::kGithubWorkflowClaims) {
    std::string v = get(GithubFlag(claim).c_str());
    if (!v.empty()) {
      id.github[claim.name] = v;
    }
  }
  return id;
}

bool TrustedRootFlagGiven(const cxxopts::ParseResult& parsed) {
  return parsed.count("trusted-root") > 0 || parsed.count("tuf-refresh") > 0;
}

Result<std::string> TrustedRootPath(const cxxopts::ParseResult& parsed) {
  const bool refresh = parsed.count("tuf-refresh") > 0;
  if (parsed.count("trusted-root") > 0) {
    if (refresh) {
      return InvalidArgumentError("--tuf-refresh excludes --trusted-root");
    }
    return parsed["trusted-root"].as<std::string>();
  }
  TufSource source;
  source.url = parsed["tuf-url"].as<std::string>();
  if (refresh) {
    VOUCH_ASSIGN_OR_RETURN(tuf::UpdateResult updated, UpdateTuf(source));
    return updated.targets.at(std::string(tuf::kTrustedRootTarget));
  }
  if (const char* env = std::getenv("VOUCH_TRUSTED_ROOT"); env != nullptr && *env != '\0') {
    return std::string();
  }
  // Offline: the cache an earlier update wrote, else "" (verify's "no trusted root" error).
  return CachedTrustedRoot(source).value_or("");
}

Result<std::shared_ptr<const verify::TrustedRoot>> LoadTrustedRootFlag(
    const cxxopts::ParseResult& parsed) {
  VOUCH_ASSIGN_OR_RETURN(std::string path, TrustedRootPath(parsed));
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
          "--trusted-root and --tuf-refresh need --certificate-identity[-regexp] and "
          "--certificate-oidc-issuer[-regexp]");
    }
    return std::optional<KeylessFlags>();
  }
  KeylessFlags out;
  VOUCH_ASSIGN_OR_RETURN(out.identity, ParseIdentity(parsed));
  VOUCH_ASSIGN_OR_RETURN(out.trusted_root, LoadTrustedRootFlag(parsed));
  return std::optional<KeylessFlags>(std::move(out));
}

void AddNotationOptions(cxxopts::Options& options) {
  options.add_options()(
      "notation",
      "also trust Notary Project signatures, by the Notation trust policy and trust store of "
      "--notation-dir (one more signer beside any --key; docs/notation.md)")(
      "notation-dir",
      "notation's configuration folder (default $XDG_CONFIG_HOME/notation, else "
      "~/.config/notation)",
      cxxopts::value<std::string>());
}

Result<std::optional<policy::NotationAuthority>> NotationFromFlags(
    const cxxopts::ParseResult& parsed) {
  if (parsed.count("notation") == 0) {
    if (parsed.count("notation-dir") > 0) {
      return InvalidArgumentError("--notation-dir needs --notation");
    }
    return std::optional<policy::NotationAuthority>();
  }
  const std::string dir = parsed.count("notation-dir") > 0
                              ? parsed["notation-dir"].as<std::string>()
                              : verify::notation::DefaultNotationDir();
  const verify::notation::NotationDir files = verify::notation::NotationDir::At(dir);
  policy::NotationAuthority n;
  n.trust_policy = files.oci_policy;
  n.trust_store_dir = files.trust_store;
  return std::optional<policy::NotationAuthority>(std::move(n));
}

Result<verify::TrustFlags> TrustFlagsFromFlags(const cxxopts::ParseResult& parsed,
                                               std::string_view command,
                                               std::string_view alternatives, bool required) {
  verify::TrustFlags trust;
  if (!required && !HasIdentityFlags(parsed) && parsed.count("key") == 0) {
    return trust;
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<KeylessFlags> keyless,
                         ParseKeylessFlags(parsed, command, alternatives));
  if (keyless) {
    trust.trusted_root = keyless->trusted_root;
    trust.identities.push_back(keyless->identity);
    return trust;
  }
  VOUCH_ASSIGN_OR_RETURN(trust.keys, LoadVerifiers(parsed));
  return trust;
}

}  // namespace vouch::cli
