// `vouch completion bash|zsh|fish` and the build's `vouch __man-pages DIR`: both render the command
// table (command_table.h) and each command's declaration (DescribeCommands), never a list of
// their own.
#include <iostream>
#include <string>
#include <vector>

#include "build_info.h"
#include "command.h"
#include "command_table.h"
#include "commands.h"
#include "exit_code.h"
#include "shell_docs.h"
#include "vouch/config/environment.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"

namespace vouch::cli {
namespace {

std::vector<DocumentedCommand> Documented() {
  std::vector<DocumentedCommand> documented;
  for (const CommandEntry& c : Commands()) {
    if (!c.hidden) {
      documented.push_back(
          {std::string(c.name), std::string(c.summary), DescribeCommands(c.name, c.run)});
    }
  }
  return documented;
}

int PrintCompletion(const Args& args) {
  const std::string& shell = args.positional(0);
  const std::string script = CompletionScript(shell, Documented());
  if (script.empty()) {
    return UsageError("completion: unknown shell \"" + shell + "\" (bash, zsh or fish)");
  }
  std::cout << script;
  return kExitOk;
}

Status WriteManPages(const Args& args) {
  std::vector<std::pair<std::string, std::string>> environment;
  for (const config::EnvVariable& v : config::EnvironmentVariables()) {
    environment.emplace_back(std::string(v.name), std::string(v.meaning));
  }
  for (const auto& [file, roff] : ManPages(Documented(), environment, kVouchVersion)) {
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(args.positional(0) + "/" + file, AsBytes(roff), 0644,
                                          WriteMode::kOverwrite));
  }
  return OkStatus();
}

}  // namespace

int RunCompletion(int argc, char** argv) {
  return Command("completion", "print the shell completion script for bash, zsh or fish")
      .Positional({"SHELL"})
      .Note(
          "bash: source <(vouch completion bash), or install it as "
          "share/bash-completion/completions/vouch")
      .Note(
          "zsh: vouch completion zsh > \"${fpath[1]}/_vouch\"; fish: vouch completion fish > "
          "~/.config/fish/completions/vouch.fish")
      .ExitCodes("0 printed, 2 usage error (unknown shell)")
      .Run(argc, argv, PrintCompletion);
}

int RunManPages(int argc, char** argv) {
  return Command("__man-pages", "write vouch.1 and vouch-CMD.1 into DIR (the build runs it)")
      .Positional({"DIR"})
      .Run(argc, argv, WriteManPages);
}

}  // namespace vouch::cli
