#include "command.h"

#include <algorithm>
#include <iostream>
#include <utility>

#include "exit_code.h"
#include "vouch/core/log.h"

namespace vouch::cli {

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
    : name_(std::move(name)), options_("vouch " + name_, std::move(summary)) {
  options_.add_options()("h,help", "show this help")(
      "q,quiet", "print only the result and errors (no progress, notes or warnings)")(
      "v,verbose", "also print diagnostics, such as each HTTP request made");
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

Args Command::Parse(int argc, char** argv) {
  Args args;
  args.parsed_ = options_.parse(argc, argv);
  if (args.Has("help")) {
    std::cout << Help();
    args.exit_code_ = kExitOk;
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

int RunSubcommand(std::string_view group, std::string_view usage, std::span<const Subcommand> table,
                  int argc, char** argv) {
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
