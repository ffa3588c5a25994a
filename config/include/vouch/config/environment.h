// The environment variables vouch reads, in one table: `vouch env` lists it, vouch(1) documents
// it, and the config file's precedence (config.h) names the variables that win over a file
// default. A variable read anywhere in vouch belongs here.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::config {

// EnvVariable is one variable vouch reads. A |secret| one (passwords, tokens) is never printed:
// only whether it is set.
struct EnvVariable {
  std::string_view name;
  std::string_view meaning;  // one line
  bool secret = false;
};

// EnvironmentVariables returns the table, grouped by topic.
std::span<const EnvVariable> EnvironmentVariables();

// EnvLookup returns an environment variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// ProcessEnvironment is the EnvLookup of this process (getenv).
EnvLookup ProcessEnvironment();

// EnvState is one variable of the table as the environment has it.
struct EnvState {
  const EnvVariable* variable;
  bool set = false;
  std::string value;  // always empty for a secret variable
};

// ReadEnvironment returns every variable of the table with whether |lookup| has it set and, unless
// it is secret, its value.
std::vector<EnvState> ReadEnvironment(const EnvLookup& lookup);

}  // namespace vouch::config
