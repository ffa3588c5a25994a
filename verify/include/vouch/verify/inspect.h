// Listing every signature and attestation of an image for an auditor (`vouch inspect`), in both
// storage forms (bundle referrers; `.sig` and `.att` layers). With trusted keys each object is
// verified (the signature, and for attestations also the subject digest); without keys nothing
// is verified and the contents shown are unauthenticated.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vouch/attest/provenance.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"

namespace vouch::verify {

// InspectRequest lists the optional trusted keys.
struct InspectRequest {
  std::vector<keys::Verifier> keys;
  int parallelism = 8;
};

// InspectedObject is one signature or attestation.
struct InspectedObject {
  std::string kind;      // "signature" or "attestation"
  std::string format;    // "bundle" or "legacy"
  std::string location;  // "referrer sha256:…", "sha256-<hex>.sig layer N", "….att layer N"
  // signer is the KeyId() of the trusted key that verified it, else the bundle's public key
  // hint, else "unknown".
  std::string signer;
  // verified is set when keys were given: whether the object verified with one of them.
  std::optional<bool> verified;
  // reason says why it did not verify or could not be read ("" otherwise).
  std::string reason;
  std::string predicate_type;
  // provenance is the normalized predicate of SLSA provenance attestations.
  std::optional<attest::NormalizedProvenance> provenance;
};

// InspectReport lists what was found for one image.
struct InspectReport {
  std::string image;
  std::optional<Digest> digest;
  std::string referrers_scheme;
  std::vector<InspectedObject> objects;
  std::vector<std::string> lookup_errors;
  // status is OK when every lookup worked; otherwise the first failure's operational code.
  Status status = OkStatus();
};

// InspectImage resolves |repo|'s reference and lists, in parallel, referrers and the `.sig` and
// `.att` tags, then reads every bundle and layer. Verification failures are findings, never
// errors.
InspectReport InspectImage(registry::Repository& repo, const InspectRequest& request);

// InspectReportToText and InspectReportToJson render a report (JSON documented in
// docs/provenance.md).
std::string InspectReportToText(const InspectReport& report);
std::string InspectReportToJson(const InspectReport& report);

}  // namespace vouch::verify
