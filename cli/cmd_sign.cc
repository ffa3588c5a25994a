// `vouch sign IMAGE --key KEY [-a k=v]... [--recursive] [--format bundle|legacy|notation-jws|
// notation-cose] [--cert-chain PEM] [--expiry D] [--timestamp-url URL]`: option parsing
// only; the work is sign::SignImage (docs/image-signing.md).
#include <chrono>
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "notation_flags.h"
#include "output.h"
#include "registry_flags.h"
#include "sigstore_flags.h"
#include "vouch/core/log.h"
#include "vouch/sign/image.h"

namespace vouch::cli {
namespace {

Status Sign(const Args& args, sign::SignImageRequest request) {
  const std::string& image = args.positional(0);
  VOUCH_ASSIGN_OR_RETURN(ImageToSign target, OpenImageToSign(args.parsed(), image));
  request.bundle_signer = target.signing.signer.get();
  if (args.Has("cert-chain")) {
    VOUCH_ASSIGN_OR_RETURN(request.certificate_chain, ReadCertChain(args.Get("cert-chain")));
  }
  VOUCH_ASSIGN_OR_RETURN(sign::SignImageResult result, sign::SignImage(*target.repo, request));
  const registry::Reference& ref = target.repo->reference();
  if (!ref.digest) {
    log::Warn("signing by tag is racy: " + image + " resolved to " +
              result.manifests[0].digest.ToString() + " and that digest was signed; sign " +
              ref.RepositoryName() + "@" + result.manifests[0].digest.ToString() +
              " to be sure of what you sign");
  }
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["image"] = image;
    doc["repository"] = ref.RepositoryName();
    doc["format"] = args.Get("format");
    doc["signer"] = SignerJson(target.signing);
    OutputJson manifests = OutputJson::array();
    for (const sign::SignedManifest& m : result.manifests) {
      OutputJson jm = OutputJson::object();
      jm["digest"] = m.digest.ToString();
      jm["mediaType"] = m.media_type;
      jm["platform"] = m.platform;
      jm["alreadySigned"] = m.already_signed;
      AddLocation(jm, m.location);
      AddWitnesses(jm, m.bundle_json);
      manifests.push_back(std::move(jm));
    }
    doc["manifests"] = std::move(manifests);
    PrintDocument(doc);
    return OkStatus();
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
  if (request.format != sign::ImageSignatureFormat::kBundle) {
    VOUCH_RETURN_IF_ERROR(RequireKeyOnly(args.parsed(), args.Get("format")));
  }
  request.recursive = args.Has("recursive");
  VOUCH_ASSIGN_OR_RETURN(request.annotations, ParseAnnotationFlags(args.parsed()));
  VOUCH_ASSIGN_OR_RETURN(NotationSigningFlags notation, ParseNotationSigningFlags(args.parsed()));
  request.expiry = notation.expiry;
  request.timestamper = TimestamperFor(notation.timestamp_url);
  return request;
}

}  // namespace

int RunSign(int argc, char** argv) {
  return Command("sign",
                 "sign a container image with a key or keyless (Sigstore bundle referrer), or "
                 "in cosign's legacy .sig tag or Notation's form with a key")
      .Usage(
          "IMAGE --key KEY [-a key=value]... [--recursive] [--format bundle|legacy] "
          "[--tlog-upload] [--timestamp] [--signing-config F | --rekor-url U "
          "--timestamp-server-url U]\n"
          "  vouch sign IMAGE [--keyless] [--identity-token T] (--signing-config F | --fulcio-url "
          "U [--rekor-url U] [--timestamp-server-url U]) [-a key=value]... [--recursive]\n"
          "  vouch sign IMAGE --key KEY --format notation-jws|notation-cose --cert-chain PEM "
          "[--expiry DURATION] [--timestamp-url URL] [-a key=value]...")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag, AddSigningKeyOptions,
             AddSigstoreSigningOptions, AddNotationSigningOptions})
      .Values("a,annotation", "key=value annotation to sign (repeatable)")
      .Flag("recursive", "also sign every platform manifest of an index")
      .Value("format",
             "bundle (Sigstore bundle referrer, cosign v3), legacy (.sig tag, cosign v2), "
             "notation-jws or notation-cose (Notary Project signature referrer)",
             "bundle")
      .OutputFlag("text or json: what was signed and where it went (docs/output.md)")
      .ExitCodes("0 signed, 2 usage or key error, 3 registry, timestamp authority or I/O error")
      .Run(argc, argv, RequestFromFlags, Sign);
}

}  // namespace vouch::cli
