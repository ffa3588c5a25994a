// `vouch attest-blob FILE --key KEY (--predicate F --type T | --statement F) --bundle OUT`:
// option parsing only; the work is sign::AttestBlob.
#include <iostream>
#include <memory>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "output.h"
#include "predicate_flags.h"
#include "sigstore_flags.h"
#include "vouch/core/log.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {
namespace {

Result<sign::AttestBlobRequest> RequestFromFlags(const Args& args) {
  sign::AttestBlobRequest request;
  request.artifact_path = args.positional(0);
  request.bundle_path = args.Get("bundle");
  VOUCH_ASSIGN_OR_RETURN(PredicateFlags what, PredicateFromFlags(args.parsed(), "attest-blob"));
  request.predicate_path = what.predicate_path;
  request.predicate_type = what.predicate_type;
  request.statement_path = what.statement_path;
  return request;
}

Status AttestBlob(const Args& args, sign::AttestBlobRequest request) {
  VOUCH_ASSIGN_OR_RETURN(BundleSigning signing, LoadBundleSigning(args.parsed()));
  request.bundle_signer = signing.signer.get();
  VOUCH_ASSIGN_OR_RETURN(sign::AttestBlobResult result, sign::AttestBlob(request));
  log::Info("Attested " + request.artifact_path + " (" + result.digest.ToString() + ") " +
            SignedBy(*signing.signer) + "; wrote bundle " + request.bundle_path);
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["artifact"] = request.artifact_path;
    doc["digest"] = result.digest.ToString();
    doc["predicateType"] = PredicateTypeOf(result.statement_json);
    doc["bundle"] = request.bundle_path;
    doc["signer"] = SignerJson(signing);
    AddWitnesses(doc, result.bundle_json);
    PrintDocument(doc);
  }
  return OkStatus();
}

}  // namespace

int RunAttestBlob(int argc, char** argv) {
  return Command("attest-blob",
                 "sign an in-toto attestation about a file, writing a Sigstore bundle (v0.3) "
                 "holding a DSSE envelope")
      .Usage(
          "FILE (--key KEY | [--keyless] [--identity-token T]) (--predicate PRED.json --type "
          "TYPE | --statement STATEMENT.json) --bundle OUT.sigstore.json [--signing-config F | "
          "--fulcio-url U --rekor-url U --timestamp-server-url U] [--tlog-upload] [--timestamp]")
      .Positional({"FILE"})
      .With({AddSigningKeyOptions, AddSigstoreSigningOptions, AddPredicateOptions})
      .Value("bundle", "write the Sigstore bundle to this file")
      .Require({"bundle"})
      .OutputFlag("text or json: what was attested and written (docs/output.md)")
      .ExitCodes("0 signed, 2 usage, predicate or key error, 3 file unreadable or unwritable")
      .Run(argc, argv, RequestFromFlags, AttestBlob);
}

}  // namespace vouch::cli
