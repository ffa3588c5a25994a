// X.509 side of Sigstore verification (private to verify): Fulcio chains at the signing time,
// leaf usage, embedded SCTs and identity extensions. formats.md 5.1, 5.2 steps 6-8, 5.3, 5.9.
//
// The declarations are the lead's, unchanged; only the comments below say more precisely what
// each function checks and how it fails. Every rejection is kVerificationFailed with a message
// naming the reason; kInvalidArgument only for a malformed request (MatchIdentity).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/internal/ossl.h"
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
  std::vector<std::string> sans;                  // URI, email and otherName SANs
  std::string issuer;                             // .1.8, else .1.1 ("" when neither)
  std::map<std::string, std::string> extensions;  // Fulcio OID suffix ("1.5") -> value
};

// ParseCertificateDer parses exactly one DER X.509 certificate (trailing bytes rejected); a
// malformed one is kVerificationFailed "<what> is not a DER X.509 certificate".
Result<OsslPtr<X509>> ParseCertificateDer(ByteView der, std::string_view what);

// NameText renders an X.509 name as RFC 2253 text ("CN=a,O=b,C=US"); "" when it cannot.
std::string NameText(const X509_NAME* name);

// CertificateValidity is a certificate's [notBefore, notAfter].
struct CertificateValidity {
  TimePoint not_before{};
  TimePoint not_after{};
  bool Contains(TimePoint t) const { return t >= not_before && t <= not_after; }
};

// ValidityOf reads |x|'s validity; a malformed time is kVerificationFailed.
Result<CertificateValidity> ValidityOf(const X509* x);

// ParseLeafCertificate parses DER (trailing bytes rejected); a malformed certificate, an
// unsupported key, a malformed SubjectAltName or a Fulcio .1.8-.1.24 extension that is not a DER
// UTF8String is kVerificationFailed. |extensions| holds .1.1-.1.6 raw and .1.8 onwards decoded;
// |sans| the URI, email and otherName (1.3.6.1.4.1.57264.1.7) SANs in certificate order.
Result<LeafCertificate> ParseLeafCertificate(ByteView der);

// VerifyCertificateChain checks that |leaf| chains, through the untrusted |intermediates| (bundle
// certificates after the leaf; a self-signed one among them is rejected), to one of the root's
// certificate authorities, evaluated at every time in |times| (each must lie in the CA's validFor
// and in every chain certificate's validity), and that the leaf has KeyUsage digitalSignature,
// EKU codeSigning and is not a CA. Returns the index of the CA that anchored it.
//
// Path building and checking is OpenSSL's (X509_verify_cert): the store holds only the CA
// chain's last certificate (X509_V_FLAG_PARTIAL_CHAIN, so an intermediate may anchor), the
// untrusted set is the bundle intermediates plus the rest of the CA chain, and the check time is
// set to each of |times| in turn. Unknown critical extensions are rejected by OpenSSL (Fulcio's
// own extensions are not critical; its critical SAN is understood). An empty |times| is rejected.
Result<size_t> VerifyCertificateChain(const LeafCertificate& leaf,
                                      const std::vector<Bytes>& intermediates,
                                      const TrustedRoot& root, const std::vector<TimePoint>& times);

// VerifyEmbeddedSct checks that at least one embedded SCT of |leaf| verifies against a ctlog of
// |root| valid at the SCT's time, with the issuer being the CA certificate that signed the leaf
// (chain_der of certificate_authorities[ca_index], or the first intermediate). The SCT list is
// parsed by OpenSSL; the signed data is RFC 6962's precert form over the leaf's TBSCertificate
// without the SCT extension, issuer_key_hash = SHA-256(issuer SPKI), SCT extensions included.
// Failures name the log id and the reason ("SCT from an unknown CT log ...", "signature does not
// verify with CT log ...", "the log is not valid at the SCT time ...").
Status VerifyEmbeddedSct(const LeafCertificate& leaf, ByteView issuer_der, const TrustedRoot& root);

// MatchIdentity checks |leaf| against |want|: the SAN (any of |sans|) exactly or by a regexp,
// the issuer (.1.8, else .1.1) exactly or by a regexp, and each GitHub claim exactly against
// .1.2-.1.6. Regexps are RE2 (Go syntax) and match anywhere in the value, as cosign's do
// (vouch/core/regexp.h: anchor with ^ and $ to constrain the whole value). A
// mismatch is kVerificationFailed; an identity without exactly one SAN and one issuer
// constraint, an invalid regexp or an unknown GitHub claim name is kInvalidArgument.
Status MatchIdentity(const LeafCertificate& leaf, const CertificateIdentity& want);

}  // namespace vouch::verify::sigstore
