// `vouch verify-notation --signature ENVELOPE (--descriptor JSON --reference REF | FILE)
// [--notation-dir DIR | --trust-policy F --trust-store DIR] [--policy-name N] [-m k=v]...`:
// one Notation signature envelope (JWS or COSE) verified offline with notation's trust policy
// semantics, for an OCI descriptor or a blob (`notation blob verify`). Flags in,
// verify::notation::VerifyFile, one rendering.
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "registry_flags.h"
#include "vouch/core/log.h"
#include "vouch/core/clock.h"
#include "vouch/verify/notation.h"

namespace vouch::cli {
namespace {

namespace notation = verify::notation;

Result<notation::FileRequest> RequestFromFlags(const Args& args) {
  notation::FileRequest r;
  r.envelope_path = args.Get("signature");
  r.notation_dir = args.Has("notation-dir") ? args.Get("notation-dir")
                                            : notation::DefaultNotationDir();
  r.trust_policy_path = args.Get("trust-policy");
  r.trust_store_dir = args.Get("trust-store");
  r.descriptor_json = args.Get("descriptor");
  r.reference = args.Get("reference");
  if (!args.positionals().empty()) {
    r.blob_path = args.positional(0);
  }
  r.policy_name = args.Get("policy-name");
  r.media_type = args.Get("media-type");
  VOUCH_ASSIGN_OR_RETURN(r.user_metadata, ParseKeyValueFlags(args.parsed(), "user-metadata"));
  r.now = SystemClock().Now();
  r.revocation.crl_files = args.GetAll("crl");
  r.revocation.crl_cache_dir = args.Get("crl-cache");
  r.revocation.offline = args.Has("offline");
  return r;
}

nlohmann::json ToJson(const notation::Outcome& o) {
  nlohmann::json j = {{"schemaVersion", 1},
                      {"verified", o.status.ok()},
                      {"skipped", o.skipped},
                      {"logged", o.logged}};
  if (!o.status.ok()) {
    j["failingCheck"] = o.failing_check;
    j["reason"] = o.status.message();
  }
  if (!o.signer.empty()) {
    j["signer"] = o.signer;
    j["chain"] = o.chain;
    j["keyId"] = o.key_id;
  }
  if (o.envelope) {
    j["signingScheme"] = o.envelope->signing_scheme;
    j["mediaType"] = attest::NotationEnvelopeMediaType(o.envelope->type);
  }
  if (o.target) {
    j["target"] = {{"mediaType", o.target->media_type},
                   {"digest", o.target->digest},
                   {"size", o.target->size},
                   {"annotations", o.target->annotations}};
  }
  if (o.timestamp) {
    j["timestamp"] = FormatRfc3339(*o.timestamp);
  }
  return j;
}

Status VerifyNotation(const Args& args, notation::FileRequest request) {
  VOUCH_ASSIGN_OR_RETURN(notation::Outcome o, notation::VerifyFile(request));
  if (args.json()) {
    std::cout << ToJson(o).dump() << "\n";
    return o.status;
  }
  for (const std::string& line : o.logged) {
    log::Warn(line + " (logged by the verification level)");
  }
  if (!o.status.ok()) {
    return o.status;
  }
  if (o.skipped) {
    std::cout << "Verification skipped: the trust policy statement's level is skip\n";
    return OkStatus();
  }
  log::Info("signer: " + o.signer);
  std::cout << "Verified OK: " << (o.target ? o.target->digest : "") << "\n";
  return OkStatus();
}

}  // namespace

int RunVerifyNotation(int argc, char** argv) {
  return Command("verify-notation",
                 "verify a Notation signature envelope (JWS or COSE) offline with a Notation "
                 "trust policy, for an OCI descriptor or a file")
      .Usage(
          "--signature ENVELOPE (--descriptor JSON --reference REF | FILE) [--notation-dir DIR] "
          "[--trust-policy FILE] [--trust-store DIR] [--policy-name NAME] [-m key=value]...")
      .Positional({"FILE"}, 0, 1)
      .Value("signature", "the signature envelope file (.jws JSON or .cose CBOR)")
      .Value("notation-dir",
             "notation's configuration folder: trustpolicy.oci.json (or trustpolicy.json), "
             "trustpolicy.blob.json, truststore/ (default $XDG_CONFIG_HOME/notation, else "
             "~/.config/notation)")
      .Value("trust-policy", "the trust policy document (overrides the folder's)")
      .Value("trust-store", "the trust store folder holding x509/ (overrides the folder's)")
      .Value("descriptor", "the OCI descriptor signed: {\"mediaType\",\"digest\",\"size\"}")
      .Value("reference", "the artifact's reference: its repository selects the statement")
      .Value("policy-name", "blob: the trust policy statement (default: the globalPolicy one)")
      .Value("media-type", "blob: the media type the signature must name")
      .Values("m,user-metadata", "key=value the signature's metadata must hold (repeatable)")
      .Values("crl", "a CRL file (PEM or DER) used before any fetch, for revocation (repeatable)")
      .Value("crl-cache", "where fetched CRLs are kept (default $XDG_CACHE_HOME/vouch/crl)")
      .Flag("offline", "fetch nothing: no OCSP, CRLs only from --crl and the cache")
      .Require({"signature"})
      .OutputFlag()
      .Note("Levels strict, permissive, audit and skip, their overrides and verifyTimestamp "
            "apply as in `notation verify`; docs/notation.md compares the commands.")
      .ExitCodes(
          "0 verified (or skipped by the level), 1 not verified (or no statement applies), 2 "
          "usage error (a malformed trust policy, descriptor or trust store), 3 a file could not "
          "be read")
      .Run(argc, argv, RequestFromFlags, VerifyNotation);
}

}  // namespace vouch::cli
