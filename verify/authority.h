// The authority seam of the policy evaluator (private to the verify module): "does this attached
// object verify for authority A, and with which key or identity?"
//
// A policy names authorities (vouch/policy/policy.h); requirements list authority names. The
// evaluator never looks at an authority's kind: it asks an AuthorityVerifier. Today kKey
// authorities are implemented (any key of the authority verifies; keys in deny.keyIds never
// count). kKeyless and kX509 answer kUnimplemented, which the evaluator turns into a requirement
// that could not be checked (kError, fail closed, never "unsigned").
//
// Plugging in keyless / X.509 (the Sigstore verification issue): implement the two cases in
// authority.cc's VerifySignature and VerifyAttestation for AuthorityKind::kKeyless / kX509 —
// verify the bundle's certificate chain against the authority's trusted root / roots, the
// transparency-log and timestamp evidence, the identity constraints, then the DSSE signature
// with the leaf key; the per-object rules (object_checks.h) stay the same — and fill
// Signer::identity ("<SAN> (<issuer>)"). Nothing else in the evaluator changes. Legacy `.sig`
// layers carry their certificate in layer annotations, which CollectAttached does not keep yet:
// add them to AttachedObject (lookup.h) when needed.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lookup.h"
#include "sigstore/image_keyless.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/policy/policy.h"
#include "vouch/verify/attestation.h"

namespace vouch::verify::internal {

// Signer names who made a signature that verified for an authority.
struct Signer {
  std::string authority;  // the authority's name in the policy
  std::string key_id;     // kKey: keys::Verifier::KeyId() of the key that verified
  std::string identity;   // kKeyless / kX509: the certificate identity; "" for keys
  // Describe renders "release (key 0123456789abcdef…)" for reports.
  std::string Describe() const;
};

// AttestationMatch is a verified attestation and who signed it.
struct AttestationMatch {
  Signer signer;
  VerifiedAttestation verified;
};

// AuthorityVerifier checks attached objects against the authorities of one policy. Borrowed
// |policy| must outlive it. Thread-safe (const).
//
// Every method answers: OK (verified for the authority; the Signer says by whom);
// kVerificationFailed (checked and does not verify for this authority: the message names the
// failed check, and says "revoked (deny.keyIds)" when the only key that verifies is denied);
// kUnimplemented (the authority's kind cannot be checked yet: the requirement is an error).
class AuthorityVerifier {
 public:
  explicit AuthorityVerifier(const policy::Policy& policy);

  // VerifySignature checks |object| as an image signature for |subject| carrying |annotations|.
  Result<Signer> VerifySignature(const policy::Authority& authority, const AttachedObject& object,
                                 const Digest& subject,
                                 const std::map<std::string, std::string>& annotations) const;

  // VerifyAttestation checks |object| as an attestation about |subject| whose predicate type is
  // one of |predicate_types|.
  Result<AttestationMatch> VerifyAttestation(const policy::Authority& authority,
                                             const AttachedObject& object, const Digest& subject,
                                             const std::vector<std::string>& predicate_types) const;

  // Denied reports whether |key_id| (hex SHA-256 of the SPKI) or its bundle hint form is in
  // deny.keyIds.
  bool Denied(const keys::Verifier& key) const;

 private:
  // Trust returns the certificate trust of a kKeyless / kX509 authority (or its load error).
  Result<CertificateTrust> Trust(const policy::Authority& authority) const;

  const policy::Policy& policy_;
  std::set<std::string> denied_;
  // trust_ holds the loaded certificate trust of every kKeyless / kX509 authority, by name.
  std::map<std::string, Result<CertificateTrust>> trust_;
};

}  // namespace vouch::verify::internal
