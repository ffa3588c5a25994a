// SLSA provenance, as an attestation requirement's typed check: the policy's `slsa` patterns
// (or verify-attestation's flags) and max age, through the one SLSA matcher (vouch/verify/slsa.h).
#include <utility>

#include "requirements/requirements.h"
#include "vouch/core/clock.h"
#include "vouch/core/duration.h"
#include "vouch/verify/slsa.h"

namespace vouch::verify::internal {

Check CheckProvenanceRule(const attest::Statement& statement,
                          const policy::AttestationRequirement& req, TimePoint now,
                          std::optional<attest::NormalizedProvenance>& out) {
  auto p = attest::NormalizeProvenance(statement.predicate_type(), statement.predicate_json());
  if (!p.ok()) {
    return {Reason::kMalformedPayload, "provenance is malformed: " + p.status().message()};
  }
  // A build time claimed in the future is refused whatever the requirement asks: it would pass
  // any maxAge for as long as it stays in the future.
  for (const auto& [field, t] : {std::pair{"finished", p->finished_on},
                                 std::pair{"started", p->started_on}}) {
    if (t && IsFutureDated(*t, now)) {
      return {Reason::kFutureDated, std::string("provenance is future-dated: the build ") + field +
                                        " at " + FormatRfc3339(*t) + ", after now (" +
                                        FormatRfc3339(now) + ") plus the allowed clock skew of " +
                                        FormatDuration(kClaimedTimeSkew)};
    }
  }
  SlsaExpectations want;
  if (req.slsa) {
    want.builder_ids = req.slsa->builder_ids;
    want.source_uris = req.slsa->source_uris;
    want.source_refs = req.slsa->source_refs;
  }
  if (Status st = CheckProvenance(*p, want); !st.ok()) {
    return {Reason::kProvenanceMismatch, st.message()};
  }
  if (req.max_age) {
    SlsaExpectations age;
    age.max_age = req.max_age;
    age.now = now;
    if (Status st = CheckProvenance(*p, age); !st.ok()) {
      const bool timed = p->finished_on.has_value() || p->started_on.has_value();
      return {timed ? Reason::kTooOld : Reason::kAgeUnknown, st.message()};
    }
  }
  out = std::move(*p);
  return {};
}

}  // namespace vouch::verify::internal
