// `vouch verify-blob FILE (--key KEY | --certificate-identity I --certificate-oidc-issuer U)
// (--bundle B | --signature SIG) [--trusted-root T]`: option parsing only; the work is
// verify::VerifyBlob.
#include <iostream>
#include <optional>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "identity_flags.h"
#include "key_flags.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/render.h"
#include "vouch/verify/verify.h"

namespace vouch::cli {
namespace {

// RequestFromFlags applies the key-or-identity and bundle-or-signature rules.
Result<verify::VerifyBlobRequest> RequestFromFlags(const Args& args) {
  const bool keyless = HasIdentityFlags(args.parsed());
  if (args.Has("key") == keyless) {
    return InvalidArgumentError(
        "verify-blob needs --key KEY, or --certificate-identity and --certificate-oidc-issuer "
        "(keyless), not both");
  }
  if (keyless && args.Has("signature")) {
    return InvalidArgumentError("keyless verification needs --bundle, not --signature");
  }
  if (args.Has("bundle") == args.Has("signature")) {
    return InvalidArgumentError(
        "verify-blob needs exactly one of --bundle FILE and --signature FILE");
  }
  verify::VerifyBlobRequest request;
  request.artifact_path = args.positional(0);
  request.bundle_path = args.Get("bundle");
  request.signature_path = args.Get("signature");
  if (request.bundle_path.empty() && request.signature_path.empty()) {
    return InvalidArgumentError("verify-blob: --bundle and --signature need a file name");
  }
  return request;
}

Status VerifyBlob(const Args& args, verify::VerifyBlobRequest request) {
  verify::BlobSigstoreOptions sigstore;
  std::optional<keys::Verifier> key;
  const bool keyless = HasIdentityFlags(args.parsed());
  verify::BlobVerdict verdict;
  verdict.artifact = request.artifact_path;
  if (keyless) {
    VOUCH_ASSIGN_OR_RETURN(verify::CertificateIdentity id, ParseIdentity(args.parsed()));
    sigstore.identities.push_back(std::move(id));
  } else {
    VOUCH_ASSIGN_OR_RETURN(key, LoadVerifierFlag(args.parsed()));
    request.key = &*key;
    verdict.signer = "key " + key->KeyId();
  }
  if (keyless || TrustedRootFlagGiven(args.parsed())) {
    VOUCH_ASSIGN_OR_RETURN(sigstore.trusted_root, LoadTrustedRootFlag(args.parsed()));
  }
  verdict.status = WithVerificationContext(verify::VerifyBlob(request, sigstore));
  std::cout << verify::RenderBlob(verdict,
                                  args.json() ? verify::Format::kJson : verify::Format::kText);
  return verdict.status;
}

}  // namespace

int RunVerifyBlob(int argc, char** argv) {
  return Command("verify-blob",
                 "verify a file against a public key and a Sigstore bundle or a base64 signature")
      .Usage(
          "FILE (--key KEY | --certificate-identity ID --certificate-oidc-issuer URL) "
          "(--bundle BUNDLE | --signature SIG) [--trusted-root FILE]")
      .Positional({"FILE"})
      .Value("bundle", "the Sigstore bundle to check")
      .Value("signature", "a file holding the signature in base64")
      .With({AddVerifyingKeyOptions, AddIdentityOptions})
      .OutputFlag("text or json (docs/output.md)")
      .ExitCodes(
          "0 verified, 1 not verified (modified file, wrong key, malformed or oversized bundle "
          "or signature), 2 usage or key error, 3 file unreadable")
      .Run(argc, argv, RequestFromFlags, VerifyBlob);
}

}  // namespace vouch::cli
