// `vouch clean IMAGE [--type all|signature|attestation|sbom] [-y]`: delete what is attached to
// an image (cosign clean). It lists what will go, then asks on the terminal unless -y; without a
// terminal and without -y nothing is deleted (exit 2), so a script never deletes by accident.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "registry_flags.h"
#include "vouch/sign/clean.h"

namespace vouch::cli {
namespace {

Result<sign::CleanType> ReadType(const Args& args) {
  return sign::ParseCleanType(args.Get("type"));
}

// Confirmed asks on stderr and reads the answer from the terminal on stdin.
Result<bool> Confirmed(const sign::CleanPlan& plan) {
  if (isatty(STDIN_FILENO) == 0) {
    return InvalidArgumentError(
        "clean: not on a terminal, so nothing was deleted; pass -y to "
        "delete without asking");
  }
  std::cerr << "vouch: delete " << plan.items.size() << " object(s) attached to "
            << plan.digest.ToString() << " in " << plan.repository << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void Render(const Args& args, const sign::CleanPlan& plan,
            const std::vector<sign::CleanItem>& deleted) {
  if (!args.json()) {
    for (const sign::CleanItem& item : deleted) {
      std::cout << "deleted " << item.kind << " " << item.location << "\n";
    }
    return;
  }
  OutputJson doc = NewDocument();
  doc["image"] = args.positional(0);
  doc["digest"] = plan.digest.ToString();
  doc["repository"] = plan.repository;
  doc["deleted"] = OutputJson::array();
  for (const sign::CleanItem& item : deleted) {
    OutputJson d = OutputJson::object();
    d["kind"] = item.kind;
    d["location"] = item.location;
    d["digest"] = item.digest.ToString();
    doc["deleted"].push_back(std::move(d));
  }
  PrintDocument(doc);
}

Status Clean(const Args& args, sign::CleanType type) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0), registry::Access::kPullPush));
  VOUCH_ASSIGN_OR_RETURN(sign::CleanPlan plan, sign::PlanClean(*repo, type));
  if (plan.items.empty()) {
    Render(args, plan, {});
    return OkStatus();
  }
  if (!args.Has("yes")) {
    for (const sign::CleanItem& item : plan.items) {
      std::cerr << "  " << item.kind << " " << item.location << "\n";
    }
    VOUCH_ASSIGN_OR_RETURN(bool confirmed, Confirmed(plan));
    if (!confirmed) {
      return FailedPreconditionError("clean: not confirmed; nothing was deleted");
    }
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<sign::CleanItem> deleted, sign::Clean(*repo, plan));
  Render(args, plan, deleted);
  return OkStatus();
}

}  // namespace

int RunClean(int argc, char** argv) {
  return Command("clean", "delete the signatures, attestations and SBOMs attached to an image")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag})
      .Value("type", "what to delete: all, signature, attestation or sbom", "all")
      .Flag("y,yes", "delete without asking")
      .OutputFlag("text (what was deleted) or json (docs/output.md)")
      .ExitCodes(
          "0 deleted (or nothing attached), 2 usage error, not confirmed or no terminal "
          "to confirm on without -y, 3 registry error (one that refuses deletes too)")
      .Run(argc, argv, ReadType, Clean);
}

}  // namespace vouch::cli
