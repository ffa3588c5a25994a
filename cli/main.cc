// vouch: the command-line entry point. It dispatches from the table of subcommands
// (command_table.h; BoringSSL tool.cc, ninja kTools); no business logic lives here. cxxopts
// exceptions are caught here and only here.
#include <cxxopts.hpp>

#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command.h"
#include "command_table.h"
#include "exit_code.h"

namespace vouch::cli {
namespace {

int RunCommand(const CommandEntry& c, int argc, char** argv) {
  try {
    return c.run(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return UsageError(std::string(c.name) + ": " + e.what());
  }
}

void PrintUsage(std::ostream& out) {
  out << "usage: vouch [--config FILE] <command> [options]\n\ncommands:\n";
  for (const CommandEntry& c : Commands()) {
    if (c.hidden) {
      continue;
    }
    out << "  " << c.name << std::string(25 - std::min<size_t>(24, c.name.size()), ' ')
        << c.summary << "\n";
  }
  out << "\nexit codes: 0 ok, 1 verification or policy rejected, 2 usage error, "
         "3 operational error\nrun `vouch <command> --help` (or `vouch help <command>`) for a command's options\n"
         "--config FILE: defaults for flags (docs/config.md); `vouch env`: the environment read\n";
}

// CommandNames lists every command and subcommand name, for the config file's `commands:`.
std::vector<std::string> CommandNames() {
  std::vector<std::string> names;
  for (const CommandEntry& c : Commands()) {
    for (const CommandInfo& info : DescribeCommands(c.name, c.run)) {
      names.push_back(info.name);
    }
  }
  return names;
}

// GlobalConfigFlag removes a leading `--config FILE` (or `--config=FILE`) from |argc|/|argv| and
// returns FILE; a `--config` without its FILE is a usage error.
std::optional<std::string> GlobalConfigFlag(int& argc, char**& argv) {
  if (argc < 2) {
    return std::nullopt;
  }
  const std::string_view arg = argv[1];
  constexpr std::string_view kEquals = "--config=";
  if (arg.substr(0, kEquals.size()) == kEquals) {
    std::string path(arg.substr(kEquals.size()));
    argv[1] = argv[0];
    ++argv;
    --argc;
    return path;
  }
  if (arg != "--config" || argc < 3) {
    return std::nullopt;
  }
  std::string path = argv[2];
  argv[2] = argv[0];
  argv += 2;
  argc -= 2;
  return path;
}

}  // namespace
}  // namespace vouch::cli

int main(int argc, char** argv) {
  using namespace vouch::cli;
  EnableConfigFile(GlobalConfigFlag(argc, argv), CommandNames);
  if (argc < 2) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "help" && argc == 3) {
    // `vouch help CMD` is `vouch CMD --help`.
    if (const CommandEntry* c = FindCommand(argv[2])) {
      char help[] = "--help";
      char* args[] = {argv[2], help, nullptr};
      return RunCommand(*c, 2, args);
    }
    std::cerr << "vouch: unknown command \"" << argv[2] << "\"\n";
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return kExitOk;
  }
  if (name == "--version") {
    char version[] = "version";
    char* args[] = {version, nullptr};
    return RunCommand(*FindCommand("version"), 1, args);
  }
  if (const CommandEntry* c = FindCommand(name)) {
    return RunCommand(*c, argc - 1, argv + 1);
  }
  std::cerr << "vouch: unknown command \"" << name << "\"\n";
  PrintUsage(std::cerr);
  return kExitUsage;
}
