// cosign's legacy certificate signatures (private to verify): one `.sig` or `.att` layer whose
// annotations carry the signing certificate (`dev.sigstore.cosign/certificate`), its chain
// (`dev.sigstore.cosign/chain`) and the Rekor bundle (`dev.sigstore.cosign/bundle`: the signed
// entry timestamp over `Payload`, formats.md 5.4), verified offline. Two trust models:
//
//  * keyless: a Fulcio certificate, trusted through a trusted_root.json: the SET (required) gives
//    the signing time, the chain is checked at that time, the SCT and the identity are checked;
//  * x509: a certificate chaining to caller-supplied PEM roots (OpenSSL X509_STORE), with
//    optional subject / SAN constraints; the SET is checked when there is one and a trusted root.
//
// Every rejection is kVerificationFailed naming the failed check (layer annotations are evidence:
// bad evidence is a rejection); kInvalidArgument only for a malformed request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigstore/certificate.h"
#include "sigstore/tlog.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

inline constexpr std::string_view kCertificateAnnotation = attest::kCosignCertificateAnnotation;
inline constexpr std::string_view kChainAnnotation = attest::kCosignChainAnnotation;
inline constexpr std::string_view kRekorBundleAnnotation = attest::kCosignRekorBundleAnnotation;

// LegacyEvidence is the certificate material of one layer, as found in its annotations.
struct LegacyEvidence {
  std::string certificate_pem;  // "" when the layer has none (a key-signed layer)
  std::string chain_pem;        // zero or more PEM certificates, leaf-most first
  std::string rekor_bundle;     // the Rekor bundle JSON, "" when absent
};

// EvidenceFromAnnotations picks the three annotations out of a layer's annotations.
LegacyEvidence EvidenceFromAnnotations(const std::map<std::string, std::string>& annotations);

// HasCertificate reports whether the layer carries a certificate (and so is not key-signed).
inline bool HasCertificate(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(kCertificateAnnotation));
  return it != annotations.end() && !it->second.empty();
}

// ParsePemCertificates decodes every "CERTIFICATE" PEM block of |pem| to DER, in order; text
// between blocks is ignored, anything else (no block, another block type, a malformed
// certificate) is kVerificationFailed naming |what|. At most 16 certificates.
Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem, std::string_view what);

// RekorBundle is the parsed `dev.sigstore.cosign/bundle` annotation:
// {"SignedEntryTimestamp": b64, "Payload": {"body": b64, "integratedTime": N, "logIndex": N,
// "logID": hex}}.
struct RekorBundle {
  Bytes signed_entry_timestamp;
  Bytes body;
  int64_t integrated_time = 0;
  int64_t log_index = 0;
  Bytes log_id;
};

Result<RekorBundle> ParseRekorBundle(std::string_view json);

// VerifyRekorBundle checks |bundle| against |root|: the log is chosen by logID and must be valid
// at integratedTime, the SET verifies with its key over the canonical payload (formats.md 5.4),
// and the body (its own kind and apiVersion) binds |content| (VerifyBodyBinding). Returns the
// integrated time, now a verified time.
Result<TimePoint> VerifyRekorBundle(const RekorBundle& bundle, const SignedContent& content,
                                    const TrustedRoot& root);

// LegacyVerification is what a verified certificate signature establishes.
struct LegacyVerification {
  std::string signer;   // keyless: the SAN that matched; x509: the first SAN, else the subject
  std::string issuer;   // keyless: the OIDC issuer; x509: the certificate's issuer name
  std::string subject;  // the leaf's subject (RFC 2253), may be empty (Fulcio)
  // key_id is the leaf's public key (keys::Verifier::KeyId), x509 only: the signer is the key,
  // whichever of the certificate's names an authority matched.
  std::string key_id;
  std::optional<TimePoint> signing_time;  // the SET's integrated time, when verified
};

// VerifyLegacyKeyless verifies a Fulcio-certified signature. |content| says what was signed
// (signature, and artifact_sha256 for a `.sig` payload or the DSSE fields for an `.att`
// envelope); its certificate_der is filled from the evidence. |message| is the signed bytes (the
// payload for `.sig`, the DSSE PAE for `.att`). Order: the leaf parses; the signature over
// |message| verifies with the leaf key; the Rekor bundle is present and verifies (its
// integrated time is the signing time, inside the leaf's validity); the chain (the chain
// annotation's certificates as untrusted intermediates, self-signed ones dropped: anchors come
// only from the root) to a Fulcio CA of |root| at that time; an embedded SCT (when
// |require_sct|); one of |identities| matches.
Result<LegacyVerification> VerifyLegacyKeyless(const LegacyEvidence& evidence, ByteView message,
                                               SignedContent content, const TrustedRoot& root,
                                               const std::vector<CertificateIdentity>& identities,
                                               bool require_sct = true);

// X509Trust is an x509 authority: PEM roots (the only anchors), extra untrusted intermediates,
// and optional subject / SAN constraints (exact, or a regexp: RE2, Go syntax, matching anywhere in
// the value as cosign's do; vouch/core/regexp.h).
struct X509Trust {
  std::vector<Bytes> roots;          // DER
  std::vector<Bytes> intermediates;  // DER
  std::string subject;               // RFC 2253, e.g. "CN=Team A,O=IT,C=ES"
  std::string subject_regexp;
  std::string san;  // any URI, email, DNS or IP SAN
  std::string san_regexp;
};

// VerifyLegacyX509 verifies a signature whose certificate chains to |trust|'s roots. The
// signature over |message| verifies with the leaf key; when the layer has a Rekor bundle and
// |root| is given, the bundle verifies (as VerifyRekorBundle) and its time is the check time;
// otherwise the chain is checked at |now|. Then the chain (OpenSSL, roots only in the store,
// chain annotation + trust.intermediates untrusted) and the subject / SAN constraints.
Result<LegacyVerification> VerifyLegacyX509(const LegacyEvidence& evidence, ByteView message,
                                            SignedContent content, const X509Trust& trust,
                                            const TrustedRoot* root, TimePoint now);

// CertificateKey returns the public key of the DER certificate |der| (kVerificationFailed when it
// does not parse or its key is not supported).
Result<keys::Verifier> CertificateKey(ByteView der);

// VerifyX509Certificate checks that the DER |leaf| chains at |when| to one of |trust|'s roots
// (OpenSSL X509_verify_cert; the store holds only the roots, |trust|.intermediates and
// |untrusted_extra| are untrusted candidates, self-signed ones dropped) and meets the subject /
// SAN constraints. Used by VerifyLegacyX509 and for bundles verified by an x509 authority.
Result<LegacyVerification> VerifyX509Certificate(ByteView leaf_der,
                                                 const std::vector<Bytes>& untrusted_extra,
                                                 const X509Trust& trust, TimePoint when);

}  // namespace vouch::verify::sigstore
