// `vouch sign IMAGE --key KEY [-a k=v]... [--recursive] [--format bundle|legacy|notation-jws|
// notation-cose] [--cert-chain PEM] [--expiry D]`: option parsing
// only; the work is sign::SignImage (docs/image-signing.md).
#include <chrono>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "registry_flags.h"
#include "vouch/core/clock.h"
#include "vouch/core/duration.h"
#include "vouch/core/file.h"
#include "vouch/keys/certificates.h"
#include "vouch/sign/image.h"

namespace vouch::cli {
namespace {

// kMaxChainFileSize caps the --cert-chain file.
constexpr size_t kMaxChainFileSize = 1 << 20;

Status Sign(const Args& args, sign::SignImageRequest request) {
  const std::string& image = args.positional(0);
  VOUCH_ASSIGN_OR_RETURN(ImageToSign target, OpenImageToSign(args.parsed(), image));
  request.signer = target.signer.get();
  if (args.Has("cert-chain")) {
    VOUCH_ASSIGN_OR_RETURN(Bytes pem, ReadFile(args.Get("cert-chain"), kMaxChainFileSize));
    VOUCH_ASSIGN_OR_RETURN(request.certificate_chain,
                           keys::ParsePemCertificates(AsChars(pem), args.Get("cert-chain")));
  }
  VOUCH_ASSIGN_OR_RETURN(sign::SignImageResult result, sign::SignImage(*target.repo, request));
  const registry::Reference& ref = target.repo->reference();
  if (!ref.digest) {
    std::cerr << "vouch: warning: signing by tag is racy: " << image << " resolved to "
              << result.manifests[0].digest.ToString() << " and that digest was signed; sign "
              << ref.RepositoryName() << "@" << result.manifests[0].digest.ToString()
              << " to be sure of what you sign\n";
  }
  for (const sign::SignedManifest& m : result.manifests) {
    std::cout << (m.already_signed ? "Already signed " : "Signed ") << ref.RepositoryName() << "@"
              << m.digest.ToString() << (m.platform.empty() ? "" : " (" + m.platform + ")")
              << " -> " << m.location << "\n";
  }
  return OkStatus();
}

// SignRequest reads the flags that need no I/O; their errors are usage errors.
Result<sign::SignImageRequest> RequestFromFlags(const Args& args) {
  sign::SignImageRequest request;
  VOUCH_ASSIGN_OR_RETURN(request.format, sign::ParseImageSignatureFormat(args.Get("format")));
  request.recursive = args.Has("recursive");
  VOUCH_ASSIGN_OR_RETURN(request.annotations, ParseAnnotationFlags(args.parsed()));
  if (args.Has("expiry")) {
    VOUCH_ASSIGN_OR_RETURN(std::chrono::seconds expiry, ParsePositiveSeconds(args.Get("expiry")));
    request.expiry = SystemClock().Now() + expiry;
  }
  return request;
}

}  // namespace

int RunSign(int argc, char** argv) {
  return Command("sign",
                 "sign a container image with a key (Sigstore bundle referrer, or cosign's "
                 "legacy .sig tag)")
      .Usage("IMAGE --key KEY [-a key=value]... [--recursive] [--format bundle|legacy]\n"
             "  vouch sign IMAGE --key KEY --format notation-jws|notation-cose --cert-chain PEM "
             "[--expiry DURATION] [-a key=value]...")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddSigningKeyOptions})
      .Require({"key"})
      .Values("a,annotation", "key=value annotation to sign (repeatable)")
      .Flag("recursive", "also sign every platform manifest of an index")
      .Value("format",
             "bundle (Sigstore bundle referrer, cosign v3), legacy (.sig tag, cosign v2), "
             "notation-jws or notation-cose (Notary Project signature referrer)",
             "bundle")
      .Value("cert-chain",
             "notation formats: PEM certificate chain, leaf first; the leaf holds the key's "
             "public key")
      .Value("expiry", "notation formats: the signature expires after this duration (e.g. 720h)")
      .ExitCodes("0 signed, 2 usage or key error, 3 registry or I/O error")
      .Run(argc, argv, RequestFromFlags, Sign);
}

}  // namespace vouch::cli
