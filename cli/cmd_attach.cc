// `vouch attach signature IMAGE (--payload F --signature F [--certificate F]
// [--certificate-chain F] | --bundle F)` and `vouch attach attestation IMAGE --attestation F...`:
// store signatures and attestations made elsewhere where vouch sign / attest store theirs
// (cosign attach; sign/attach.h).
#include <iostream>
#include <memory>
#include <vector>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "output.h"
#include "registry_flags.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/file.h"
#include "vouch/sign/attach.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: vouch attach <what> IMAGE [options]\n"
    "  signature     store a signature made elsewhere (payload and signature, or a bundle)\n"
    "  attestation   store a DSSE envelope or Sigstore bundle made elsewhere\n";

// kMaxInputBytes caps every file attach reads (a bundle's cap; payloads are far smaller).
constexpr size_t kMaxInputBytes = attest::kMaxBundleSize;

Result<std::string> ReadText(const Args& args, const std::string& flag) {
  VOUCH_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(args.Get(flag), kMaxInputBytes));
  return ToString(bytes);
}

void Render(const Args& args, const std::vector<sign::AttachResult>& results) {
  if (!args.json()) {
    for (const sign::AttachResult& r : results) {
      std::cout << r.location << (r.written ? "" : " (already there)") << "\n";
    }
    return;
  }
  OutputJson doc = NewDocument();
  doc["image"] = args.positional(0);
  doc["digest"] = results.empty() ? "" : results.front().digest.ToString();
  doc["attached"] = OutputJson::array();
  for (const sign::AttachResult& r : results) {
    OutputJson a = OutputJson::object();
    AddLocation(a, r.location);
    a["predicateType"] = r.predicate_type;
    a["written"] = r.written;
    doc["attached"].push_back(std::move(a));
  }
  PrintDocument(doc);
}

Status AttachSignature(const Args& args) {
  const bool detached = args.Has("payload") || args.Has("signature");
  if (detached == args.Has("bundle")) {
    return InvalidArgumentError(
        "attach signature needs --payload and --signature, or --bundle (not both)");
  }
  if (detached && !(args.Has("payload") && args.Has("signature"))) {
    return InvalidArgumentError("attach signature needs both --payload and --signature");
  }
  std::vector<sign::AttachResult> results;
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0), registry::Access::kPullPush));
  if (!detached) {
    VOUCH_ASSIGN_OR_RETURN(std::string bundle, ReadText(args, "bundle"));
    VOUCH_ASSIGN_OR_RETURN(sign::AttachResult r,
                           sign::AttachSignatureBundle(*repo, AsBytes(bundle)));
    results.push_back(std::move(r));
    Render(args, results);
    return OkStatus();
  }
  sign::AttachSignatureRequest request;
  VOUCH_ASSIGN_OR_RETURN(request.payload, ReadFile(args.Get("payload"), kMaxInputBytes));
  VOUCH_ASSIGN_OR_RETURN(request.signature_b64, ReadText(args, "signature"));
  if (args.Has("certificate")) {
    VOUCH_ASSIGN_OR_RETURN(request.certificate_pem, ReadText(args, "certificate"));
  }
  if (args.Has("certificate-chain")) {
    VOUCH_ASSIGN_OR_RETURN(request.chain_pem, ReadText(args, "certificate-chain"));
  }
  VOUCH_ASSIGN_OR_RETURN(sign::AttachResult r, sign::AttachSignature(*repo, request));
  results.push_back(std::move(r));
  Render(args, results);
  return OkStatus();
}

Status AttachAttestations(const Args& args) {
  std::vector<Bytes> files;
  for (const std::string& path : args.GetAll("attestation")) {
    VOUCH_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxInputBytes));
    files.push_back(std::move(bytes));
  }
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<registry::Repository> repo,
                         OpenImage(args.parsed(), args.positional(0), registry::Access::kPullPush));
  VOUCH_ASSIGN_OR_RETURN(std::vector<sign::AttachResult> results,
                         sign::AttachAttestations(*repo, {files.begin(), files.end()}));
  Render(args, results);
  return OkStatus();
}

int RunSignature(int argc, char** argv) {
  return Command("attach signature", "store an image signature made elsewhere")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag})
      .Value("payload", "the simple-signing payload that was signed (`vouch generate` writes it)")
      .Value("signature", "the signature over the payload, std base64 (a sign-blob output)")
      .Value("certificate", "PEM signing certificate, for a certificate signature")
      .Value("certificate-chain", "PEM chain of --certificate, leaf-most first")
      .Value("bundle", "a Sigstore bundle of a cosign sign/v1 statement about the image instead")
      .OutputFlag("text (where it went) or json (docs/output.md)")
      .ExitCodes(
          "0 attached, 2 usage error or a file that is not about this image, 3 registry "
          "or I/O error")
      .Run(argc, argv, AttachSignature);
}

int RunAttestation(int argc, char** argv) {
  return Command("attach attestation", "store attestations made elsewhere")
      .Positional({"IMAGE"})
      .With({AddRegistryFlags, AddAttachmentRepositoryFlag})
      .Values("attestation",
              "a DSSE envelope (stored in the .att tag, as cosign does) or a Sigstore bundle "
              "(stored as a referrer) whose statement names the image (repeatable)")
      .Require({"attestation"})
      .OutputFlag("text (where each went) or json (docs/output.md)")
      .ExitCodes(
          "0 attached, 2 usage error or a file that is not about this image, 3 registry "
          "or I/O error")
      .Run(argc, argv, AttachAttestations);
}

constexpr Subcommand kAttachCommands[] = {{"signature", RunSignature},
                                          {"attestation", RunAttestation}};

}  // namespace

int RunAttach(int argc, char** argv) {
  return RunSubcommand("attach", kUsage, kAttachCommands, argc, argv);
}

}  // namespace vouch::cli
