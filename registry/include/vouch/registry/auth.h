// Registry authentication: WWW-Authenticate challenges (RFC 7235), credentials from docker's
// config.json and credential helpers, and the login/logout writers of that file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch::registry {

// Challenge is one auth challenge: a scheme ("basic", "bearer", lowercased) and its parameters
// (names lowercased, values unquoted and unescaped).
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;

  // Param returns the value of |name| (lowercase) or "".
  std::string Param(const std::string& name) const;
};

// ParseChallenges parses every challenge in the WWW-Authenticate header values |values| (several
// challenges may share one header). Quoted strings may contain commas and backslash escapes.
// A value that does not follow the grammar is kInvalidArgument; token68 forms are accepted and
// stored under the parameter name "".
Result<std::vector<Challenge>> ParseChallenges(const std::vector<std::string>& values);

// Credentials are what a user proves their identity with on one registry.
struct Credentials {
  std::string username;
  SecretString password;
  // identity_token is an OAuth2 refresh token (docker "identitytoken", or a helper's Secret when
  // its Username is "<token>"); when set it is used in the POST token flow instead of a password.
  SecretString identity_token;
  // registry_token is a ready bearer token (docker "registrytoken").
  SecretString registry_token;

  Credentials Clone() const;
  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() &&
           registry_token.empty();
  }
};

// CredentialStore finds credentials for a registry.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // Lookup returns the credentials for |registry| (host[:port]), nullopt when there are none
  // (anonymous access), or an error when a configured source failed (unreadable config file,
  // helper crashed). A helper answering "credentials not found" is nullopt.
  virtual Result<std::optional<Credentials>> Lookup(std::string_view registry) const = 0;
};

// DockerConfigPaths returns the credential files read, in the order of containers-auth.json(5):
// $REGISTRY_AUTH_FILE if set, else $XDG_RUNTIME_DIR/containers/auth.json when XDG_RUNTIME_DIR is
// set; then $XDG_CONFIG_HOME/containers/auth.json (~/.config/containers/auth.json); then docker's
// $DOCKER_CONFIG/config.json (~/.docker/config.json). The first file with an answer for a host
// wins; missing files are skipped.
std::vector<std::string> DockerConfigPaths();

// DockerConfigWritePath returns the file `vouch login` and `vouch logout` change:
// $REGISTRY_AUTH_FILE when set, else docker's $DOCKER_CONFIG/config.json (~/.docker/config.json).
std::string DockerConfigWritePath();

// NewDockerConfigStore returns a store over the docker config files |paths| (in order, first
// file that has an answer wins). Selection follows the docker CLI: credHelpers[host], else
// credsStore, else auths[host], with keys compared by host[:port] after stripping a scheme and a
// path; Docker Hub is also looked up as https://index.docker.io/v1/. Helpers are run as
// `docker-credential-NAME get` with the server URL on stdin.
std::unique_ptr<CredentialStore> NewDockerConfigStore(std::vector<std::string> paths);

// StaticCredentialStore serves fixed credentials for one registry (tests, --username flags).
std::unique_ptr<CredentialStore> NewStaticCredentialStore(std::string registry,
                                                          Credentials credentials);

// WriteDockerLogin stores Basic credentials for |registry| as docker login does with the config
// |path|, keeping every other field, creating the file (and its directory, 0700) when absent;
// the file is replaced atomically with mode 0600. When the file names a credential helper for
// the host (credHelpers[host], else credsStore) the secret goes to `docker-credential-NAME
// store` ({"ServerURL","Username","Secret"} on stdin) and the file gets only an empty
// auths[host] entry; otherwise auths[host].auth holds base64(user:password). Returns where the
// secret went: the helper program's name or |path|. A helper failure is kUnavailable with the
// helper's message (the secret masked should it echo it).
Result<std::string> WriteDockerLogin(const std::string& path, std::string_view registry,
                                     std::string_view username, std::string_view password);

// RemoveDockerLogin logs out of |registry|: `docker-credential-NAME erase` (server URL on stdin)
// when |path| names a helper for the host, and the host's "auths" entry removed. kNotFound when
// neither held credentials; a helper failure is kUnavailable with its message.
Status RemoveDockerLogin(const std::string& path, std::string_view registry);

// NormalizeAuthKey reduces a config.json "auths" key or a user's HOST argument to host[:port]
// ("https://index.docker.io/v1/" -> "docker.io", "ghcr.io/v2/" -> "ghcr.io").
std::string NormalizeAuthKey(std::string_view key);

}  // namespace vouch::registry
