#include "vouch/config/environment.h"

#include <cstdlib>
#include <string>

namespace vouch::config {
namespace {

constexpr EnvVariable kVariables[] = {
    {"VOUCH_CONFIG",
     "the config file of flag defaults (default $XDG_CONFIG_HOME/vouch/config.yaml)"},
    {"VOUCH_TRUSTED_ROOT", "Sigstore trusted_root.json used when --trusted-root is not given"},
    {"VOUCH_REPOSITORY",
     "repository that stores signatures and attestations (--attachment-repository)"},
    {"COSIGN_REPOSITORY", "cosign's name for VOUCH_REPOSITORY, read when that is unset"},
    {"VOUCH_PASSWORD", "password of encrypted vouch key files", true},
    {"COSIGN_PASSWORD", "password of cosign key files, when VOUCH_PASSWORD is unset", true},
    {"VOUCH_PKCS11_MODULE", "PKCS#11 module library for pkcs11: URIs that name no module-path"},
    {"VOUCH_PKCS11_PIN", "PKCS#11 token PIN for pkcs11: URIs that name none", true},
    {"VOUCH_KMS_PLUGIN_TIMEOUT", "deadline of each KMS plugin call (e.g. 90s, 2m)"},
    {"VOUCH_CACHE_PASSWORD", "password of serve --cache's Redis", true},
    {"SIGSTORE_ID_TOKEN", "OIDC identity token for keyless signing", true},
    {"ACTIONS_ID_TOKEN_REQUEST_URL", "GitHub Actions: where keyless signing asks for a token"},
    {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GitHub Actions: the credential of that request", true},
    {"BUILDKITE_AGENT_ACCESS_TOKEN", "Buildkite: the agent token that buys an OIDC token", true},
    {"CIRCLE_OIDC_TOKEN_V2", "CircleCI: OIDC identity token for keyless signing", true},
    {"CIRCLE_OIDC_TOKEN", "CircleCI: OIDC identity token (older form)", true},
    {"GITHUB_ACTIONS", "true in GitHub Actions: provenance reads the GITHUB_* variables"},
    {"GITLAB_CI", "true in GitLab CI: provenance reads the CI_* variables"},
    {"DOCKER_CONFIG", "directory of the docker config.json (registry credentials)"},
    {"REGISTRY_AUTH_FILE",
     "podman/skopeo auth.json with registry credentials (read first; login writes it)"},
    {"XDG_RUNTIME_DIR", "podman's credentials, containers/auth.json below it (read first)"},
    {"CONTAINERS_REGISTRIES_CONF",
     "registries.conf (mirrors, insecure, blocked) read instead of the default files"},
    {"VOUCH_CERTS_D_DIRS",
     "':'-separated certs.d roots whose HOST[:PORT]/*.crt CAs are added for that registry"},
    {"SSL_CERT_FILE", "CA bundle that replaces the system store for registries"},
    {"XDG_CONFIG_HOME",
     "base of the config file, containers/auth.json, registries.conf, certs.d (default ~/.config)"},
    {"XDG_CACHE_HOME", "base of the TUF cache, vouch/tuf (default ~/.cache)"},
    {"HOME", "base of the default config, cache and docker config paths"},
    {"TMPDIR", "where blob copies spool data (default /tmp)"},
};

}  // namespace

std::span<const EnvVariable> EnvironmentVariables() { return kVariables; }

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::vector<EnvState> ReadEnvironment(const EnvLookup& lookup) {
  std::vector<EnvState> states;
  for (const EnvVariable& v : kVariables) {
    std::optional<std::string> value = lookup(v.name);
    states.push_back({&v, value.has_value(), v.secret ? std::string() : value.value_or("")});
  }
  return states;
}

}  // namespace vouch::config
