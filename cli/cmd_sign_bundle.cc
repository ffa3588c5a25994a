// `vouch sign-bundle [--staging] [--in-toto] --identity-token T --bundle OUT [--trusted-root F]
// [--signing-config F] FILE`: the sigstore-conformance client protocol for signing
// (formats.md 5.10), so the conformance suite's signing tests can drive vouch. Keyless through
// the services the signing config names; FILE is the artifact, or with --in-toto the statement
// to sign as a DSSE envelope. The work is sign::SignBlob / sign::SignStatementFile.
#include <iostream>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "sigstore_flags.h"
#include "vouch/core/log.h"
#include "vouch/sign/attest.h"
#include "vouch/sign/sign.h"

namespace vouch::cli {
namespace {

Status SignBundle(const Args& args) {
  if (args.Has("staging") && !args.Has("signing-config")) {
    return InvalidArgumentError(
        "--staging needs --signing-config: vouch contacts no service it was not given");
  }
  VOUCH_ASSIGN_OR_RETURN(BundleSigning signing, LoadBundleSigning(args.parsed()));
  const std::string& file = args.positional(0);
  const std::string bundle = args.Get("bundle");
  if (args.Has("in-toto")) {
    VOUCH_RETURN_IF_ERROR(sign::SignStatementFile(file, *signing.signer, bundle).status());
  } else {
    sign::SignBlobRequest request;
    request.artifact_path = file;
    request.bundle_path = bundle;
    request.bundle_signer = signing.signer.get();
    VOUCH_RETURN_IF_ERROR(sign::SignBlob(request).status());
  }
  log::Info("Signed " + file + " " + SignedBy(*signing.signer) + "; wrote bundle " + bundle);
  return OkStatus();
}

}  // namespace

int RunSignBundle(int argc, char** argv) {
  return Command("sign-bundle",
                 "sign a file keyless into a Sigstore bundle (the sigstore-conformance signing "
                 "protocol)")
      .Usage(
          "[--staging] [--in-toto] --identity-token TOKEN --bundle OUT [--trusted-root FILE] "
          "[--signing-config FILE] FILE")
      .Positional({"FILE"})
      .With({AddSigningKeyOptions, AddSigstoreSigningOptions})
      .Value("bundle", "write the Sigstore bundle to this file")
      .Require({"bundle"})
      .Flag("in-toto", "FILE is an in-toto statement: sign it as a DSSE envelope")
      .Flag("staging", "accepted for the protocol; the services come from --signing-config")
      .Value("trusted-root",
             "accepted for the protocol (verification takes it: vouch verify-bundle)")
      .Note("Without --key this signs keyless: the identity token, a Fulcio certificate for an "
            "ephemeral key, and the logs and TSAs the signing config selects.")
      .ExitCodes("0 signed, 2 usage or token error, 3 a service or file failed")
      .Run(argc, argv, SignBundle);
}

}  // namespace vouch::cli
