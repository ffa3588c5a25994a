// `vouch login HOST -u USER --password-stdin` and `vouch logout HOST`: the docker config file
// docker itself writes ($DOCKER_CONFIG/config.json or ~/.docker/config.json), atomically, 0600.
#include <cxxopts.hpp>

#include <iostream>
#include <iterator>
#include <string>

#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/registry/auth.h"

namespace vouch::cli {

int RunLogin(int argc, char** argv) {
  cxxopts::Options options("vouch login", "store registry credentials in the docker config");
  options.positional_help("HOST");
  AddRegistryOptions(options);
  options.add_options()("u,username", "user name", cxxopts::value<std::string>())(
      "password-stdin", "read the password from standard input")(
      "no-verify", "store the credentials without checking them against the registry")(
      "host", "registry host[:port]", cxxopts::value<std::string>());
  options.parse_positional({"host"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("host") == 0 || parsed.count("username") == 0) {
    return UsageError("login: HOST and -u USER are required");
  }
  if (parsed.count("password-stdin") == 0) {
    return UsageError("login: pass the password on standard input with --password-stdin");
  }
  std::string host = registry::NormalizeAuthKey(parsed["host"].as<std::string>());
  std::string user = parsed["username"].as<std::string>();
  SecretString password(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  std::string_view pv = password.view();
  while (!pv.empty() && (pv.back() == '\n' || pv.back() == '\r')) {
    pv.remove_suffix(1);
  }
  SecretString trimmed{std::string(pv)};
  if (trimmed.empty()) {
    return UsageError("login: empty password on standard input");
  }
  if (parsed.count("no-verify") == 0) {
    auto client = NewClient(parsed);
    registry::Credentials c;
    c.username = user;
    c.password = trimmed.Clone();
    Status s = client->Ping(host, c);
    if (!s.ok()) {
      return Fail(s.WithContext("login to " + host + " failed"));
    }
  }
  std::string path = registry::DockerConfigWritePath();
  auto warning = registry::WriteDockerLogin(path, host, user, trimmed.view());
  if (!warning.ok()) {
    return Fail(warning.status());
  }
  if (!warning->empty()) {
    std::cerr << "vouch: warning: " << *warning << "\n";
  }
  std::cerr << "vouch: login succeeded; credentials for " << host << " stored in " << path << "\n";
  return kExitOk;
}

int RunLogout(int argc, char** argv) {
  cxxopts::Options options("vouch logout", "remove registry credentials from the docker config");
  options.positional_help("HOST");
  options.add_options()("h,help", "show this help")("host", "registry host[:port]",
                                                     cxxopts::value<std::string>());
  options.parse_positional({"host"});
  auto parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return kExitOk;
  }
  if (parsed.count("host") == 0) {
    return UsageError("logout: HOST is required");
  }
  std::string host = parsed["host"].as<std::string>();
  std::string path = registry::DockerConfigWritePath();
  Status s = registry::RemoveDockerLogin(path, host);
  if (!s.ok()) {
    return Fail(s);
  }
  std::cerr << "vouch: removed credentials for " << registry::NormalizeAuthKey(host) << " from "
            << path << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
