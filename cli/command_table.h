// The one table of vouch's commands: main.cc dispatches from it, and the shell completion scripts
// and the man pages (cmd_completion.cc) are generated from it and from each command's own
// declaration (DescribeCommands), so that no list of commands or flags is written twice.
#pragma once

#include <span>
#include <string_view>

namespace vouch::cli {

// CommandEntry is one `vouch <name>` command.
struct CommandEntry {
  std::string_view name;
  std::string_view summary;           // one line, for `vouch --help`, the completions and vouch(1)
  int (*run)(int argc, char** argv);  // argv[0] is |name|
  // hidden commands are for the build (man page generation): not listed, completed or documented.
  bool hidden = false;
};

// Commands returns the table, in the order `vouch --help` lists it.
std::span<const CommandEntry> Commands();

// FindCommand returns the entry named |name|, or null.
const CommandEntry* FindCommand(std::string_view name);

}  // namespace vouch::cli
