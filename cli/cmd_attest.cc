// `vouch attest IMAGE --key KEY (--predicate FILE --type TYPE | --statement FILE)
// [--format bundle|legacy]`: option parsing only; the work is sign::AttestImage.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "predicate_flags.h"
#include "registry_flags.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {
namespace {

Result<sign::AttestImageRequest> RequestFromFlags(const Args& args) {
  sign::AttestImageRequest request;
  VOUCH_ASSIGN_OR_RETURN(request.format, sign::ParseImageSignatureFormat(args.Get("format")));
  VOUCH_ASSIGN_OR_RETURN(PredicateFlags what, PredicateFromFlags(args.parsed(), "attest"));
  request.predicate_path = what.predicate_path;
  request.predicate_type = what.predicate_type;
  request.statement_path = what.statement_path;
  return request;
}

Status Attest(const Args& args, sign::AttestImageRequest request) {
  VOUCH_ASSIGN_OR_RETURN(ImageToSign target, OpenImageToSign(args.parsed(), args.positional(0)));
  request.signer = target.signer.get();
  VOUCH_ASSIGN_OR_RETURN(sign::AttestImageResult result, sign::AttestImage(*target.repo, request));
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
          "IMAGE --key KEY (--predicate FILE --type TYPE | --statement FILE) "
          "[--format bundle|legacy]")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddSigningKeyOptions, AddPredicateOptions})
      .Require({"key"})
      .Value("format", "bundle (Sigstore bundle referrer) or legacy (.att tag)", "bundle")
      .ExitCodes("0 attested, 2 usage or key error, 3 registry or I/O error")
      .Run(argc, argv, RequestFromFlags, Attest);
}

}  // namespace vouch::cli
