// `vouch sign-blob FILE --key KEY (--bundle OUT | --output-signature SIG)`: option parsing only;
// the work is sign::SignBlob.
#include <iostream>
#include <memory>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/sign.h"

namespace vouch::cli {
namespace {

Result<sign::SignBlobRequest> RequestFromFlags(const Args& args) {
  sign::SignBlobRequest request;
  request.artifact_path = args.positional(0);
  request.bundle_path = args.Get("bundle");
  request.signature_path = args.Get("output-signature");
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return InvalidArgumentError("sign-blob needs --bundle FILE and/or --output-signature FILE");
  }
  return request;
}

Status SignBlob(const Args& args, sign::SignBlobRequest request) {
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<keys::Signer> signer, LoadSignerFlag(args.parsed()));
  request.signer = signer.get();
  VOUCH_ASSIGN_OR_RETURN(sign::SignBlobResult result, sign::SignBlob(request));
  std::string wrote;
  if (!request.bundle_path.empty()) {
    wrote += "bundle " + request.bundle_path;
  }
  if (!request.signature_path.empty()) {
    wrote += (wrote.empty() ? "" : " and ") + std::string("signature ") + request.signature_path;
  }
  std::cerr << "Signed " << (request.artifact_path == "-" ? "stdin" : request.artifact_path) << " ("
            << result.digest.ToString() << ") with " << keys::KeyAlgorithmName(signer->algorithm())
            << " key " << signer->PublicKey().KeyId().substr(0, 16) << "; wrote " << wrote << "\n";
  return OkStatus();
}

}  // namespace

int RunSignBlob(int argc, char** argv) {
  return Command("sign-blob",
                 "sign a file with a key, writing a Sigstore bundle (v0.3) and/or the raw "
                 "signature in base64")
      .Usage("FILE --key KEY [--bundle OUT.sigstore.json] [--output-signature SIG]")
      .Positional({"FILE"})
      .With({AddSigningKeyOptions})
      .Require({"key"})
      .Value("bundle", "write the Sigstore bundle to this file")
      .Value("output-signature", "write the signature (std base64) to this file")
      .Note("FILE \"-\" reads stdin (not for Ed25519 keys, which need a regular file).")
      .ExitCodes("0 signed, 2 usage or key error, 3 file unreadable or unwritable")
      .Run(argc, argv, RequestFromFlags, SignBlob);
}

}  // namespace vouch::cli
