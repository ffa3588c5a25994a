// `vouch trusted-root update [--tuf-url URL] [--root root.json] [--cache-dir D] [-o json]` runs
// the TUF client (tuf::Update) and reports the versions reached and the files written;
// `vouch trusted-root print [--tuf-url URL] [--cache-dir D]` prints the cached trusted_root.json
// (nothing fetched). Flags in, one library call, one rendering.
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "tuf_flags.h"
#include "vouch/core/file.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: vouch trusted-root <command> [options]\n"
    "  update   fetch Sigstore's trusted root (and signing config) over TUF into the cache\n"
    "  print    print the cached trusted_root.json\n";

Command& AddSourceFlags(Command& cmd) {
  return cmd.Value("tuf-url", "the TUF repository", std::string(tuf::kPublicGoodUrl))
      .Value("cache-dir", "the TUF cache (default ${XDG_CACHE_HOME:-~/.cache}/vouch/tuf)");
}

TufSource SourceFromFlags(const Args& args) {
  TufSource s;
  s.url = args.Get("tuf-url");
  if (args.Has("cache-dir")) {
    s.cache_dir = args.Get("cache-dir");
  }
  if (args.Has("root")) {
    s.root_file = args.Get("root");
  }
  return s;
}

std::string UpdateJson(const TufSource& source, const tuf::UpdateResult& r) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 1;
  j["url"] = source.url;
  j["cache"] = r.repository_dir;
  j["root_version"] = r.root_version;
  j["timestamp_version"] = r.timestamp_version;
  j["snapshot_version"] = r.snapshot_version;
  j["targets_version"] = r.targets_version;
  j["targets"] = nlohmann::ordered_json::object();
  for (const auto& [name, path] : r.targets) {
    j["targets"][name] = path;
  }
  j["absent_targets"] = r.absent_targets;
  j["files_written"] = r.files_written;
  return j.dump(2) + "\n";
}

std::string UpdateText(const TufSource& source, const tuf::UpdateResult& r) {
  std::ostringstream out;
  out << "updated from " << source.url << ": root version " << r.root_version << ", timestamp "
      << r.timestamp_version << ", snapshot " << r.snapshot_version << ", targets "
      << r.targets_version << "\n";
  for (const auto& [name, path] : r.targets) {
    out << name << ": " << path << "\n";
  }
  for (const std::string& name : r.absent_targets) {
    out << name << ": not in the repository\n";
  }
  if (r.files_written.empty()) {
    out << "cache already current\n";
  } else {
    out << "wrote " << r.files_written.size() << " file(s)\n";
  }
  for (const std::string& path : r.files_written) {
    out << "  " << path << "\n";
  }
  return out.str();
}

Status Update(const Args& args) {
  const TufSource source = SourceFromFlags(args);
  VOUCH_ASSIGN_OR_RETURN(tuf::UpdateResult r, UpdateTuf(source));
  std::cout << (args.json() ? UpdateJson(source, r) : UpdateText(source, r));
  return OkStatus();
}

int RunUpdate(int argc, char** argv) {
  Command cmd("trusted-root update",
              "update Sigstore's trusted root from a TUF repository into the local cache");
  AddSourceFlags(cmd)
      .Value("root",
             "the repository's root.json to start from when the cache has none (needed for a "
             "--tuf-url other than Sigstore's public-good and staging ones)")
      .OutputFlag()
      .Note(
          "Verification commands use the cached trusted_root.json of the public-good instance "
          "when no --trusted-root is given (docs/tuf.md).")
      .ExitCodes(
          "0 updated, 1 metadata rejected (signature, version, rollback, expiry, hash), "
          "2 usage error, 3 network or file error");
  return cmd.Run(argc, argv, Update);
}

Status Print(const Args& args) {
  const TufSource source = SourceFromFlags(args);
  std::optional<std::string> path = CachedTrustedRoot(source);
  if (!path) {
    return NotFoundError("no cached trusted_root.json for " + source.url +
                         ": run `vouch trusted-root update` first");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes data, ReadFile(*path, tuf::kMaxTargetsBytes));
  std::cout << AsChars(data);
  return OkStatus();
}

int RunPrint(int argc, char** argv) {
  Command cmd("trusted-root print", "print the cached trusted_root.json (nothing is fetched)");
  AddSourceFlags(cmd).ExitCodes("0 printed, 2 usage error, 3 nothing cached or unreadable");
  return cmd.Run(argc, argv, Print);
}

constexpr Subcommand kCommands[] = {
    {"update", RunUpdate},
    {"print", RunPrint},
};

}  // namespace

int RunTrustedRoot(int argc, char** argv) {
  return RunSubcommand("trusted-root", kUsage, kCommands, argc, argv);
}

}  // namespace vouch::cli
