// Shell completion scripts and man pages, rendered from the command table (command_table.h) and
// each command's declaration (CommandInfo): pure text functions, tested without the binary.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "command.h"

namespace vouch::cli {

// DocumentedCommand is one top-level command: its table entry's name and summary, and what its
// declaration says: one CommandInfo, or one per subcommand for a group (`key generate`, ...).
struct DocumentedCommand {
  std::string name;
  std::string summary;
  std::vector<CommandInfo> commands;

  // group reports whether this is a command group (`vouch key <sub>`).
  bool group() const { return commands.size() != 1 || commands[0].name != name; }
};

// CompletionScript returns the completion script for |shell| ("bash", "zsh" or "fish"): verbs,
// the subcommands of groups, `vouch help CMD`, and each command's long flags; files otherwise.
// An unknown shell is the empty string.
std::string CompletionScript(const std::string& shell, std::span<const DocumentedCommand> commands);

// ManSection is one `.SH` section of a man page: preformatted |text| (kept line by line) and/or
// |items|, each a term and its description (`.TP`).
struct ManSection {
  std::string heading;
  std::string text;
  std::vector<std::pair<std::string, std::string>> items;
};

// ManPage is one page of section 1: |name| ("vouch-sign") with its one-line |summary|.
struct ManPage {
  std::string name;
  std::string summary;
  std::string version;  // the footer's "vouch VERSION"
  std::vector<ManSection> sections;
};

// RoffEscape escapes |text| for roff: backslashes, hyphen-minus (so that flags copy and paste
// as typed) and control characters at the start of a line.
std::string RoffEscape(const std::string& text);

// RenderManPage returns |page| as roff (man(7) macros).
std::string RenderManPage(const ManPage& page);

// ManPages returns vouch.1 (the overview: commands, exit codes, environment, files) and one
// vouch-CMD.1 per command, as (file name, roff) pairs. |environment| lists the variables vouch
// reads with their meaning.
std::vector<std::pair<std::string, std::string>> ManPages(
    std::span<const DocumentedCommand> commands,
    const std::vector<std::pair<std::string, std::string>>& environment,
    const std::string& version);

}  // namespace vouch::cli
