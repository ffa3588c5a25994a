// Transparency-log client: upload a signed bundle's content to a Rekor log and return the entry
// in the bundle's form (formats.md section 4.4, protobuf-specs TransparencyLogEntry).
//
// Rekor v1 (POST <url>/api/v1/log/entries): message signatures as `hashedrekord` 0.0.1
// ({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256",
// "value":hex}},"signature":{"content":b64,"publicKey":{"content":b64(PEM cert or key)}}}}), DSSE
// envelopes as `dsse` 0.0.1 ({"proposedContent":{"envelope":"<envelope JSON>","verifiers":
// [b64(PEM)]}}). The reply {"<uuid>": {body, integratedTime, logID, logIndex, verification:
// {signedEntryTimestamp, inclusionProof: {logIndex, rootHash hex, treeSize, hashes hex,
// checkpoint}}}} becomes a TlogEntry with inclusionPromise and inclusionProof.
//
// Rekor v2 (POST <url>/api/v2/log/entries): {"hashedRekordRequestV002": {"digest": b64,
// "signature": {"content": b64, "verifier": {...}}}} or {"dsseRequestV002": {"envelope": {...},
// "verifiers": [{...}]}}, verifier = {"keyDetails": "PKIX_ECDSA_P256_SHA_256", "x509Certificate":
// {"rawBytes": b64}} or {"publicKey": {"rawBytes": b64 SPKI}}; the reply is already a
// TransparencyLogEntry in protobuf JSON.
#pragma once

#include <string>

#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/services.h"

namespace vouch::sign {

// kMaxRekorReplySize caps a log's reply.
inline constexpr uint64_t kMaxRekorReplySize = 4 << 20;

// LogVerifier is the key material the log records beside the signature: the signer's leaf
// certificate (DER) when it has one, else its public key.
struct LogVerifier {
  const keys::Verifier* key = nullptr;  // borrowed; required (its SPKI and keyDetails)
  Bytes certificate;                    // DER leaf; empty for a key
};

// UploadToLog uploads |bundle|'s content (a message signature with its messageDigest, which must
// be SHA2_256 for v1 hashedrekord as Rekor v1 computes it, or a DSSE envelope) to |log| and
// returns the entry as the bundle records it: logIndex, logId.keyId, kindVersion, integratedTime,
// inclusionPromise (v1), inclusionProof with checkpoint, canonicalizedBody (TlogEntry::json in
// protobuf JSON; log_index, integrated_time, kind, kind_version filled). The reply is checked
// only for shape and for recording this content (its body decodes to the entry of this
// signature); the log's signatures are the verifier's job.
//
// Errors name the log URL: transport failures keep their codes; a 409 (entry exists) or other
// non-2xx, or a reply of the wrong shape, is kUnavailable; an api_version other than 1 or 2, or a
// message digest v1 cannot log, is kInvalidArgument.
Result<attest::TlogEntry> UploadToLog(registry::Transport& transport, const ServiceEndpoint& log,
                                      const attest::Bundle& bundle, const LogVerifier& verifier);

}  // namespace vouch::sign
