// The scaffolding every subcommand is built on: one cxxopts option table with the rules all
// commands share, so that a cmd_*.cc holds only what is its own (its flags, the library
// request it builds, the one call and the rendering).
//
// What Command does for every command, the same way:
//   - `-q, --quiet` and `-v, --verbose` set the level of vouch/core/log.h for the command
//     (quiet: only the result and errors; verbose: diagnostics too); both at once is a usage
//     error;
//   - `-h, --help` prints the summary, the usage line, the options, optional notes and the
//     "exit codes: ..." epilogue to stdout, and the command exits 0 before any other rule runs;
//   - positional arguments (IMAGE, FILE, SRC DST...) are counted against the declared rule; a
//     wrong count is a usage error (exit 2). They are taken verbatim: no comma splitting;
//   - flags declared with Require() must be present (usage error "<command> needs --flag");
//   - Int() flags are checked against their range (exit 2);
//   - OutputFlag() registers `-o, --output text|json` and rejects any other value (exit 2);
//   - `--config FILE` is accepted everywhere: once main.cc has called EnableConfigFile, the flags
//     the user did not give take their defaults from the config file (config/config.h; a bad
//     file is a usage error, exit 2);
//   - option groups shared with other commands (registry, password, keyless identity, ...) come
//     from their own *_flags.h and are added with With().
// Unknown flags and malformed flag values are cxxopts exceptions; they propagate to main.cc,
// the one place that catches them (exit 2).
//
// A command is a declaration and one or two functions of the parsed Args. The usual shape is
// the CLI's: flags in (RequestFromFlags: a library request, no I/O; its error is a usage error),
// one library call and one rendering (the body), ExitCodeFor out (Run does it through Finish):
//
//   Result<verify::Request> RequestFromFlags(const Args& args) {  // no I/O
//     verify::Request request;
//     request.image = args.positional(0);
//     ...
//     return request;
//   }
//
//   Status Check(const Args& args, verify::Request request) {  // load keys, call, render
//     VOUCH_ASSIGN_OR_RETURN(auto report, verify::Check(request));
//     std::cout << (args.json() ? ToJson(report) : ToText(report));
//     return report.status;
//   }
//
//   int RunCheck(int argc, char** argv) {
//     return Command("check", "check an image")
//         .Positional({"IMAGE"})                               // exactly one
//         .With({AddRegistryFlags, AddVerifyingKeyOptions})   // groups from *_flags.h
//         .Require({"key"})
//         .OutputFlag()                                       // -o, --output text|json
//         .ExitCodes("0 verified, 1 rejected, 2 usage error, 3 registry error")
//         .Run(argc, argv, RequestFromFlags, Check);
//   }
//
// Run(argc, argv, body) takes a `Status body(const Args&)` (no flag step) or an
// `int body(const Args&)` that maps its own exit codes (verify --policy's per-image rule). A
// command that needs more can Parse itself:
//     Args args = cmd.Parse(argc, argv);
//     if (args.done()) {
//       return args.exit_code();
//     }
// A command adds the registry flags with AddRegistryFlags (Command registers --help itself).
#pragma once

#include <cstddef>
#include <cxxopts.hpp>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exit_code.h"
#include "vouch/core/status.h"

namespace vouch::cli {

// kUnbounded is the positional maximum of a command taking any number of arguments (IMAGE...).
inline constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

// Args is one parsed command line. When done() is true the command has already been answered
// (help printed, or a usage error reported) and must return exit_code() without doing anything.
class Args {
 public:
  // done reports whether Parse finished the command: --help (exit 0) or a usage error (exit 2).
  bool done() const { return exit_code_.has_value(); }
  // exit_code is the code to return when done(); 0 otherwise.
  int exit_code() const { return exit_code_.value_or(0); }

  // Has reports whether |flag| (its long name) was given on the command line.
  bool Has(const std::string& flag) const { return parsed_.count(flag) > 0; }
  // Get returns a string flag's value: the given one, else its default, else "".
  std::string Get(const std::string& flag) const;
  // GetAll returns every value of a repeatable flag (none given: empty).
  std::vector<std::string> GetAll(const std::string& flag) const;
  // As returns a typed flag's value (given or default); the flag must have a value or default.
  template <typename T>
  T As(const std::string& flag) const {
    return parsed_[flag].as<T>();
  }

