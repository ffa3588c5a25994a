// VSA consumer checks (formats.md 6.5 "Consumers check"; docs/promote.md).
#include "vouch/verify/vsa.h"

#include <utility>

#include "vouch/attest/statement.h"
#include "vouch/attest/vsa.h"
#include "vouch/core/duration.h"

namespace vouch::verify {

Status CheckVsa(const VerifiedAttestation& verified, const Digest& subject,
                const policy::VsaRequirement& want, std::optional<std::chrono::seconds> max_age,
                TimePoint now, std::string_view resource_uri) {
  const attest::Statement& st = verified.statement;
  if (st.predicate_type() != attest::kVsaPredicateType) {
    return VerificationFailedError("vsa predicate type is " + st.predicate_type() + ", not " +
                                   std::string(attest::kVsaPredicateType));
  }
  if (!attest::SubjectMatches(st, subject)) {
    return VerificationFailedError("vsa subject does not name " + subject.ToString());
  }
  Result<attest::Vsa> vsa = attest::ParseVsaPredicate(st.predicate_json());
  if (!vsa.ok()) {
    return VerificationFailedError("vsa is malformed: " + vsa.status().message());
  }
  if (vsa->verification_result != attest::kVsaPassed) {
    return VerificationFailedError("vsa result is " + vsa->verification_result);
  }
  if (!want.verifier_id.empty() && vsa->verifier_id != want.verifier_id) {
    return VerificationFailedError("vsa verifier is \"" + vsa->verifier_id + "\", want \"" +
                                   want.verifier_id + "\"");
  }
  if (!want.policy.empty()) {
    std::string name = attest::PolicyNameOfUri(vsa->policy_uri);
    if (name != want.policy) {
      return VerificationFailedError("vsa policy is \"" + vsa->policy_uri + "\", want policy \"" +
                                     want.policy + "\"");
    }
  }
  if (!want.min_level.empty() && !attest::LevelSatisfies(vsa->verified_levels, want.min_level)) {
    std::string have;
    for (const std::string& l : vsa->verified_levels) {
      have += (have.empty() ? "" : ", ") + l;
    }
    return VerificationFailedError("vsa level too low: verifiedLevels [" + have +
                                   "] do not establish " + want.min_level);
  }
  if (vsa->time_verified && IsFutureDated(*vsa->time_verified, now)) {
    return VerificationFailedError("vsa is from the future: timeVerified " +
                                   FormatRfc3339(*vsa->time_verified) + " is after " +
                                   FormatRfc3339(now));
  }
  if (max_age) {
    if (!vsa->time_verified) {
      return VerificationFailedError("vsa has no timeVerified, so its age cannot be checked");
    }
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - *vsa->time_verified);
    if (age > *max_age) {
      return VerificationFailedError(
          "vsa is stale: verified " + FormatRfc3339(*vsa->time_verified) + ", " +
          FormatDuration(age) + " ago, max age " + FormatDuration(*max_age));
    }
  }
  if (!resource_uri.empty() && vsa->resource_uri != resource_uri) {
    return VerificationFailedError("vsa resourceUri is \"" + vsa->resource_uri + "\", want \"" +
                                   std::string(resource_uri) + "\"");
  }
  return OkStatus();
}

}  // namespace vouch::verify
