// Per-object certificate checks for images (private to verify): the keyless and x509 twins of
// object_checks.h's key-based CheckSignatureBundle / CheckLegacySignature /
// CheckAttestationObject, shared by `vouch verify`, `vouch verify-attestation` and the policy
// evaluator's keyless / x509 authorities.
//
//  * keyless (trust.identities set, trust.root required): bundles go through VerifyBundle (the
//    image digest is the DSSE subject); legacy `.sig` / `.att` layers through
//    sigstore::VerifyLegacyKeyless (certificate, chain and Rekor bundle annotations).
//  * x509 (trust.x509 set): the certificate (bundle verification material, or the layer's
//    certificate annotation) chains to the authority's roots (sigstore::VerifyX509Certificate),
//    and the signature verifies with the leaf key; a legacy layer's Rekor bundle is checked too
//    when trust.root is given.
//
// Then the same per-object rules as the key-based checks: a cosign signature statement
// (predicateType https://sigstore.dev/cosign/sign/v1) or simple-signing payload naming the
// subject, the requested annotations, or an attestation whose subject and predicate type match.
// Every rejection is kVerificationFailed naming the check.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lookup.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/verify/attestation.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::internal {

// CertificateTrust says which certificates to accept: keyless (root + identities) or x509.
struct CertificateTrust {
  std::shared_ptr<const TrustedRoot> root;
  std::vector<CertificateIdentity> identities;
  std::optional<sigstore::X509Trust> x509;
  bool Keyless() const { return !x509.has_value(); }
};

// CertificateSigner renders who signed: "<SAN> (<issuer>)".
std::string CertificateSigner(const std::string& san, const std::string& issuer);

// CheckSignatureBundleCert checks a bundle referrer as a cosign image signature for |subject|.
// Returns the signer (CertificateSigner).
Result<std::string> CheckSignatureBundleCert(const attest::Bundle& bundle, const Digest& subject,
                                             const CertificateTrust& trust,
                                             const std::map<std::string, std::string>& annotations);

// CheckLegacySignatureCert checks a `.sig` layer: |signature_b64| over |payload|, the layer's
// certificate annotations (|layer_annotations|), then the simple-signing payload.
Result<std::string> CheckLegacySignatureCert(
    ByteView payload, std::string_view signature_b64,
    const std::map<std::string, std::string>& layer_annotations, const Digest& subject,
    const CertificateTrust& trust, const std::map<std::string, std::string>& annotations);

// CheckAttestationBundleCert / CheckAttestationEnvelopeCert check an attestation (a bundle
// referrer, or an `.att` layer's envelope with its layer annotations) about |subject| whose
// predicate type is one of |predicate_types|. VerifiedAttestation::key_id holds the signer.
Result<VerifiedAttestation> CheckAttestationBundleCert(
    const attest::Bundle& bundle, const Digest& subject, const CertificateTrust& trust,
    std::span<const std::string> predicate_types);
Result<VerifiedAttestation> CheckAttestationEnvelopeCert(
    const attest::DsseEnvelope& envelope,
    const std::map<std::string, std::string>& layer_annotations, const Digest& subject,
    const CertificateTrust& trust, std::span<const std::string> predicate_types);

// CheckSignatureObjectCert / CheckAttestationObjectCert dispatch one collected object (lookup.h)
// as object_checks.h's CheckSignatureObject / CheckAttestationObject do for keys.
Result<std::string> CheckSignatureObjectCert(const AttachedObject& object, const Digest& subject,
                                             const CertificateTrust& trust,
                                             const std::map<std::string, std::string>& annotations);
Result<VerifiedAttestation> CheckAttestationObjectCert(
    const AttachedObject& object, const Digest& subject, const CertificateTrust& trust,
    std::span<const std::string> predicate_types);

}  // namespace vouch::verify::internal
