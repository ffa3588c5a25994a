// Content rules (private to verify): what a verified payload must say, written once for every
// trust kind and every evidence form. They run only on Verified::payload, the bytes an authority
// found signed; each answers with a typed reason (vouch/verify/decision.h).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>

#include "authority/authority.h"
#include "evidence/evidence.h"
#include "vouch/attest/statement.h"
#include "vouch/core/digest.h"
#include "vouch/verify/decision.h"

namespace vouch::verify::internal {

// Check is the typed outcome of one rule: kNone when it holds.
struct Check {
  Reason reason = Reason::kNone;
  std::string detail;
  // error is set when the rule could not be checked (the subject's manifest, needed to hash it
  // in a statement's other algorithm, could not be fetched): "could not check", never rejected.
  Status error = OkStatus();
  bool ok() const { return reason == Reason::kNone; }
};

// CheckSignatureContent checks a verified image signature about |evidence|.subject: a
// simple-signing payload (`.sig` layers: critical.type, docker-manifest-digest, `optional`
// holding |annotations|), or an in-toto statement with predicateType
// https://sigstore.dev/cosign/sign/v1 (else kWrongKind: an attestation), a subject with exactly
// the digest, and |annotations| on that subject.
Check CheckSignatureContent(const Evidence& evidence, const Verified& verified,
                            const std::map<std::string, std::string>& annotations);

// CheckAttestationContent parses a verified attestation and checks it is about
// |evidence|.subject and of one of |types| (any type when empty; another one is kWrongKind),
// with |annotations| on the subject. On success |statement| holds the parsed statement.
Check CheckAttestationContent(const Evidence& evidence, const Verified& verified,
                              std::span<const std::string> types,
                              const std::map<std::string, std::string>& annotations,
                              std::optional<attest::Statement>& statement);

// CheckSimpleSigningPayload checks a simple-signing payload whose signature verified:
// critical.type, docker-manifest-digest = |expected|, |annotations| in `optional`, and (when
// |identity| is not empty) critical.identity.docker-reference names that repository (its tag
// or digest, when both sides have one, must match too).
Check CheckSimpleSigningPayload(ByteView payload, const Digest& expected,
                                const std::map<std::string, std::string>& annotations,
                                std::string_view identity = "");

// CheckAnnotations reports whether every |want| entry is in |have| with the same value.
Check CheckAnnotations(const std::map<std::string, std::string>& have,
                       const std::map<std::string, std::string>& want);

}  // namespace vouch::verify::internal
