#include "command.h"

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <utility>

#include "exit_code.h"
#include "vouch/config/config.h"
#include "vouch/core/log.h"

namespace vouch::cli {
namespace {

// While DescribeCommands runs, the commands it records (else null): Parse and RunSubcommand
// consult it so that no command needs a second declaration for completion and man pages.
std::vector<CommandInfo>* g_described = nullptr;

// Set by EnableConfigFile: the config file's setup, else no config file is read.
struct ConfigSetup {
  std::optional<std::string> path;
  std::vector<std::string> (*commands)();
};
std::optional<ConfigSetup> g_config;

}  // namespace

std::string Args::Get(const std::string& flag) const {
  if (parsed_.count(flag) > 0) {
    return parsed_[flag].as<std::string>();
  }
  // Not given: its default, if it has one (operator[] would throw for a flag with none).
  for (const cxxopts::KeyValue& d : parsed_.defaults()) {
    if (d.key() == flag) {
      return d.value();
    }
  }
  return std::string();
}

std::vector<std::string> Args::GetAll(const std::string& flag) const {
  if (parsed_.count(flag) == 0) {
    return {};
  }
  return parsed_[flag].as<std::vector<std::string>>();
}

Command::Command(std::string name, std::string summary)
    : name_(std::move(name)), summary_(summary), options_("vouch " + name_, std::move(summary)) {
  options_.add_options()("h,help", "show this help")(
      "q,quiet", "print only the result and errors (no progress, notes or warnings)")(
      "v,verbose", "also print diagnostics, such as each HTTP request made")(
      "config", "config file of flag defaults (docs/config.md)", cxxopts::value<std::string>());
}

Command& Command::Usage(std::string line) {
  usage_ = std::move(line);
  return *this;
}

Command& Command::Positional(std::vector<std::string> names, size_t min, size_t max) {
  positional_names_ = std::move(names);
  min_positionals_ = min;
  max_positionals_ = max;
  return *this;
}

Command& Command::Positional(std::vector<std::string> names) {
  const size_t n = names.size();
  return Positional(std::move(names), n, n);
}

Command& Command::Note(std::string line) {
  notes_.push_back(std::move(line));
  return *this;
}

Command& Command::ExitCodes(std::string text) {
  exit_codes_ = std::move(text);
  return *this;
}

Command& Command::Require(std::initializer_list<std::string> flags) {
  required_.insert(required_.end(), flags);
  return *this;
}

Command& Command::OutputFlag(std::string help, std::vector<std::string> extra) {
  output_flag_ = true;
  output_values_.insert(output_values_.end(), extra.begin(), extra.end());
  options_.add_options()("o,output", help, cxxopts::value<std::string>()->default_value("text"));
  return *this;
}

Command& Command::OutputFileFlag(std::string help) {
  output_file_flag_ = true;
  options_.add_options()("output-file", help, cxxopts::value<std::string>());
  return *this;
}

Command& Command::With(std::initializer_list<OptionGroup> groups) {
  for (OptionGroup add : groups) {
    add(options_);
  }
  return *this;
}

Command& Command::Flag(const std::string& spec, const std::string& help) {
  options_.add_options()(spec, help);
  return *this;
}

Command& Command::Value(const std::string& spec, const std::string& help,
                        std::optional<std::string> default_value) {
  auto value = cxxopts::value<std::string>();
  if (default_value) {
    value->default_value(*default_value);
  }
  options_.add_options()(spec, help, value);
  return *this;
}

Command& Command::Values(const std::string& spec, const std::string& help) {
  options_.add_options()(spec, help, cxxopts::value<std::vector<std::string>>());
  return *this;
}

Command& Command::Int(const std::string& spec, const std::string& help, int default_value, int min,
                      int max) {
  options_.add_options()(spec, help,
                         cxxopts::value<int>()->default_value(std::to_string(default_value)));
  // cxxopts keys results by the long name: "j,jobs" is read as "jobs".
  const size_t comma = spec.find(',');
  int_ranges_.push_back({comma == std::string::npos ? spec : spec.substr(comma + 1), min, max});
  return *this;
}

std::string Command::Help() {
  std::string line = usage_;
  if (line.empty()) {
    line = "[OPTION...]";
    for (size_t i = 0; i < positional_names_.size(); ++i) {
      const bool optional = i >= min_positionals_;
      line += " " + std::string(optional ? "[" : "") + positional_names_[i] + (optional ? "]" : "");
    }
    if (max_positionals_ == kUnbounded) {
      line += "...";
    }
  }
  options_.custom_help(line);
  std::string text = options_.help();
  if (!notes_.empty() || !exit_codes_.empty()) {
    text += "\n";
  }
  for (const std::string& note : notes_) {
    text += note + "\n";
  }
  if (!exit_codes_.empty()) {
    text += "exit codes: " + exit_codes_ + "\n";
  }
  return text;
}

std::optional<std::string> Command::CountError(const std::vector<std::string>& given) const {
  const size_t count = given.size();
  if (count >= min_positionals_ && count <= max_positionals_) {
    return std::nullopt;
  }
  std::string names;
  for (size_t i = 0; i < positional_names_.size(); ++i) {
    const bool last = i + 1 == positional_names_.size();
    names += (i == 0 ? "" : last ? " and " : ", ") + positional_names_[i];
  }
  const std::string got =
      count > max_positionals_ ? " (unexpected \"" + given[max_positionals_] + "\")" : "";
  if (max_positionals_ == 0) {
    return name_ + " takes no positional arguments" + got;
  }
  if (min_positionals_ == max_positionals_) {
    return name_ + " needs " + (max_positionals_ == 1 ? "exactly one " : "") + names + got;
  }
  if (count < min_positionals_) {
    return name_ + " needs at least " +
           (min_positionals_ == 1 ? "one" : std::to_string(min_positionals_)) + " " + names + got;
  }
  return name_ + " takes at most " +
         (max_positionals_ == 1 ? "one" : std::to_string(max_positionals_)) + " " + names + got;
}

CommandInfo Command::Describe() {
  CommandInfo info{name_, summary_, Help(), {}};
  for (const std::string& group : options_.groups()) {
    for (const cxxopts::HelpOptionDetails& o : options_.group_help(group).options) {
      for (const std::string& long_name : o.l) {
        info.flags.push_back({long_name, o.desc, !o.is_boolean});
      }
    }
  }
  return info;
}

void Command::ApplyConfig(int argc, char** argv, Args& args) {
  if (!g_config) {
    return;
  }
  const config::EnvLookup env = config::ProcessEnvironment();
  const std::optional<std::string> flag =
      args.Has("config") ? std::optional(args.Get("config")) : g_config->path;
  Result<config::Config> loaded = config::Load(config::Locate(flag, env), [] {
    return g_config->commands();
  });
  if (!loaded.ok()) {
    args.exit_code_ = Finish(loaded.status());
    return;
  }
  if (!loaded->warning.empty()) {
    std::cerr << "vouch: warning: " << loaded->warning << "\n";
  }
  if (loaded->defaults.empty() && loaded->commands.empty()) {
    return;
  }
  std::set<std::string, std::less<>> declared;
  for (const CommandInfo::Flag& f : Describe().flags) {
    declared.insert(f.name);
  }
  config::FlagState flags{
      // --output is a file name on some commands: only --output text|json takes the default.
      [&](std::string_view f) { return f == "output" ? output_flag_ : declared.count(f) > 0; },
      [&](std::string_view f) { return args.Has(std::string(f)); }};
  const std::map<std::string, std::string> supplied =
      config::FlagDefaults(*loaded, name_, flags, env);
  if (supplied.empty()) {
    return;
  }
  // The defaults go right after the command name, as if typed there (before any "--").
  std::vector<std::string> strings(argv, argv + argc);
  for (const auto& [key, value] : supplied) {
    strings.insert(strings.begin() + 1, "--" + key + "=" + value);
  }
  std::vector<char*> pointers;
  for (std::string& s : strings) {
    pointers.push_back(s.data());
  }
  args.parsed_ = options_.parse(static_cast<int>(pointers.size()), pointers.data());
}

Args Command::Parse(int argc, char** argv) {
  Args args;
  if (g_described != nullptr) {
    g_described->push_back(Describe());
    args.exit_code_ = kExitOk;
    return args;
  }
  args.parsed_ = options_.parse(argc, argv);
  if (args.Has("help")) {
    std::cout << Help();
    args.exit_code_ = kExitOk;
    return args;
  }
  ApplyConfig(argc, argv, args);
  if (args.done()) {
    return args;
  }
  if (std::optional<std::string> error = CountError(args.positionals())) {
    args.exit_code_ = UsageError(*error);
    return args;
  }
  if (args.Has("quiet") && args.Has("verbose")) {
    args.exit_code_ = UsageError(name_ + ": --quiet and --verbose exclude each other");
    return args;
  }
  log::SetLevel(args.Has("quiet")     ? log::Level::kQuiet
                : args.Has("verbose") ? log::Level::kVerbose
                                      : log::Level::kNormal);
  for (const std::string& flag : required_) {
    if (!args.Has(flag)) {
      args.exit_code_ = UsageError(name_ + " needs --" + flag);
      return args;
    }
  }
  for (const IntRange& range : int_ranges_) {
    const int value = args.As<int>(range.flag);
    if (value < range.min || value > range.max) {
      args.exit_code_ = UsageError(name_ + ": --" + range.flag + " must be between " +
                                   std::to_string(range.min) + " and " + std::to_string(range.max));
      return args;
    }
  }
  if (output_flag_) {
    const std::string output = args.Get("output");
    if (std::find(output_values_.begin(), output_values_.end(), output) == output_values_.end()) {
      std::string values;
      for (size_t i = 0; i < output_values_.size(); ++i) {
        values += (i == 0 ? "" : i + 1 == output_values_.size() ? " or " : ", ") + output_values_[i];
      }
      // Files have --output-file, as in cosign (vouch provenance took a file here before).
      args.exit_code_ = UsageError(
          name_ + ": --output must be " + values +
          (output_file_flag_ ? " (the format); write to a file with --output-file FILE" : ""));
      return args;
    }
    args.json_ = output == "json";
    args.output_ = output;
  }
  return args;
}

int Command::Run(int argc, char** argv, const std::function<int(const Args&)>& body) {
  Args args = Parse(argc, argv);
  return args.done() ? args.exit_code() : body(args);
}

int Command::Run(int argc, char** argv, Status (*body)(const Args&)) {
  Args args = Parse(argc, argv);
  return args.done() ? args.exit_code() : Finish(body(args));
}

void EnableConfigFile(std::optional<std::string> path, std::vector<std::string> (*commands)()) {
  g_config = ConfigSetup{std::move(path), commands};
}

std::vector<CommandInfo> DescribeCommands(std::string_view name, int (*run)(int argc, char** argv)) {
  std::vector<CommandInfo> described;
  g_described = &described;
  std::string arg0(name);
  char* argv[] = {arg0.data(), nullptr};
  run(1, argv);
  g_described = nullptr;
  return described;
}

int RunSubcommand(std::string_view group, std::string_view usage, std::span<const Subcommand> table,
                  int argc, char** argv) {
  if (g_described != nullptr) {
    for (const Subcommand& sub : table) {
      std::string arg0(sub.name);
      char* sub_argv[] = {arg0.data(), nullptr};
      sub.run(1, sub_argv);
    }
    return kExitOk;
  }
  if (argc < 2) {
    std::cerr << usage;
    return kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    std::cout << usage;
    return kExitOk;
  }
  for (const Subcommand& sub : table) {
    if (sub.name == name) {
      // Shift so that cxxopts sees "<sub> [options]" as a normal command line.
      return sub.run(argc - 1, argv + 1);
    }
  }
  std::cerr << "vouch: unknown " << group << " command \"" << name << "\"\n" << usage;
  return kExitUsage;
}

}  // namespace vouch::cli
