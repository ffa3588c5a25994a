// RFC 3161 timestamps (private to verify): formats.md 5.8.
#pragma once

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

// VerifyTimestamp checks one DER TimeStampResp (or bare TimeStampToken) over |signature| (the
// bundle's signature bytes): status granted, imprint = H(signature), CMS signature, signer
// certificate (embedded or from the root's TSA chain) with EKU timeStamping chaining to a
// timestampAuthorities entry valid at genTime. Returns genTime.
Result<TimePoint> VerifyTimestamp(ByteView timestamp_der, ByteView signature, const TrustedRoot& root);

}  // namespace vouch::verify::sigstore
