#include "vouch/verify/attestation.h"

#include <utility>

namespace vouch::verify {

Status CheckSlsa(const VerifiedAttestation& verified, const SlsaExpectations& want) {
  if (want.empty()) {
    return OkStatus();
  }
  const std::string& type = verified.statement.predicate_type();
  if (!attest::IsProvenanceType(type)) {
    return InvalidArgumentError(
        "--builder-id, --source-uri, --source-ref and --max-age apply to SLSA provenance only, "
        "not to predicate type " +
        type);
  }
  Result<attest::NormalizedProvenance> p =
      attest::NormalizeProvenance(type, verified.statement.predicate_json());
  if (!p.ok()) {
    return VerificationFailedError("provenance is malformed: " + p.status().message());
  }
  return CheckProvenance(*p, want);
}

}  // namespace vouch::verify
