#include "vouch/verify/decision.h"

#include <array>

namespace vouch::verify {
namespace {

// The JSON spellings, indexed by the enums' values (their order is the declarations').
constexpr std::array<std::string_view, 4> kOutcomeNames = {"pass", "fail", "warn", "error"};
constexpr std::array<std::string_view, 3> kDecisionNames = {"accepted", "rejected", "error"};
constexpr std::array<std::string_view, 26> kReasonNames = {
    "",                        // kNone
    "no-scope",                // kNoScope
    "mode-reject",             // kModeReject
    "denied-digest",           // kDeniedDigest
    "wrong-kind",              // kWrongKind
    "unreadable",              // kUnreadable
    "untrusted",               // kUntrusted
    "unsigned",                // kUnsigned
    "revoked",                 // kRevoked
    "wrong-subject",           // kWrongSubject
    "malformed-payload",       // kMalformedPayload
    "annotation-mismatch",     // kAnnotationMismatch
    "no-evidence",             // kNoEvidence
    "none-valid",              // kNoneValid
    "threshold-not-met",       // kThresholdNotMet
    "provenance-mismatch",     // kProvenanceMismatch
    "too-old",                 // kTooOld
    "age-unknown",             // kAgeUnknown
    "future-dated",            // kFutureDated
    "vulnerable",              // kVulnerable
    "vsa-mismatch",            // kVsaMismatch
    "base-image-not-allowed",  // kBaseImageNotAllowed
    "no-provenance",           // kNoProvenance
    "lookup-failed",           // kLookupFailed
    "trust-unavailable",       // kTrustUnavailable
    "",                        // (one past the last: out-of-range values)
};
static_assert(static_cast<size_t>(Reason::kTrustUnavailable) + 2 == kReasonNames.size(),
              "kReasonNames must name every Reason");

template <size_t N, typename E>
std::string_view NameOf(const std::array<std::string_view, N>& names, E value,
                        std::string_view fallback) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : fallback;
}

}  // namespace

std::string_view OutcomeName(Outcome o) { return NameOf(kOutcomeNames, o, "error"); }

std::string_view DecisionName(Decision d) { return NameOf(kDecisionNames, d, "error"); }

std::string_view ReasonName(Reason r) { return NameOf(kReasonNames, r, ""); }

bool IsCouldNotCheck(Reason r) {
  return r == Reason::kLookupFailed || r == Reason::kTrustUnavailable;
}

std::string Signer::Describe() const {
  if (!identity.empty()) {
    return authority + " (" + identity + ")";
  }
  return authority + " (key " + key_id.substr(0, 16) + "…)";
}

}  // namespace vouch::verify
