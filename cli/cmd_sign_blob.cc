// `vouch sign-blob FILE --key KEY (--bundle OUT | --output-signature SIG)`, or in Notation's
// blob form `--format notation-jws|notation-cose --cert-chain PEM [--signature OUT]`: option
// parsing only; the work is sign::SignBlob / sign::SignNotationBlob.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "notation_flags.h"
#include "output.h"
#include "registry_flags.h"
#include "sigstore_flags.h"
#include "vouch/core/log.h"
#include "vouch/keys/keys.h"
#include "vouch/sign/sign.h"

namespace vouch::cli {
namespace {

// BlobRequest is one of the two forms; |notation| is set for the notation formats.
struct BlobRequest {
  sign::SignBlobRequest bundle;
  std::optional<sign::NotationBlobRequest> notation;
  NotationSigningFlags notation_flags;
};

Result<sign::NotationBlobRequest> NotationFromFlags(const Args& args, const std::string& format) {
  sign::NotationBlobRequest r;
  VOUCH_ASSIGN_OR_RETURN(r.type,
                         attest::ParseNotationEnvelopeType(format.substr(format.find('-') + 1)));
  r.artifact_path = args.positional(0);
  r.signature_path = args.Get("signature");
  if (args.Has("media-type")) {
    r.media_type = args.Get("media-type");
  }
  VOUCH_ASSIGN_OR_RETURN(r.user_metadata, ParseKeyValueFlags(args.parsed(), "user-metadata"));
  if (!args.Has("cert-chain")) {
    return InvalidArgumentError("sign-blob --format " + format + " needs --cert-chain");
  }
  return r;
}

Result<BlobRequest> RequestFromFlags(const Args& args) {
  BlobRequest request;
  const std::string format = args.Get("format");
  VOUCH_ASSIGN_OR_RETURN(request.notation_flags, ParseNotationSigningFlags(args.parsed()));
  if (format == "notation-jws" || format == "notation-cose") {
    if (args.Has("bundle") || args.Has("output-signature")) {
      return InvalidArgumentError(
          "sign-blob --format " + format +
          " writes the envelope to --signature; --bundle and --output-signature are for "
          "--format bundle");
    }
    VOUCH_RETURN_IF_ERROR(RequireKeyOnly(args.parsed(), format));
    VOUCH_ASSIGN_OR_RETURN(request.notation, NotationFromFlags(args, format));
    return request;
  }
  if (format != "bundle") {
    return InvalidArgumentError("unknown signature format \"" + format +
                                "\" (want bundle, notation-jws or notation-cose)");
  }
  if (request.notation_flags.any() || args.Has("signature") || args.Has("media-type") ||
      args.Has("user-metadata")) {
    return InvalidArgumentError(
        "--cert-chain, --expiry, --timestamp-url, --signature, --media-type and -m are for "
        "--format notation-jws|notation-cose");
  }
  request.bundle.artifact_path = args.positional(0);
  request.bundle.bundle_path = args.Get("bundle");
  request.bundle.signature_path = args.Get("output-signature");
  if (request.bundle.bundle_path.empty() && request.bundle.signature_path.empty()) {
    return InvalidArgumentError("sign-blob needs --bundle FILE and/or --output-signature FILE");
  }
  return request;
}

std::string Source(const std::string& path) { return path == "-" ? "stdin" : path; }

Status SignNotation(const Args& args, const keys::Signer& signer, const NotationSigningFlags& flags,
                    sign::NotationBlobRequest request) {
  request.signer = &signer;
  VOUCH_ASSIGN_OR_RETURN(request.certificate_chain, ReadCertChain(flags.cert_chain_path));
  request.expiry = flags.expiry;
  request.timestamper = TimestamperFor(flags.timestamp_url);
  VOUCH_ASSIGN_OR_RETURN(sign::NotationBlobResult result, sign::SignNotationBlob(request));
  log::Info("Signed " + Source(request.artifact_path) + " (" + result.target.digest + ", " +
            std::to_string(result.target.size) + " bytes) in Notation's " +
            std::string(attest::NotationEnvelopeMediaType(request.type)) + " form" +
            (request.timestamper ? ", timestamped by " + flags.timestamp_url : "") + "; wrote " +
            result.signature_path);
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["artifact"] = request.artifact_path;
    doc["digest"] = result.target.digest;
    doc["size"] = result.target.size;
    doc["format"] = args.Get("format");
    doc["bundle"] = nullptr;
    doc["signature"] = result.signature_path;
    doc["signer"] = KeySignerJson(signer.PublicKey());
    doc["tlogEntries"] = OutputJson::array();
    doc["timestamps"] = request.timestamper ? 1 : 0;
    PrintDocument(doc);
  }
  return OkStatus();
}

Status SignBlob(const Args& args, BlobRequest blob) {
  if (blob.notation) {
    VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<keys::Signer> signer, LoadSignerFlag(args.parsed()));
    return SignNotation(args, *signer, blob.notation_flags, std::move(*blob.notation));
  }
  VOUCH_ASSIGN_OR_RETURN(BundleSigning signing, LoadBundleSigning(args.parsed()));
  sign::SignBlobRequest& request = blob.bundle;
  request.bundle_signer = signing.signer.get();
  VOUCH_ASSIGN_OR_RETURN(sign::SignBlobResult result, sign::SignBlob(request));
  std::string wrote;
  if (!request.bundle_path.empty()) {
    wrote += "bundle " + request.bundle_path;
  }
  if (!request.signature_path.empty()) {
    wrote += (wrote.empty() ? "" : " and ") + std::string("signature ") + request.signature_path;
  }
  log::Info("Signed " + Source(request.artifact_path) + " (" + result.digest.ToString() + ") " +
            SignedBy(*signing.signer) + "; wrote " + wrote);
  if (args.json()) {
    auto path_or_null = [](const std::string& p) {
      return p.empty() ? OutputJson(nullptr) : OutputJson(p);
    };
    OutputJson doc = NewDocument();
    doc["artifact"] = request.artifact_path;
    doc["digest"] = result.digest.ToString();
    doc["format"] = "bundle";
    doc["bundle"] = path_or_null(request.bundle_path);
    doc["signature"] = path_or_null(request.signature_path);
    doc["signer"] = SignerJson(signing);
    AddWitnesses(doc, result.bundle_json);
    PrintDocument(doc);
  }
  return OkStatus();
}

}  // namespace

