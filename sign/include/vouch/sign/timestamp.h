// RFC 3161 timestamp client: asks a Time-Stamp Authority to countersign signature bytes, as
// `notation sign --timestamp-url` (and keyless signing's TSA step) does.
//
// The request is a DER TimeStampReq (RFC 3161 section 2.4.1: version 1, a SHA-256 messageImprint
// of the bytes, a random 64-bit nonce, certReq true) POSTed with Content-Type
// application/timestamp-query (RFC 3161 section 3.4). The reply is checked only for being the
// answer to this request: status granted (or grantedWithMods), the token's imprint and nonce
// equal to the request's. The TSA's signature and certificate chain are NOT verified here: that
// is the verifier's job, against the trust store the relying party chose.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/registry/transport.h"

namespace vouch::sign {

// kMaxTimestampReplySize caps a TSA's reply (a token with its chain is a few KiB).
inline constexpr uint64_t kMaxTimestampReplySize = 256 * 1024;

// Timestamper countersigns signature bytes: it returns a DER TimeStampToken (the CMS
// SignedData of RFC 3161 section 2.4.2) over them.
using Timestamper = std::function<Result<Bytes>(ByteView signature)>;

// RequestTimestamp asks the TSA at |url| (http:// or https://) through |transport| for a
// timestamp of |data| and returns the TimeStampToken (DER) from its TimeStampResp.
//
// Errors name the TSA's URL: a transport failure keeps the transport's code (kUnavailable for a
// refused connection, kDeadlineExceeded...); a non-2xx HTTP status, a reply that is not a DER
// TimeStampResp, a status other than granted, a missing token, or a token whose imprint or nonce
// is not this request's are kUnavailable (the service did not timestamp: an operational failure,
// not a verdict).
Result<Bytes> RequestTimestamp(registry::Transport& transport, const std::string& url,
                               ByteView data);

// RequestSignedTimestamp is RequestTimestamp that returns the whole TimeStampResp (DER), the form
// a Sigstore bundle records in timestampVerificationData.rfc3161Timestamps[].signedTimestamp.
// The same checks and errors as RequestTimestamp.
Result<Bytes> RequestSignedTimestamp(registry::Transport& transport, const std::string& url,
                                     ByteView data);

// NewTsaTimestamper returns a Timestamper that calls RequestTimestamp on |url| through
// |transport| (shared: it lives as long as the returned function).
Timestamper NewTsaTimestamper(std::shared_ptr<registry::Transport> transport, std::string url);

}  // namespace vouch::sign
