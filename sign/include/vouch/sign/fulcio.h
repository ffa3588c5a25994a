// Fulcio client: trade an OIDC identity token and a proof of possession of a fresh key for a
// short-lived code-signing certificate (Fulcio API v2, POST /api/v2/signingCert).
#pragma once

#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/identity_token.h"
#include "vouch/sign/services.h"

namespace vouch::sign {

// kMaxFulcioReplySize caps Fulcio's reply (a chain of a few certificates).
inline constexpr uint64_t kMaxFulcioReplySize = 1 << 20;

// RequestSigningCertificate POSTs to <ca.url>/api/v2/signingCert:
//   {"credentials": {"oidcIdentityToken": "<jwt>"},
//    "publicKeyRequest": {"publicKey": {"algorithm": "ECDSA", "content": "<PEM SPKI>"},
//                         "proofOfPossession": "<std b64 signature of token.ChallengeSubject()>"}}
// (Content-Type application/json; the algorithm is ED25519 or RSA_PSS for those keys) and
// returns the chain from signedCertificateEmbeddedSct or signedCertificateDetachedSct
// (`chain.certificates`, PEM strings, at most keys::kMaxChainCertificates), as DER, leaf first.
// The leaf's public key must be |key|'s (else kUnavailable: Fulcio answered for another key).
//
// Errors name Fulcio's URL and never contain the token: transport failures keep their codes;
// HTTP 401/403 are kUnauthenticated/kPermissionDenied (with Fulcio's message); any other non-2xx
// or a reply that is not the documented JSON is kUnavailable.
Result<std::vector<Bytes>> RequestSigningCertificate(registry::Transport& transport,
                                                     const ServiceEndpoint& ca,
                                                     const IdentityToken& token,
                                                     const keys::Signer& key);

}  // namespace vouch::sign
