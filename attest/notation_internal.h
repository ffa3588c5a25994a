// Internals shared by notation.cc, notation_jws.cc and notation_cose.cc. Not public API; the
// envelope test reaches the COSE encoder through it (the conformance vector has no x5chain).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/notation.h"

namespace vouch::attest::internal {

// Header names shared by both envelopes (JWS keys; COSE text labels).
inline constexpr std::string_view kHeaderSigningScheme = "io.cncf.notary.signingScheme";
inline constexpr std::string_view kHeaderSigningTime = "io.cncf.notary.signingTime";
inline constexpr std::string_view kHeaderAuthenticSigningTime =
    "io.cncf.notary.authenticSigningTime";
inline constexpr std::string_view kHeaderExpiry = "io.cncf.notary.expiry";
inline constexpr std::string_view kHeaderTimestamp = "io.cncf.notary.timestampSignature";
inline constexpr std::string_view kHeaderSigningAgent = "io.cncf.notary.signingAgent";

// AlgorithmInfo binds a Notation algorithm to its key, its names and how vouch computes it.
struct AlgorithmInfo {
  NotationAlgorithm alg;
  std::string_view jws_name;
  int64_t cose_label;
  keys::KeyAlgorithm key;
  keys::SignatureScheme scheme;
  size_t ecdsa_coordinate_size;  // bytes of r and of s; 0 for RSA
  HashAlgorithm hash;            // the signature's hash, also a blob target's digest
};
const AlgorithmInfo& Info(NotationAlgorithm alg);
const AlgorithmInfo* FindJwsAlgorithm(std::string_view name);
const AlgorithmInfo* FindCoseAlgorithm(int64_t label);

// Malformed is the kVerificationFailed of a broken rule: "<envelope>: <rule>".
Status Malformed(NotationEnvelopeType type, const std::string& rule);

// HeaderFacts is what both parsers extract about the protected header before the shared rules
// run: which names are present and what crit lists. Integer COSE labels appear as "label N".
struct HeaderFacts {
  std::set<std::string> present;
  std::vector<std::string> crit;
  bool has_crit = false;
};

// CheckHeaderRules applies the rules the envelope specifications share: crit non-empty, without
// duplicates, naming only present headers among signingScheme, authenticSigningTime, expiry and
// the extended attributes, and listing the first three when present; exactly the scheme's time
// header; cty. Marks critical extended attributes in |env|.
Status CheckHeaderRules(const HeaderFacts& facts, NotationEnvelope& env);

// CheckChainSize enforces 1..kMaxNotationChainLength certificates.
Status CheckChainSize(NotationEnvelopeType type, size_t n);

// RawSignFn signs the envelope's signed bytes and returns the raw (JWS/COSE) signature.
using RawSignFn = std::function<Result<Bytes>(ByteView signed_bytes)>;

// CheckSignRequest validates what both encoders need (scheme, extended keys, chain size).
Status CheckSignRequest(const NotationSignRequest& request,
                        const std::set<std::string_view>& reserved);

// WholeSeconds returns |t| as whole seconds since the epoch (floored).
int64_t WholeSeconds(TimePoint t);

Result<NotationEnvelope> ParseJws(ByteView data);
Result<Bytes> SignJws(const NotationSignRequest& request, NotationAlgorithm alg,
                      const RawSignFn& sign);

Result<NotationEnvelope> ParseCose(ByteView data);
Result<Bytes> SignCose(const NotationSignRequest& request, NotationAlgorithm alg,
                       const RawSignFn& sign);

// The COSE encoder's parts, in the order SignCose uses them.
// EncodeCoseProtected returns the protected header map (deterministic key order: RFC 8949
// section 4.2.1, as go-cose writes it).
Result<Bytes> EncodeCoseProtected(const NotationSignRequest& request, NotationAlgorithm alg);
// CoseSigStructure returns Sig_structure ["Signature1", protected, h'', payload].
Result<Bytes> CoseSigStructure(ByteView protected_header, ByteView payload);
// CoseUnprotected is the unprotected header; empty members are left out (an empty chain only in
// the conformance test).
struct CoseUnprotected {
  std::vector<Bytes> certificate_chain;
  Bytes timestamp_token;
  std::string signing_agent;
};
// EncodeCoseSign1 returns COSE_Sign1_Tagged.
Result<Bytes> EncodeCoseSign1(ByteView protected_header, const CoseUnprotected& unprotected,
                              ByteView payload, ByteView signature);

}  // namespace vouch::attest::internal