  // positionals are the positional arguments in order, within the declared count.
  const std::vector<std::string>& positionals() const { return parsed_.unmatched(); }
  // positional returns positionals()[i]; |i| must be below positionals().size().
  const std::string& positional(size_t i) const { return parsed_.unmatched().at(i); }

  // json reports whether `--output json` was chosen (only with Command::OutputFlag()).
  bool json() const { return json_; }
  // output is the --output value chosen (only with Command::OutputFlag()).
  const std::string& output() const { return output_; }

  // parsed is the raw cxxopts result, for the shared flag readers of key_flags.h,
  // registry_flags.h, identity_flags.h and slsa_flags.h.
  const cxxopts::ParseResult& parsed() const { return parsed_; }

 private:
  friend class Command;
  cxxopts::ParseResult parsed_;
  std::optional<int> exit_code_;
  bool json_ = false;
  std::string output_;
};

struct CommandInfo;  // below

// Command declares one subcommand. The builder methods return *this so that a declaration
// reads as one statement; the declaration must be complete before Parse.
class Command {
 public:
  // |name| is what follows "vouch" ("sign-blob", "key generate"); it prefixes usage errors.
  // |summary| is the first line of --help.
  Command(std::string name, std::string summary);

  // Usage replaces the usage line after "vouch <name> " (default: "[OPTION...]" and the
  // positional names).
  Command& Usage(std::string line);
  // Positional declares the positional arguments: |names| for the usage line and the messages
  // ("IMAGE"; "SRC", "DST"), between |min| and |max| of them (kUnbounded: no maximum).
  Command& Positional(std::vector<std::string> names, size_t min, size_t max);
  // Positional with exactly names.size() arguments.
  Command& Positional(std::vector<std::string> names);
  // Note adds a line to --help after the options, before the exit codes.
  Command& Note(std::string line);
  // ExitCodes sets the --help epilogue "exit codes: <text>".
  Command& ExitCodes(std::string text);
  // Require makes each of |flags| mandatory: without one Parse reports "<name> needs --<flag>"
  // (exit 2), for the first missing one in this order.
  Command& Require(std::initializer_list<std::string> flags);
  // OutputFlag registers `-o, --output text|json` (default text) with |help|; Parse rejects any
  // other value and Args::json() reports the choice. |extra| adds values beyond text and json
  // (verify's "jsonl"), read with Args::output().
  Command& OutputFlag(std::string help = "text or json", std::vector<std::string> extra = {});
  // OutputFileFlag registers `--output-file FILE` (cosign's name for a command's file output)
  // with |help|; with it, an --output value that is not a format is reported as a file name
  // given to the wrong flag.
  Command& OutputFileFlag(std::string help);
  // OptionGroup registers a group of flags shared by several commands (registry_flags.h
  // AddRegistryFlags, key_flags.h AddSigningKeyOptions, identity_flags.h AddIdentityOptions...).
  using OptionGroup = void (*)(cxxopts::Options&);
  // With adds |groups|, in order.
  Command& With(std::initializer_list<OptionGroup> groups);

  // Flag registers a boolean flag (present or not).
  Command& Flag(const std::string& spec, const std::string& help);
  // Value registers a flag taking one string value, with an optional default.
  Command& Value(const std::string& spec, const std::string& help,
                 std::optional<std::string> default_value = std::nullopt);
  // Values registers a repeatable string flag (also split on commas, as cxxopts does).
  Command& Values(const std::string& spec, const std::string& help);
  // Int registers a flag taking an integer, with its default; Parse rejects a value outside
  // [min, max] ("<name>: --flag must be between min and max", exit 2).
  Command& Int(const std::string& spec, const std::string& help, int default_value,
               int min = std::numeric_limits<int>::min(),
               int max = std::numeric_limits<int>::max());
  // options gives the cxxopts table for anything the helpers above do not cover.
  cxxopts::Options& options() { return options_; }

