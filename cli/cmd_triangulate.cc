// `vouch triangulate IMAGE [--type signature|attestation|sbom|digest]`: print where cosign's tag
// for the image's signature (attestation, SBOM) is, or the image by digest: one HEAD request.
// `vouch generate IMAGE [-a key=value]...`: print the simple-signing payload `vouch sign --format
// legacy` would sign, to be signed elsewhere and stored with `vouch attach signature`.
#include <iostream>
#include <memory>
#include <optional>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "registry_flags.h"
#include "vouch/registry/attachments.h"
#include "vouch/sign/attach.h"

namespace vouch::cli {
namespace {

Result<std::optional<registry::CosignAttachment>> TypeFromFlag(const std::string& type) {
  if (type == "signature") {
    return std::optional(registry::CosignAttachment::kSignature);
  }
  if (type == "attestation") {
    return std::optional(registry::CosignAttachment::kAttestation);
  }
  if (type == "sbom") {
    return std::optional(registry::CosignAttachment::kSbom);
  }
  if (type == "digest") {
    return std::optional<registry::CosignAttachment>();
  }
  return InvalidArgumentError("--type: want signature, attestation, sbom or digest, got \"" + type +
                              "\"");
}

Result<std::optional<registry::CosignAttachment>> ReadType(const Args& args) {
  return TypeFromFlag(args.Get("type"));
}

Status Triangulate(const Args& args, std::optional<registry::CosignAttachment> kind) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(registry::Reference where, registry::Triangulate(*repo, kind));
  if (!args.json()) {
    std::cout << where.ToString() << "\n";
    return OkStatus();
  }
  OutputJson doc = NewDocument();
  doc["image"] = args.positional(0);
  doc["type"] = args.Get("type");
  doc["reference"] = where.ToString();
  PrintDocument(doc);
  return OkStatus();
}

Status Generate(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(auto annotations, ParseAnnotationFlags(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0)));
  VOUCH_ASSIGN_OR_RETURN(std::string payload, sign::GenerateSignaturePayload(*repo, annotations));
  std::cout << payload;  // the exact bytes to sign: no newline added
  return OkStatus();
}

}  // namespace

int RunTriangulate(int argc, char** argv) {
  return Command("triangulate", "print where an image's signature, attestation or SBOM is stored")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag})
      .Value("type", "signature, attestation, sbom (cosign's tags) or digest (the image itself)",
             "signature")
      .OutputFlag("text (the reference) or json (image, type, reference)")
      .Run(argc, argv, ReadType, Triangulate);
}

int RunGenerate(int argc, char** argv) {
  return Command("generate",
                 "print the payload a legacy image signature signs, to sign it elsewhere")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags})
      .Values("a,annotation", "key=value annotation to sign (repeatable)")
      .Note(
          "sign the payload (e.g. `vouch sign-blob payload.json --key K --output-signature "
          "payload.sig`), "
          "then store it with "
          "`vouch attach signature IMAGE --payload payload.json --signature payload.sig`")
      .Run(argc, argv, Generate);
}

}  // namespace vouch::cli
