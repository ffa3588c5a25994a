// X.509 side of Sigstore verification (private to verify): Fulcio chains at the signing time,
// leaf usage, embedded SCTs and identity extensions. formats.md 5.1, 5.2 steps 6-8, 5.3, 5.9.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

// LeafCertificate is a parsed signing certificate.
struct LeafCertificate {
  Bytes der;
  std::shared_ptr<const keys::Verifier> key;  // its public key
  TimePoint not_before{};
  TimePoint not_after{};
  std::vector<std::string> sans;  // URI, email and otherName SANs
  std::string issuer;             // .1.8, else .1.1 ("" when neither)
  std::map<std::string, std::string> extensions;  // Fulcio OID suffix ("1.5") -> value
};

// ParseLeafCertificate parses DER; a malformed certificate is kVerificationFailed.
Result<LeafCertificate> ParseLeafCertificate(ByteView der);

// VerifyCertificateChain checks that |leaf| chains, through the untrusted |intermediates| (bundle
// certificates after the leaf; a self-signed one among them is rejected), to one of the root's
// certificate authorities, evaluated at every time in |times| (each must lie in the CA's validFor
// and in every chain certificate's validity), and that the leaf has KeyUsage digitalSignature,
// EKU codeSigning and is not a CA. Returns the index of the CA that anchored it.
Result<size_t> VerifyCertificateChain(const LeafCertificate& leaf,
                                      const std::vector<Bytes>& intermediates,
                                      const TrustedRoot& root, const std::vector<TimePoint>& times);

// VerifyEmbeddedSct checks that at least one embedded SCT of |leaf| verifies against a ctlog of
// |root| valid at the SCT's time, with the issuer being the CA certificate that signed the leaf
// (chain_der of certificate_authorities[ca_index], or the first intermediate).
Status VerifyEmbeddedSct(const LeafCertificate& leaf, ByteView issuer_der, const TrustedRoot& root);

// MatchIdentity checks |leaf| against |want| (SAN, issuer, GitHub claims).
Status MatchIdentity(const LeafCertificate& leaf, const CertificateIdentity& want);

}  // namespace vouch::verify::sigstore
