// The signed content of a certificate-signed cosign layer, shared by the keyless and x509
// authorities (private to verify): which bytes were signed and how the Rekor body binds them.
#pragma once

#include "authority/authority.h"
#include "sigstore/tlog.h"

namespace vouch::verify::internal {

// LayerContent is a `.sig` or `.att` layer's signed message and the content its Rekor entry must
// bind.
struct LayerContent {
  Bytes message;  // the `.sig` payload, or the `.att` envelope's PAE
  sigstore::SignedContent content;
  Bytes payload;  // what was signed, for Verified::payload
};

// ReadLayerContent reads a legacy layer's signature (the annotation of a `.sig` layer, the one
// DSSE signature of an `.att` envelope). A layer without a certificate annotation is
// kVerificationFailed: it is key-signed.
Result<LayerContent> ReadLayerContent(const Evidence& evidence);

}  // namespace vouch::verify::internal
