// Authorities: "who is trusted" (private to verify). One interface, one implementation per trust
// kind, each in its own file:
//
//   key.cc       any keys::Verifier (a key file today; PKCS#11 or a KMS plugin behind the same
//                Verifier seam later)
//   keyless.cc   Fulcio certificates through a trusted root, with identity and issuer rules
//   x509.cc      certificates chaining to CA roots, with subject / SAN rules
//   notation.cc  Notary Project signatures, with Notation trust policy semantics
//
// An authority answers one question about one piece of evidence: was it signed by someone I
// trust, and if so by whom and what exactly was signed? It never looks at what the payload says
// (subject digest, predicate type, annotations, provenance): those content rules are written
// once, in requirements/. Adding a trust kind (Notation, a KMS) is one more file here plus its
// case in trust_policy.cc; nothing else changes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/decision.h"
#include "vouch/verify/notation.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::internal {

// Verified is what an authority establishes about one piece of evidence.
struct Verified {
  Signer signer;
  // payload is exactly what was signed: a simple-signing payload (`.sig` layers) or an in-toto
  // statement (DSSE envelopes). Only these bytes may be parsed and trusted afterwards.
  Bytes payload;
  // times are verified signing times (a transparency log's integrated time, an RFC 3161
  // timestamp), when the evidence carries them; empty for a bare key signature.
  std::vector<TimePoint> times;
};

class Authority {
 public:
  explicit Authority(std::string name) : name_(std::move(name)) {}
  virtual ~Authority() = default;
  Authority(const Authority&) = delete;
  Authority& operator=(const Authority&) = delete;

  // name is the authority's name in the policy.
  const std::string& name() const { return name_; }

  // Verify checks that |evidence| (read: Evidence::fetched()) was signed by someone this
  // authority trusts, at |now| where a check needs a time. OK: the signer and the signed payload.
  // kVerificationFailed: not signed by anyone it trusts, or the envelope breaks a rule (the
  // message names the failed check). Any other code: it could not check (its trust material is
  // unusable), which is never a rejection.
  virtual Result<Verified> Verify(const Evidence& evidence, TimePoint now) const = 0;

  // VerifiesNotation tells whether it counts Notary Project signatures, which the collector then
  // reads (they are fetched only for such authorities).
  virtual bool VerifiesNotation() const { return false; }

  // AppendTrustMaterial appends a canonical description of what it trusts (key SPKIs, root
  // digests, identity rules) to |out|; TrustPolicy::digest covers it.
  virtual void AppendTrustMaterial(std::string& out) const = 0;

 private:
  std::string name_;
};

// NewKeyAuthority trusts signatures made with any of |keys|.
std::unique_ptr<Authority> NewKeyAuthority(std::string name, std::vector<keys::Verifier> keys);

// NewKeylessAuthority trusts Fulcio certificates of |root| whose identity matches one of
// |identities|, with their transparency-log and timestamp evidence (docs/sigstore.md).
std::unique_ptr<Authority> NewKeylessAuthority(std::string name,
                                               std::shared_ptr<const TrustedRoot> root,
                                               std::vector<CertificateIdentity> identities);

// NewX509Authority trusts certificates chaining to |trust|'s roots and meeting its subject /
// SAN rules. A legacy layer's Rekor bundle is checked too when |root| is given.
std::unique_ptr<Authority> NewX509Authority(std::string name, sigstore::X509Trust trust,
                                            std::shared_ptr<const TrustedRoot> root);

// NotationTrust is a compiled notation authority: one statement, or a document whose statement
// the evidence's repository selects, the trust store with every store the statements name
// preloaded, and the canonical text of all of it for TrustPolicy::digest.
struct NotationTrust {
  std::optional<notation::Statement> statement;
  notation::TrustPolicyDocument document;
  std::shared_ptr<const notation::TrustStore> store;
  std::shared_ptr<const notation::RevocationChecker> revocation;
  std::string material;
};

// NewNotationAuthority trusts Notary Project signatures that |trust| verifies.
std::unique_ptr<Authority> NewNotationAuthority(std::string name, NotationTrust trust);

// NewUnavailableAuthority stands for an authority whose trust material did not load: every
// Verify answers "could not check: <why>" with an operational code.
std::unique_ptr<Authority> NewUnavailableAuthority(std::string name, Status why);

// ---------------------------------------------------------------------------------------------
// Envelope rules shared by the implementations (envelope.cc).

// BundleEnvelope returns the DSSE envelope of a bundle that an image signature or attestation
// must hold: DSSE content (a message signature is a blob's), payloadType in-toto, exactly one
// signature. Failures are kVerificationFailed.
Result<const attest::DsseEnvelope*> BundleEnvelope(const attest::Bundle& bundle);

// InTotoEnvelope checks the payloadType of an `.att` layer's envelope.
Status InTotoEnvelope(const attest::DsseEnvelope& envelope);

// LayerSignature decodes a `.sig` layer's signature annotation (std base64; line breaks skipped,
// as Go does). Failures are kVerificationFailed.
Result<Bytes> LayerSignature(const Evidence& evidence);

// NotationOnlyError is what an authority of another kind answers about a Notation signature:
// kVerificationFailed "a Notation signature: only notation authorities verify it".
Status NotationOnlyError();

// CertificateSigner renders who signed a certificate: "<SAN> (<issuer>)".
std::string CertificateSigner(const std::string& san, const std::string& issuer);

}  // namespace vouch::verify::internal
