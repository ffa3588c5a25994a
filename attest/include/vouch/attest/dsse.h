// DSSE v1 envelopes: the signed wrapper around in-toto statements and other typed payloads.
//
// Spec: https://github.com/secure-systems-lab/dsse (protocol.md, envelope.md, v1.0.2).
// A DSSE signature is computed over PAE(payloadType, payload), never over the JSON envelope, so
// the JSON may be re-encoded freely; the payload bytes are kept exactly as received.
//
// Wire form vouch writes (field order as go-securesystemslib's dsse.Envelope, which is what
// cosign writes; sigstore-js writes payload first and omits an empty keyid; readers ignore order):
//
//   {"payloadType":"<type>","payload":"<std b64>","signatures":[{"keyid":"<hint>","sig":"<b64>"}]}
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::attest {

// kInTotoPayloadType is the DSSE payloadType of an in-toto Statement (any _type version).
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";

// kDsseEnvelopeMediaType is the OCI layer media type of a DSSE envelope blob (cosign `.att`).
inline constexpr std::string_view kDsseEnvelopeMediaType = "application/vnd.dsse.envelope.v1+json";

// kCosignPredicateTypeAnnotation is the annotation of a cosign `.att` layer naming the
// statement's predicate type (unsigned: a label for routing, never trusted).
inline constexpr std::string_view kCosignPredicateTypeAnnotation = "predicateType";

// kMaxEnvelopeSize caps the JSON text ParseEnvelope accepts (128 MiB).
inline constexpr size_t kMaxEnvelopeSize = size_t{128} << 20;

// kMaxEnvelopeSignatures caps the number of signatures in an envelope, parsed or signed.
inline constexpr size_t kMaxEnvelopeSignatures = 16;

// DsseSignature is one entry of an envelope's "signatures" array.
struct DsseSignature {
  // keyid is an unauthenticated hint naming the signing key; "" when unset. Never trust it:
  // VerifyEnvelope ignores it and tries every trusted key.
  std::string keyid;
  // sig is the raw signature (DER for ECDSA, as cosign and Sigstore write it).
  Bytes sig;

  friend bool operator==(const DsseSignature&, const DsseSignature&) = default;
};

// DsseEnvelope is a parsed DSSE v1 JSON envelope. |payload| holds the exact decoded payload
// bytes: hash and parse those, never a re-serialization.
struct DsseEnvelope {
  std::string payload_type;
  Bytes payload;
  std::vector<DsseSignature> signatures;

  friend bool operator==(const DsseEnvelope&, const DsseEnvelope&) = default;
};

// Pae returns the DSSE v1 Pre-Authentication Encoding of |payload_type| and |payload|:
//
//   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//
// where SP is 0x20 and LEN is the byte length in ASCII decimal without leading zeros. The type
// is taken as bytes (UTF-8), so LEN counts bytes, not characters. This is what gets signed.
Bytes Pae(std::string_view payload_type, ByteView payload);

// ParseEnvelope parses a DSSE JSON envelope.
//
// Rules (envelope.md "Parsing rules", plus vouch's bounds):
//  * the document is a JSON object with a string "payloadType", a string "payload" and a
//    non-empty array "signatures" of objects, each with a string "sig"; "keyid" is optional
//    (absent or null means ""), and must be a string when present;
//  * "payload" and "sig" are base64, standard or URL-safe alphabet (not mixed), padding optional,
//    anything else (whitespace, stray characters, non-zero trailing bits) is rejected;
//  * unknown fields are ignored.
// Malformed input is kInvalidArgument naming the field. Text longer than kMaxEnvelopeSize, or more
// than kMaxEnvelopeSignatures signatures, is kResourceExhausted. Duplicate JSON keys are resolved
// by the JSON layer (last one wins); the payload that is verified is the one returned.
Result<DsseEnvelope> ParseEnvelope(std::string_view json);

// SerializeEnvelope returns compact JSON in the field order documented at the top of this file,
// with standard padded base64 and "keyid" always present (cosign writes "" when there is none).
// ParseEnvelope(SerializeEnvelope(e)) == e for every envelope ParseEnvelope accepts.
std::string SerializeEnvelope(const DsseEnvelope& envelope);

// EnvelopeSigner pairs a borrowed signing key with the keyid hint written next to its signature.
struct EnvelopeSigner {
  // signer must be non-null and outlive the SignEnvelope call; it is not owned.
  const keys::Signer* signer = nullptr;
  // keyid is written verbatim into the envelope; "" (the default) is what cosign writes.
  std::string keyid;
};

// SignEnvelope signs PAE(|payload_type|, |payload|) with every signer, in order, and returns the
// envelope holding one signature per signer. An empty signer list, a null signer, or more than
// kMaxEnvelopeSignatures signers is kInvalidArgument; a signer failure is returned unchanged.
Result<DsseEnvelope> SignEnvelope(std::string_view payload_type, ByteView payload,
                                  std::span<const EnvelopeSigner> signers);

// SignEnvelope signs with a single key; shorthand for the list form.
Result<DsseEnvelope> SignEnvelope(std::string_view payload_type, ByteView payload,
                                  const keys::Signer& signer, std::string keyid = "");

// VerifyEnvelope checks that at least |threshold| distinct trusted keys signed |envelope|.
//
// Every signature is tried against every trusted key over PAE(payload_type, payload) with the
// key's default scheme; keyid hints are ignored. A key counts once however many signatures it
// made, and a signature is credited to at most one key. Keys are distinct by Verifier::KeyId(),
// so listing the same key twice does not raise the count.
//
// OK when the count reaches |threshold|. Otherwise kVerificationFailed with a message naming how
// many distinct keys verified and how many were required. A |threshold| of 0, an empty
// |verifiers| list, or a |threshold| above the number of distinct trusted keys is
// kInvalidArgument (a policy that can never be met is a configuration error). An envelope with no
// signatures, or more than kMaxEnvelopeSignatures, is kVerificationFailed.
//
// After OK, use envelope.payload (the verified bytes) directly; do not re-parse the JSON.
Status VerifyEnvelope(const DsseEnvelope& envelope, std::span<const keys::Verifier> verifiers,
                      size_t threshold = 1);

}  // namespace vouch::attest
