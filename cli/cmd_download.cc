// `vouch download signature|attestation|sbom IMAGE`: the objects attached to an image, as stored
// and unverified (cosign download). Signatures and attestations print one JSON document per line
// (cosign's shapes, verify/download.h); the SBOM prints its bytes, or goes to --output-file.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "registry_flags.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "vouch/verify/download.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: vouch download <what> IMAGE [options]\n"
    "  signature     every signature attached to the image, one JSON document per line\n"
    "  attestation   every attestation attached to the image, one JSON document per line\n"
    "  sbom          the SBOM attached with cosign's .sbom tag\n";

void Render(const Args& args, const verify::DownloadResult& result, std::string_view what) {
  if (result.objects.empty()) {
    log::Info("vouch: no " + std::string(what) + " attached to " + result.digest.ToString());
  }
  if (!args.json()) {
    for (const verify::Downloaded& d : result.objects) {
      std::cout << d.document << "\n";
    }
    return;
  }
  OutputJson doc = NewDocument();
  doc["image"] = args.positional(0);
  doc["digest"] = result.digest.ToString();
  doc["objects"] = OutputJson::array();
  for (const verify::Downloaded& d : result.objects) {
    OutputJson o = OutputJson::object();
    o["format"] = d.format;
    o["location"] = d.location;
    o["predicateType"] = d.predicate_type;
    o["document"] = OutputJson::parse(d.document, nullptr, /*allow_exceptions=*/false);
    doc["objects"].push_back(std::move(o));
  }
  PrintDocument(doc);
}

Status Download(const Args& args, verify::DownloadKind kind) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(
      verify::DownloadResult result,
      verify::DownloadAttachments(
          *repo, kind, args.Has("predicate-type") ? args.Get("predicate-type") : std::string()));
  Render(args, result, kind == verify::DownloadKind::kSignature ? "signatures" : "attestations");
  return OkStatus();
}

Status DownloadSignature(const Args& args) {
  return Download(args, verify::DownloadKind::kSignature);
}

Status DownloadAttestation(const Args& args) {
  return Download(args, verify::DownloadKind::kAttestation);
}

Status DownloadSbom(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(Bytes sbom, verify::DownloadSbom(*repo));
  if (args.Has("output-file")) {
    return WriteFileAtomic(args.Get("output-file"), sbom, 0644, WriteMode::kOverwrite);
  }
  std::cout << AsChars(sbom);
  return OkStatus();
}

Command& Declare(Command& c) {
  return c.Positional({"IMAGE"}).With({AddRegistryFlags, AddAttachmentRepositoryFlag});
}

// DeclareObjects adds what download signature and download attestation share.
Command& DeclareObjects(Command& c) {
  return Declare(c)
      .OutputFlag(
          "text (one JSON document per line, as cosign prints them) or json (one "
          "document listing them, docs/output.md)")
      .ExitCodes(
          "0 printed (none attached prints nothing), 2 usage error, 3 registry error or "
          "an attached object that cannot be read");
}

int RunSignature(int argc, char** argv) {
  Command c("download signature", "print every signature attached to an image, unverified");
  return DeclareObjects(c).Run(argc, argv, DownloadSignature);
}

int RunAttestation(int argc, char** argv) {
  Command c("download attestation", "print every attestation attached to an image, unverified");
  c.Value("predicate-type", "only attestations claiming this predicate type (a URI)");
  return DeclareObjects(c).Run(argc, argv, DownloadAttestation);
}

int RunSbom(int argc, char** argv) {
  Command c("download sbom", "print the SBOM attached to an image (cosign's .sbom tag)");
  return Declare(c)
      .OutputFileFlag("write the SBOM to this file instead of stdout")
      .ExitCodes("0 printed, 2 usage error, 3 no SBOM attached or registry error")
      .Run(argc, argv, DownloadSbom);
}

constexpr Subcommand kDownloadCommands[] = {
    {"signature", RunSignature}, {"attestation", RunAttestation}, {"sbom", RunSbom}};

}  // namespace

int RunDownload(int argc, char** argv) {
  return RunSubcommand("download", kUsage, kDownloadCommands, argc, argv);
}

}  // namespace vouch::cli