int RunSignBlob(int argc, char** argv) {
  return Command("sign-blob",
                 "sign a file with a key, writing a Sigstore bundle (v0.3) and/or the raw "
                 "signature in base64, or a Notation blob signature envelope")
      .Usage(
          "FILE --key KEY [--bundle OUT.sigstore.json] [--output-signature SIG] [--tlog-upload] "
          "[--timestamp] [--signing-config F | --rekor-url U --timestamp-server-url U]\n"
          "  vouch sign-blob FILE [--keyless] [--identity-token T] (--signing-config F | "
          "--fulcio-url U [--rekor-url U] [--timestamp-server-url U]) --bundle OUT\n"
          "  vouch sign-blob FILE --key KEY --format notation-jws|notation-cose --cert-chain "
          "PEM [--signature OUT] [--media-type T] [-m key=value]... [--expiry DURATION] "
          "[--timestamp-url URL]")
      .Positional({"FILE"})
      .With({AddSigningKeyOptions, AddSigstoreSigningOptions, AddNotationSigningOptions})
      .Value("format",
             "bundle (Sigstore bundle and/or raw signature), notation-jws or notation-cose "
             "(Notation blob signature, as `notation blob sign` writes it)",
             "bundle")
      .Value("bundle", "write the Sigstore bundle to this file")
      .Value("output-signature", "write the signature (std base64) to this file")
      .Value("signature",
             "notation formats: write the envelope here (default FILE.jws.sig or FILE.cose.sig)")
      .Value("media-type",
             "notation formats: the blob's media type (default "
             "application/octet-stream)")
      .Values("m,user-metadata", "notation formats: key=value metadata to sign (repeatable)")
      .OutputFlag("text or json: what was signed and written (docs/output.md)")
      .Note(
          "FILE \"-\" reads stdin (not for Ed25519 keys, which need a regular file; notation "
          "formats then need --signature).")
      .Note(
          "Notation formats sign the blob's descriptor (digest with the hash the key implies: "
          "sha256 for P-256/RSA-2048, sha384 for P-384/RSA-3072, sha512 for P-521/RSA-4096); "
          "verify with `vouch verify-notation --signature OUT FILE`.")
      .ExitCodes(
          "0 signed, 2 usage or key error, 3 file unreadable or unwritable, or the "
          "timestamp authority failed")
      .Run(argc, argv, RequestFromFlags, SignBlob);
}

}  // namespace vouch::cli
