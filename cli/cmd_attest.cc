// `vouch attest IMAGE --key KEY (--predicate FILE --type TYPE | --statement FILE)
// [--format bundle|legacy]`: option parsing only; the work is sign::AttestImage.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "output.h"
#include "predicate_flags.h"
#include "registry_flags.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {
namespace {

Result<sign::AttestImageRequest> RequestFromFlags(const Args& args) {
  sign::AttestImageRequest request;
  VOUCH_ASSIGN_OR_RETURN(request.format, sign::ParseImageSignatureFormat(args.Get("format")));
  if (request.format != sign::ImageSignatureFormat::kBundle) {
    VOUCH_RETURN_IF_ERROR(RequireKeyOnly(args.parsed(), args.Get("format")));
  }
  VOUCH_ASSIGN_OR_RETURN(PredicateFlags what, PredicateFromFlags(args.parsed(), "attest"));
  request.predicate_path = what.predicate_path;
  request.predicate_type = what.predicate_type;
  request.statement_path = what.statement_path;
  return request;
}

Status Attest(const Args& args, sign::AttestImageRequest request) {
  VOUCH_ASSIGN_OR_RETURN(ImageToSign target, OpenImageToSign(args.parsed(), args.positional(0)));
  request.bundle_signer = target.signing.signer.get();
  VOUCH_ASSIGN_OR_RETURN(sign::AttestImageResult result, sign::AttestImage(*target.repo, request));
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["image"] = args.positional(0);
    doc["repository"] = target.repo->reference().RepositoryName();
    doc["digest"] = result.digest.ToString();
    doc["predicateType"] = PredicateTypeOf(result.statement_json);
    doc["format"] = args.Get("format");
    AddLocation(doc, result.location);
    doc["signer"] = SignerJson(target.signing);
    AddWitnesses(doc, result.bundle_json);
    PrintDocument(doc);
    return OkStatus();
  }
  std::cout << "Attested " << target.repo->reference().RepositoryName() << "@"
            << result.digest.ToString() << " -> " << result.location << "\n";
  return OkStatus();
}

}  // namespace

int RunAttest(int argc, char** argv) {
  return Command("attest",
                 "sign an in-toto attestation about a container image (Sigstore bundle referrer, "
                 "or cosign's legacy .att tag)")
      .Usage(
          "IMAGE (--key KEY | [--keyless] [--identity-token T]) (--predicate FILE --type TYPE | "
          "--statement FILE) [--format bundle|legacy] [--signing-config F | --fulcio-url U "
          "--rekor-url U --timestamp-server-url U] [--tlog-upload] [--timestamp]")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag, AddSigningKeyOptions,
             AddSigstoreSigningOptions, AddPredicateOptions})
      .Value("format", "bundle (Sigstore bundle referrer) or legacy (.att tag)", "bundle")
      .OutputFlag("text or json: what was attested and where it went (docs/output.md)")
      .ExitCodes("0 attested, 2 usage or key error, 3 registry or I/O error")
      .Run(argc, argv, RequestFromFlags, Attest);
}

}  // namespace vouch::cli
