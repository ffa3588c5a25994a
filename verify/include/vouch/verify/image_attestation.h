// Verifying in-toto attestations attached to container images (`vouch verify-attestation`), in
// both forms: Sigstore bundle referrers (DSSE payloadType application/vnd.in-toto+json) and
// layers of cosign's `sha256-<hex>.att` manifest (formats.md 3.4). Every candidate is checked
// with VerifyAttestationEnvelope (signature over PAE with a trusted key, subject digest = the
// image digest, predicate type) and, for SLSA provenance, CheckSlsa.
//
// As with `vouch verify`, rejections and lookup failures are kept apart: a candidate that fails
// a check is a finding; a lookup that fails makes the result that operational error, never
// "no attestation".
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/slsa.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {

// VerifyImageAttestationRequest is the policy of one `vouch verify-attestation`.
struct VerifyImageAttestationRequest {
  // keys are the trusted public keys; any one suffices. Required unless |identities| is set.
  std::vector<keys::Verifier> keys;
  // Keyless (docs/sigstore.md): with |identities| (and no keys), attestations are verified by
  // certificate against |trusted_root| (required): bundle referrers with VerifyBundle, `.att`
  // layers through their certificate, chain and Rekor bundle annotations. Any identity matches.
  std::shared_ptr<const TrustedRoot> trusted_root;
  std::vector<CertificateIdentity> identities;
  // predicate_type is the required predicateType URI. Required.
  std::string predicate_type;
  // slsa holds the typed SLSA checks (provenance predicate types only).
  SlsaExpectations slsa;
  // annotations must all be in the annotations of the statement's subject for the image
  // (`-a k=v`), else "annotation …".
  std::map<std::string, std::string> annotations;
  // parallelism bounds the concurrent fetches.
  int parallelism = 8;
};

// AttestationFinding is one attestation candidate found for the image.
struct AttestationFinding {
  std::string format;    // "bundle" or "legacy"
  std::string location;  // "referrer sha256:…" or "sha256-<hex>.att layer N"
  // key_id is the Verifier::KeyId() of the trusted key that verified it, or (keyless) the signer
  // "<SAN> (<issuer>)"; "" when none did.
  std::string key_id;
  bool valid = false;
  // reason names the failed check ("" when valid).
  std::string reason;
  // statement_json is the verified payload (only when valid).
  std::string statement_json;
};

// ImageAttestationReport is the verdict for one image.
struct ImageAttestationReport {
  std::string image;
  std::optional<Digest> digest;
  std::string referrers_scheme;
  std::vector<AttestationFinding> attestations;
  std::vector<std::string> lookup_errors;
  // status is OK when some attestation verified and passed the checks; kVerificationFailed when
  // the lookups worked and none did (the message lists each candidate's failed check);
  // otherwise the operational code of the first failed lookup.
  Status status = OkStatus();
};

// VerifyImageAttestations resolves |repo|'s reference (one HEAD), lists referrers and fetches the
// `.att` tag in parallel, then fetches the candidates in parallel (referrers whose predicateType
// annotation names another type are listed as "predicate type …" without being fetched;
// signatures are ignored). A request without keys or predicate type is kInvalidArgument.
ImageAttestationReport VerifyImageAttestations(registry::Repository& repo,
                                               const VerifyImageAttestationRequest& request);

// ImageAttestationReportToJson renders the report as stable JSON (docs/provenance.md).
std::string ImageAttestationReportToJson(const ImageAttestationReport& report);

}  // namespace vouch::verify
