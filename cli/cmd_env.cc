// `vouch env [--output text|json]`: the environment variables vouch reads (config/environment.h),
// whether each is set, and the value of those that are not secrets.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "vouch/config/environment.h"

namespace vouch::cli {
namespace {

std::string Text(const std::vector<config::EnvState>& states) {
  std::string out;
  for (const config::EnvState& s : states) {
    std::string name(s.variable->name);
    name.resize(std::max<size_t>(name.size() + 1, 31), ' ');
    out += name + (s.set ? "set    " : "unset  ") + std::string(s.variable->meaning) + "\n";
    if (s.set && !s.variable->secret) {
      out += std::string(38, ' ') + "= " + s.value + "\n";
    }
  }
  return out;
}

std::string Json(const std::vector<config::EnvState>& states) {
  nlohmann::ordered_json variables = nlohmann::ordered_json::array();
  for (const config::EnvState& s : states) {
    nlohmann::ordered_json v = {{"name", s.variable->name},
                                {"meaning", s.variable->meaning},
                                {"secret", s.variable->secret},
                                {"set", s.set}};
    if (s.set && !s.variable->secret) {
      v["value"] = s.value;
    }
    variables.push_back(std::move(v));
  }
  nlohmann::ordered_json j = {{"schemaVersion", 1}, {"variables", std::move(variables)}};
  return j.dump(2) + "\n";
}

}  // namespace

int RunEnv(int argc, char** argv) {
  return Command("env", "list the environment variables vouch reads and whether each is set")
      .Positional({})
      .OutputFlag()
      .Note("the values of secrets (passwords, tokens) are never printed: only set or unset")
      .Run(argc, argv, [](const Args& args) {
        const auto states = config::ReadEnvironment(config::ProcessEnvironment());
        std::cout << (args.json() ? Json(states) : Text(states));
        return kExitOk;
      });
}

}  // namespace vouch::cli
