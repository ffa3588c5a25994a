// RFC 3161 timestamps (private to verify): formats.md 5.8.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

// kMaxTimestamps bounds the RFC 3161 tokens of one bundle, as sigstore-go bounds log entries.
inline constexpr size_t kMaxTimestamps = 32;

// ParseTimestamps reads the DER tokens of a bundle's timestampVerificationData (|tvd|, the
// compact JSON attest::VerificationMaterial keeps; empty means none):
// rfc3161Timestamps[].signedTimestamp, snake_case spellings accepted, base64 with line breaks
// skipped. More than kMaxTimestamps, a missing, empty or non-base64 token, or the same token
// twice is kVerificationFailed. Nothing is verified.
Result<std::vector<Bytes>> ParseTimestamps(const std::string& tvd);

// VerifyTimestamp checks one DER TimeStampResp (or bare TimeStampToken) over |signature| (the
// bundle's signature bytes): status granted, imprint = H(signature), CMS signature, signer
// certificate (embedded or from the root's TSA chain) with EKU timeStamping chaining to a
// timestampAuthorities entry valid at genTime. Returns genTime.
//
// Parsing and the CMS/ESS/chain checks are OpenSSL's TS API (d2i_TS_RESP, TS_RESP_verify_signature
// with purpose timestampsign, so the TSA leaf's EKU must be timeStamping and critical). The chain
// is checked at genTime (X509_VERIFY_PARAM_set_time), so a TSA chain that has expired since is
// fine; the anchor is the last certificate of the TSA entry (PARTIAL_CHAIN). Tokens over 64 KiB,
// a status other than granted / grantedWithMods, an imprint hash other than SHA-256/384/512 or not
// equal to H(|signature|), and no TSA of |root| that covers genTime and verifies the token are
// kVerificationFailed with the reason. The leaf-validity check (formats.md 5.8 (e)) is the
// caller's. genTime is truncated to whole seconds.
Result<TimePoint> VerifyTimestamp(ByteView timestamp_der, ByteView signature,
                                  const TrustedRoot& root);

// VerifiedTimestamp is a verified genTime and the authority that vouched for it (an index into
// root.timestamp_authorities), so that thresholds count distinct TSAs.
struct VerifiedTimestamp {
  TimePoint time;
  size_t authority = 0;
};

// VerifyTimestampBy is VerifyTimestamp, also saying which TSA verified the token.
Result<VerifiedTimestamp> VerifyTimestampBy(ByteView timestamp_der, ByteView signature,
                                            const TrustedRoot& root);

}  // namespace vouch::verify::sigstore
