// `vouch provenance [--subject IMAGE|FILE ...] [--base-image REF ...] [--builder-id URI]
// [--build-type URI] [--source-uri URI --source-digest sha1:HEX] [--source-ref REF]
// [--output-file FILE] [--statement] [--output text|json]`: option parsing only; the work is
// sign::GenerateProvenance.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "output.h"
#include "sigstore_flags.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {
namespace {

Status Provenance(const Args& args) {
  sign::ProvenanceRequest request;
  request.subjects = args.GetAll("subject");
  request.base_images = args.GetAll("base-image");
  request.builder_id = args.Get("builder-id");
  request.build_type = args.Get("build-type");
  request.source_uri = args.Get("source-uri");
  request.source_digest = args.Get("source-digest");
  request.source_ref = args.Get("source-ref");
  request.statement = args.Has("statement");
  request.env = Environment();
  request.now = SystemClock().Now();
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Client> client, NewClient(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(std::string out, sign::GenerateProvenance(request, *client));
  const std::string text = out + "\n";
  const std::string kind = request.statement ? "statement" : "provenance";
  if (!args.Has("output-file")) {
    std::cout << text;  // the document itself is JSON: the same for both formats
    return OkStatus();
  }
  const std::string path = args.Get("output-file");
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(path, AsBytes(text), 0644, WriteMode::kOverwrite));
  log::Info("Wrote " + kind + " to " + path);
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["file"] = path;
    doc["content"] = kind;
    doc["digest"] = Digest::Of(AsBytes(text)).ToString();
    PrintDocument(doc);
  }
  return OkStatus();
}

}  // namespace

int RunProvenance(int argc, char** argv) {
  return Command(
             "provenance",
             "write SLSA provenance v1 for images or files; in GitHub Actions and GitLab CI the "
             "build is described from the CI's environment variables")
      .Usage(
          "[--subject IMAGE|FILE ...] [--base-image REF ...] [--builder-id URI] [--build-type URI] "
          "[--source-uri URI --source-digest sha1:HEX] [--source-ref REF] [--output-file FILE] "
          "[--statement] [--output text|json]")
      .With({AddRegistryFlags})
      .Values("subject", "an artifact: an image reference (or oci:PATH) or a file (repeatable)")
      .Values("base-image", "a base image, resolved to its digest and recorded (repeatable)")
      .Value("builder-id", "runDetails.builder.id (required outside CI)")
      .Value("build-type", "buildDefinition.buildType (required outside CI)")
      .Value("source-uri",
             "source repository, e.g. https://github.com/org/repo (required outside CI)")
      .Value("source-digest", "source commit: sha1:<40 hex> (required outside CI)")
      .Value("source-ref", "source git ref, e.g. refs/heads/main")
      .OutputFileFlag("write the document to FILE instead of stdout")
      .OutputFlag(
          "text or json: without --output-file both print the document (it is JSON); with it, "
          "json prints what was written (docs/output.md)")
      .Flag("statement",
            "write the full in-toto statement with the subjects, not only the predicate")
      .ExitCodes("0 written, 2 usage error (a required flag is missing), 3 registry or I/O error")
      .Run(argc, argv, Provenance);
}

}  // namespace vouch::cli