  // Parse parses |argv| (argv[0] is the command name) and applies the rules above, printing
  // help or the usage error itself. cxxopts exceptions (unknown flag, bad value) propagate.
  Args Parse(int argc, char** argv);

  // Run parses |argv| like Parse and, unless that finished the command, returns body(args).
  int Run(int argc, char** argv, const std::function<int(const Args&)>& body);
  // Run with a Status body: Finish(body(args)) (exit_code.h).
  int Run(int argc, char** argv, Status (*body)(const Args&));
  // Run in two steps, the CLI's shape: |read_flags| turns the flags into a library request
  // without any I/O (its error is a usage error, exit 2), then Finish(body(args, request)).
  template <typename Request>
  int Run(int argc, char** argv, Result<Request> (*read_flags)(const Args&),
          Status (*body)(const Args&, Request)) {
    Args args = Parse(argc, argv);
    if (args.done()) {
      return args.exit_code();
    }
    Result<Request> request = read_flags(args);
    if (!request.ok()) {
      return UsageError(request.status().message());
    }
    return Finish(body(args, std::move(request).value()));
  }

  // Help returns the full --help text.
  std::string Help();
  const std::string& name() const { return name_; }

 private:
  // Describe returns this declaration as DescribeCommands records it.
  CommandInfo Describe();
  // ApplyConfig re-parses |argv| with the defaults the config file gives the flags |args| lacks;
  // a bad config file ends the command with its exit code.
  void ApplyConfig(int argc, char** argv, Args& args);
  // CountError returns the usage message for the |given| positionals, or nullopt when their
  // count is allowed.
  std::optional<std::string> CountError(const std::vector<std::string>& given) const;

  std::string name_;
  std::string summary_;
  cxxopts::Options options_;
  std::string usage_;
  std::vector<std::string> positional_names_;
  size_t min_positionals_ = 0;
  size_t max_positionals_ = 0;
  std::vector<std::string> notes_;
  std::string exit_codes_;
  std::vector<std::string> required_;
  struct IntRange {
    std::string flag;
    int min;
    int max;
  };
  std::vector<IntRange> int_ranges_;
  bool output_flag_ = false;
  bool output_file_flag_ = false;
  std::vector<std::string> output_values_ = {"text", "json"};
};

// Subcommand is one entry of a command group's table (`vouch key generate`, `vouch policy lint`).
struct Subcommand {
  std::string_view name;
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

// CommandInfo is one command as its declaration says, for the shell completion scripts and the
// man pages: obtained without parsing a command line or running anything.
struct CommandInfo {
  struct Flag {
    std::string name;  // the long name, without "--"
    std::string help;
    bool takes_value = false;
  };
  std::string name;  // "sign", "key generate"
  std::string summary;
  std::string help;  // the --help text
  std::vector<Flag> flags;
};

// DescribeCommands runs |run| (a command table entry, |name| its argv[0]) in declaration-only
// mode: every Command it declares records its CommandInfo and returns at Parse as if answered,
// and a command group (RunSubcommand) declares each of its subcommands in turn. Not reentrant.
std::vector<CommandInfo> DescribeCommands(std::string_view name, int (*run)(int argc, char** argv));

// EnableConfigFile makes every Command read the config file (config/config.h): |path| is the file
// `vouch --config FILE COMMAND` named before the command (a command's own --config wins), and
// |commands| lists the command names a `commands:` section may use (called only when a file is
// read). Without this call (unit tests) no config file is read.
void EnableConfigFile(std::optional<std::string> path, std::vector<std::string> (*commands)());

// RunSubcommand dispatches `vouch <group> <sub> ...` to |table|: no subcommand prints |usage|
// to stderr (exit 2), help/-h/--help prints it to stdout (exit 0), an unknown name is reported
// with the usage (exit 2).
int RunSubcommand(std::string_view group, std::string_view usage, std::span<const Subcommand> table,
                  int argc, char** argv);

}  // namespace vouch::cli
