// `vouch attach signature|attestation`: store a signature or an attestation made elsewhere (an
// HSM ceremony, another tool, an air-gapped signer) where `vouch sign` / `vouch attest` would
// have put it, as `cosign attach` does. Nothing is verified here (there is no key to verify
// with); what is checked is that the object is well formed and about this image, so that a
// mistaken file is refused before it is pushed instead of failing every verification later.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"
#include "vouch/registry/tag_update.h"

namespace vouch::sign {

// GenerateSignaturePayload resolves the image and returns the simple-signing payload `vouch sign
// --format legacy` would sign for it, with |annotations| (cosign generate): sign it elsewhere,
// then `vouch attach signature`.
Result<std::string> GenerateSignaturePayload(registry::Repository& image,
                                             const std::map<std::string, std::string>& annotations);

// AttachSignatureRequest is a cosign-style detached image signature (`cosign generate` payload,
// signed elsewhere).
struct AttachSignatureRequest {
  // payload is the simple-signing payload as signed (exact bytes).
  Bytes payload;
  // signature_b64 is the signature over |payload| in standard base64 (a `sign-blob` output file;
  // surrounding whitespace is ignored).
  std::string signature_b64;
  // certificate_pem and chain_pem, for a certificate signature, go to the layer's
  // dev.sigstore.cosign/certificate and /chain annotations ("" leaves them out).
  std::string certificate_pem;
  std::string chain_pem;
  registry::TagUpdateOptions tag_update;
};

// AttachResult says what was stored.
struct AttachResult {
  Digest digest = Digest::Of({});  // the image's
  std::string location;            // "tag sha256-<hex>.sig" or "referrer sha256:…"
  std::string predicate_type;      // of an attestation (or cosign's sign/v1 for a bundle signature)
  bool written = false;            // false when the same object was there already
};

// AttachSignature appends |request| as a layer of the image's `sha256-<hex>.sig` tag in
// image.attachments() (AppendTaggedLayer: race-safe, idempotent). kInvalidArgument when the
// payload is not a simple-signing payload, names another digest than the image's, or the
// signature is not base64.
Result<AttachResult> AttachSignature(registry::Repository& image,
                                     const AttachSignatureRequest& request);

// AttachSignatureBundle stores a Sigstore bundle of a cosign sign/v1 statement about the image
// (`vouch sign`'s default form) as a bundle referrer. kInvalidArgument when it is not one
// (another predicate type is an attestation: AttachAttestations).
Result<AttachResult> AttachSignatureBundle(registry::Repository& image, ByteView bundle,
                                           const Clock* clock = nullptr);

// AttachAttestations stores each of |documents|: a DSSE envelope (in-toto payload) as a layer of
// the image's `sha256-<hex>.att` tag, as cosign attach attestation does, or a Sigstore bundle
// whose DSSE envelope holds the statement as a bundle referrer of the image (`vouch attest`'s
// default form). Every document is checked before any is pushed, so a bad one attaches none:
// kInvalidArgument when a document is neither form, its statement does not name the image's
// digest as a subject, or a bundle holds a message signature (a blob signature). The image is
// resolved once. Returns one result per document, in order.
Result<std::vector<AttachResult>> AttachAttestations(
    registry::Repository& image, const std::vector<ByteView>& documents,
    const registry::TagUpdateOptions& tag_update = {}, const Clock* clock = nullptr);

}  // namespace vouch::sign
