// The rules cli/command.h applies for every subcommand, tested on Command itself (no binary):
// positional counts, required flags, --output and integer ranges are usage errors (exit 2),
// --help wins over all of them (exit 0), the two-step Run maps a flag error to 2 and the body's
// Status through ExitCodeFor, and RunSubcommand dispatches a command group.
#include "command.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cxxopts.hpp>
#include <initializer_list>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "exit_code.h"
#include "vouch/core/log.h"
#include "vouch/core/status.h"

namespace vouch::cli {
namespace {

namespace bdata = boost::unit_test::data;

// Argv keeps the strings of a command line alive and hands out argc/argv; argv[0] is the name.
class Argv {
 public:
  Argv(std::initializer_list<std::string> args) : strings_(args) {
    for (std::string& s : strings_) {
      pointers_.push_back(s.data());
    }
  }
  int argc() const { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

// CapturedStdout collects what is written to std::cout while it lives.
class CapturedStdout {
 public:
  CapturedStdout() : saved_(std::cout.rdbuf(out_.rdbuf())) {}
  ~CapturedStdout() { std::cout.rdbuf(saved_); }
  CapturedStdout(const CapturedStdout&) = delete;
  CapturedStdout& operator=(const CapturedStdout&) = delete;
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::streambuf* saved_;
};

// Sample is a command shaped like the real ones: one IMAGE, a required --key, --output and a
// bounded --jobs.
Command Sample() {
  Command cmd("sample", "a command for the tests");
  cmd.Positional({"IMAGE"})
      .Value("key", "a key")
      .Require({"key"})
      .Value("mode", "a mode", "fast")
      .Values("tag", "repeatable")
      .Flag("dry-run", "do nothing")
      .Int("jobs", "parallelism", 4, 1, 32)
      .OutputFlag()
      .Note("a note line.")
      .ExitCodes("0 ok, 2 usage error");
  return cmd;
}

struct ExitCase {
  std::string name;
  std::vector<std::string> args;  // after the command name
  bool done;
  int exit_code;
};
std::ostream& operator<<(std::ostream& os, const ExitCase& c) { return os << c.name; }

const ExitCase kExitCases[] = {
    {"valid", {"img", "--key", "k"}, false, 0},
    {"no IMAGE", {"--key", "k"}, true, kExitUsage},
    {"two IMAGEs", {"a", "b", "--key", "k"}, true, kExitUsage},
    {"no --key", {"img"}, true, kExitUsage},
    {"--output yaml", {"img", "--key", "k", "--output", "yaml"}, true, kExitUsage},
    {"-o json", {"img", "--key", "k", "-o", "json"}, false, 0},
    {"--jobs 0", {"img", "--key", "k", "--jobs", "0"}, true, kExitUsage},
    {"--jobs 33", {"img", "--key", "k", "--jobs", "33"}, true, kExitUsage},
    {"--jobs 32", {"img", "--key", "k", "--jobs", "32"}, false, 0},
    {"--help alone", {"--help"}, true, kExitOk},
    {"-h beats a missing IMAGE and --key", {"-h", "--output", "yaml"}, true, kExitOk},
};

BOOST_DATA_TEST_CASE(ParseAppliesTheSharedRules, bdata::make(kExitCases), c) {
  std::vector<std::string> line = {"sample"};
  line.insert(line.end(), c.args.begin(), c.args.end());
  std::vector<char*> argv;
  for (std::string& s : line) {
    argv.push_back(s.data());
  }
  CapturedStdout out;
  Command cmd = Sample();
  Args args = cmd.Parse(static_cast<int>(argv.size()), argv.data());
  BOOST_TEST(args.done() == c.done);
  BOOST_TEST(args.exit_code() == c.exit_code);
}

BOOST_AUTO_TEST_CASE(HelpHasUsageOptionsNotesAndExitCodes) {
  CapturedStdout out;
  Argv line{"sample", "--help"};
  Command cmd = Sample();
  BOOST_TEST(cmd.Parse(line.argc(), line.argv()).exit_code() == kExitOk);
  const std::string help = out.str();
  BOOST_TEST(help.find("a command for the tests") == 0u, help);
  BOOST_TEST(help.find("vouch sample [OPTION...] IMAGE") != std::string::npos, help);
  BOOST_TEST(help.find("--jobs") != std::string::npos, help);
  BOOST_TEST(help.find("\na note line.\nexit codes: 0 ok, 2 usage error\n") != std::string::npos,
             help);
}

BOOST_AUTO_TEST_CASE(ValuesDefaultsAndPositionalsAreReadVerbatim) {
  Argv line{"sample", "reg.example/app:1,2", "--key", "k", "--tag", "a,b", "--tag", "c"};
  Command cmd = Sample();
  Args args = cmd.Parse(line.argc(), line.argv());
  BOOST_REQUIRE(!args.done());
  // Positionals are not split on commas (repeatable flags are, as cxxopts does).
  BOOST_TEST(args.positionals() == std::vector<std::string>{"reg.example/app:1,2"});
  BOOST_TEST(args.Get("key") == "k");
  BOOST_TEST(args.Get("mode") == "fast");  // default
  BOOST_TEST(args.Get("no-such-value") == "");
  BOOST_TEST(args.GetAll("tag") == (std::vector<std::string>{"a", "b", "c"}));
  BOOST_TEST(!args.Has("dry-run"));
  BOOST_TEST(args.As<int>("jobs") == 4);
  BOOST_TEST(!args.json());
}

struct LevelCase {
  std::vector<std::string> flags;
  log::Level level;
};
std::ostream& operator<<(std::ostream& os, const LevelCase& c) {
  return os << (c.flags.empty() ? "(none)" : c.flags[0]);
}
const LevelCase kLevelCases[] = {
    {{}, log::Level::kNormal},
    {{"-q"}, log::Level::kQuiet},
    {{"--quiet"}, log::Level::kQuiet},
    {{"-v"}, log::Level::kVerbose},
    {{"--verbose"}, log::Level::kVerbose},
};

BOOST_DATA_TEST_CASE(QuietAndVerboseSetTheLogLevel, bdata::make(kLevelCases), c) {
  std::vector<std::string> line = {"sample", "img", "--key", "k"};
  line.insert(line.end(), c.flags.begin(), c.flags.end());
  std::vector<char*> argv;
  for (std::string& s : line) {
    argv.push_back(s.data());
  }
  log::SetLevel(log::Level::kVerbose);  // whatever was set before, Parse sets it
  Command cmd = Sample();
  Args args = cmd.Parse(static_cast<int>(argv.size()), argv.data());
  BOOST_TEST(!args.done());
  BOOST_TEST(static_cast<int>(log::GetLevel()) == static_cast<int>(c.level));
  log::SetLevel(log::Level::kNormal);
}

BOOST_AUTO_TEST_CASE(QuietWithVerboseIsAUsageError) {
  Argv line{"sample", "img", "--key", "k", "-q", "-v"};
  Args args = Sample().Parse(line.argc(), line.argv());
  BOOST_TEST(args.done());
  BOOST_TEST(args.exit_code() == kExitUsage);
}

BOOST_AUTO_TEST_CASE(OutputGivenAFileNamesOutputFile) {
  Command cmd("writer", "writes a file");
  cmd.OutputFileFlag("the file").OutputFlag();
  Argv old{"writer", "--output", "prov.json"};
  Args bad = cmd.Parse(old.argc(), old.argv());
  BOOST_TEST(bad.exit_code() == kExitUsage);
  Argv file{"writer", "--output-file", "prov.json", "-o", "json"};
  Args good = cmd.Parse(file.argc(), file.argv());
  BOOST_TEST(!good.done());
  BOOST_TEST(good.Get("output-file") == "prov.json");
  BOOST_TEST(good.json());
}

BOOST_AUTO_TEST_CASE(UnknownFlagIsLeftToMainsCatch) {
  Argv line{"sample", "img", "--key", "k", "--bogus"};
  Command cmd = Sample();
  BOOST_CHECK_THROW(cmd.Parse(line.argc(), line.argv()), cxxopts::exceptions::exception);
}

struct CountCase {
  std::string name;
  size_t min;
  size_t max;
  std::vector<std::string> positionals;
  bool ok;
};
std::ostream& operator<<(std::ostream& os, const CountCase& c) { return os << c.name; }

const CountCase kCountCases[] = {
    {"none allowed, none given", 0, 0, {}, true},
    {"none allowed, one given", 0, 0, {"x"}, false},
    {"optional, none", 0, 1, {}, true},
    {"optional, one", 0, 1, {"x"}, true},
    {"optional, two", 0, 1, {"x", "y"}, false},
    {"pair, one", 2, 2, {"x"}, false},
    {"pair, two", 2, 2, {"x", "y"}, true},
    {"pair, three", 2, 2, {"x", "y", "z"}, false},
    {"unbounded, none", 1, kUnbounded, {}, false},
    {"unbounded, many", 1, kUnbounded, {"a", "b", "c", "d"}, true},
    {"after --", 1, 1, {"--", "-dash-file"}, true},
};

BOOST_DATA_TEST_CASE(PositionalCountRules, bdata::make(kCountCases), c) {
  std::vector<std::string> line = {"count"};
  line.insert(line.end(), c.positionals.begin(), c.positionals.end());
  std::vector<char*> argv;
  for (std::string& s : line) {
    argv.push_back(s.data());
  }
  Command cmd("count", "counts");
  cmd.Positional({"A", "B"}, c.min, c.max);
  Args args = cmd.Parse(static_cast<int>(argv.size()), argv.data());
  BOOST_TEST(args.done() == !c.ok);
  BOOST_TEST(args.exit_code() == (c.ok ? kExitOk : kExitUsage));
}

Result<std::string> ReadMode(const Args& args) {
  if (args.Get("mode") == "bad") {
    return InvalidArgumentError("bad mode");
  }
  return args.Get("mode");
}

Status Act(const Args&, std::string mode) {
  if (mode == "reject") {
    return VerificationFailedError("rejected");
  }
  if (mode == "offline") {
    return UnavailableError("registry unreachable");
  }
  return OkStatus();
}

struct RunCase {
  std::string mode;
  int exit_code;
};
std::ostream& operator<<(std::ostream& os, const RunCase& c) { return os << c.mode; }

const RunCase kRunCases[] = {
    {"ok", kExitOk},
    {"bad", kExitUsage},  // the flag step's error
    {"reject", kExitRejected},
    {"offline", kExitOperational},
};

BOOST_DATA_TEST_CASE(TwoStepRunMapsFlagErrorsAndStatuses, bdata::make(kRunCases), c) {
  std::string mode = c.mode;
  Argv line{"run", "--mode", mode};
  Command cmd("run", "runs");
  cmd.Value("mode", "what Act does");
  BOOST_TEST(cmd.Run(line.argc(), line.argv(), ReadMode, Act) == c.exit_code);
}

int SubA(int argc, char** argv) { return argc == 2 && std::string(argv[1]) == "x" ? 40 : 41; }
int SubB(int, char**) { return 42; }
constexpr Subcommand kSubs[] = {{"a", SubA}, {"b", SubB}};

BOOST_AUTO_TEST_CASE(RunSubcommandDispatchesAndReportsUsage) {
  CapturedStdout out;
  Argv none{"group"};
  BOOST_TEST(RunSubcommand("group", "usage\n", kSubs, none.argc(), none.argv()) == kExitUsage);
  Argv help{"group", "--help"};
  BOOST_TEST(RunSubcommand("group", "usage\n", kSubs, help.argc(), help.argv()) == kExitOk);
  BOOST_TEST(out.str() == "usage\n");
  Argv unknown{"group", "c"};
  BOOST_TEST(RunSubcommand("group", "usage\n", kSubs, unknown.argc(), unknown.argv()) ==
             kExitUsage);
  // The subcommand sees itself as argv[0].
  Argv a{"group", "a", "x"};
  BOOST_TEST(RunSubcommand("group", "usage\n", kSubs, a.argc(), a.argv()) == 40);
  Argv b{"group", "b"};
  BOOST_TEST(RunSubcommand("group", "usage\n", kSubs, b.argc(), b.argv()) == 42);
}

}  // namespace
}  // namespace vouch::cli
