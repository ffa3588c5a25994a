// `vouch login HOST -u USER --password-stdin` and `vouch logout HOST`: the docker config file
// docker itself writes ($DOCKER_CONFIG/config.json or ~/.docker/config.json; $REGISTRY_AUTH_FILE
// when set), atomically, 0600, or the credential helper it names (registry/auth.h).
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "vouch/registry/auth.h"

namespace vouch::cli {
namespace {

// A registry password or token (a JWT, an ECR token) is a few KiB; the cap keeps a mistaken
// redirect (a disk image, /dev/zero) from being read into memory.
constexpr size_t kMaxPasswordStdinSize = 16 * 1024;

int Login(const Args& args) {
  const std::string host = registry::NormalizeAuthKey(args.positional(0));
  const std::string user = args.Get("username");
  Result<Bytes> in = ReadFile("-", kMaxPasswordStdinSize);
  if (!in.ok()) {
    if (IsResourceExhausted(in.status())) {
      return UsageError("login: the password on standard input is longer than " +
                        std::to_string(kMaxPasswordStdinSize) + " bytes");
    }
    return Fail(in.status().WithContext("login: reading the password"));
  }
  SecretString password{std::string(AsChars(*in))};
  SecureWipe(in->data(), in->size());
  std::string_view pv = password.view();
  while (!pv.empty() && (pv.back() == '\n' || pv.back() == '\r')) {
    pv.remove_suffix(1);
  }
  SecretString trimmed{std::string(pv)};
  if (trimmed.empty()) {
    return UsageError("login: empty password on standard input");
  }
  if (!args.Has("no-verify")) {
    registry::Credentials c;
    c.username = user;
    c.password = trimmed.Clone();
    auto client = NewClient(args.parsed());
    if (!client.ok()) {
      return Fail(client.status());
    }
    Status s = (*client)->Ping(host, c);
    if (!s.ok()) {
      return Fail(s.WithContext("login to " + host + " failed"));
    }
  }
  const std::string path = registry::DockerConfigWritePath();
  Result<std::string> where = registry::WriteDockerLogin(path, host, user, trimmed.view());
  if (!where.ok()) {
    return Fail(where.status().WithContext("login: storing the credentials"));
  }
  log::Info("vouch: login succeeded; credentials for " + host + " stored in " + *where);
  return kExitOk;
}

Status Logout(const Args& args) {
  const std::string host = args.positional(0);
  const std::string path = registry::DockerConfigWritePath();
  VOUCH_RETURN_IF_ERROR(registry::RemoveDockerLogin(path, host));
  log::Info("vouch: removed credentials for " + registry::NormalizeAuthKey(host));
  return OkStatus();
}

}  // namespace

int RunLogin(int argc, char** argv) {
  return Command("login", "store registry credentials in the docker config or its credential helper")
      .Positional({"HOST"})
      .With({AddRegistryFlags})
      .Value("u,username", "user name")
      .Flag("password-stdin", "read the password from standard input (at most 16 KiB)")
      .Flag("no-verify", "store the credentials without checking them against the registry")
      .Require({"username", "password-stdin"})
      .Run(argc, argv, Login);
}

int RunLogout(int argc, char** argv) {
  return Command("logout", "remove registry credentials from the docker config and its credential helper")
      .Positional({"HOST"})
      .Run(argc, argv, Logout);
}

}  // namespace vouch::cli
