// Verifying one cosign simple-signing signature outside a registry: a payload and its signature
// annotation, or a containers/image "sigstore attachment" file (formats.md 3.3). Image
// verification itself goes through the engine (vouch/verify/engine.h); these are for signatures
// that arrive as files.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "vouch/attest/simple_signing.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::verify {

// VerifySimpleSigning checks one legacy signature: |signature_b64| (the
// dev.cosignproject.cosign/signature annotation, std base64; line breaks ignored as Go does)
// over the exact |payload| bytes with |key|, then the payload: critical.type is
// kCosignSignatureType, docker-manifest-digest equals |expected|, every |required_annotations|
// entry is in `optional`, and, when |expected_identity| is not empty, critical.identity's
// docker-reference names that repository (the reference's tag or digest, if any, must match
// too; a payload reference without them matches any tag of the repository).
//
// OK only when all hold; otherwise kVerificationFailed naming the first failed check.
Status VerifySimpleSigning(ByteView payload, std::string_view signature_b64,
                           const keys::Verifier& key, const Digest& expected,
                           const std::map<std::string, std::string>& required_annotations = {},
                           std::string_view expected_identity = "");

// VerifySigstoreAttachment checks a containers/image sigstore attachment (one signature layer
// read from a "signature-N" file, vouch/attest/simple_signing.h): its mimeType must be the
// simple-signing media type (else kVerificationFailed, "not a signature"), it must carry the
// signature annotation, and VerifySimpleSigning must accept it.
Status VerifySigstoreAttachment(const attest::SigstoreAttachment& attachment,
                                const keys::Verifier& key, const Digest& expected,
                                const std::map<std::string, std::string>& required_annotations = {},
                                std::string_view expected_identity = "");

}  // namespace vouch::verify
