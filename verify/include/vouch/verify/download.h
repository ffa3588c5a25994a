// `vouch download signature|attestation|sbom IMAGE`: what is attached to an image, as stored
// (cosign download). Nothing is verified: these are the raw objects, for other tools and for
// people; `vouch verify` is what decides whether any of them counts.
#pragma once

#include <string>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::verify {

// DownloadKind selects signatures or attestations.
enum class DownloadKind { kSignature, kAttestation };

// Downloaded is one stored object, in the form cosign's `download` prints it.
struct Downloaded {
  std::string format;          // "bundle", "legacy" or "notation"
  std::string location;        // "referrer sha256:…", "sha256-<hex>.sig layer N", ...
  std::string predicate_type;  // claimed (unverified); "" for a simple-signing signature
  // document is one line of JSON: a bundle as stored; a `.att` layer's DSSE envelope as stored;
  // a `.sig` layer as cosign prints it ({"Base64Signature", "Payload" (base64), "Cert",
  // "Chain", "Bundle", "RFC3161Timestamp"}, nulls where the layer has none); a Notation
  // signature as {"mediaType", "envelope" (base64)}.
  std::string document;
};

// DownloadResult is everything of one kind attached to the image's digest.
struct DownloadResult {
  Digest digest = Digest::Of({});
  std::vector<Downloaded> objects;
};

// DownloadAttachments resolves the image and reads every signature (or attestation) attached to
// its digest in image.attachments(): referrers (Sigstore bundles, Notation signatures) and the
// `.sig` (or `.att`) tag. With |predicate_type| non-empty only attestations claiming that type
// are kept. An object that cannot be read (corrupt, oversized) and a lookup that fails are
// errors (kDataLoss..., kUnavailable): a download never silently leaves one out. An image with
// nothing attached is an empty result, not an error.
Result<DownloadResult> DownloadAttachments(registry::Repository& image, DownloadKind kind,
                                           const std::string& predicate_type = "");

// DownloadSbom returns the SBOM cosign attached to the image (the only layer of its `.sbom`
// tag, bytes as stored). kNotFound when the image has none.
Result<Bytes> DownloadSbom(registry::Repository& image);

}  // namespace vouch::verify
