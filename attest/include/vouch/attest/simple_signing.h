// cosign's legacy image signature payload ("simple signing", formats.md section 3.3) and the
// containers/image "sigstore attachment" file that carries one signature layer (section 3.6).
//
// The payload is what `cosign sign` (v1/v2) signs and stores as a layer of the
// `sha256-<hex>.sig` manifest:
//
//   {"critical":{"identity":{"docker-reference":"<repo>"},"image":{"docker-manifest-digest":
//    "sha256:<hex>"},"type":"cosign container image signature"},"optional":null}
//
// vouch writes it byte for byte as Go's json.Marshal does (struct field order, compact, `<`, `>`,
// `&` escaped as \u003c, \u003e, \u0026, `optional` null without annotations, else an object
// with sorted keys). Verifiers check the signature over the exact blob bytes and never
// re-serialize.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::attest {

// kSimpleSigningMediaType is the layer media type (and attachment mimeType) of a payload.
inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
// kCosignSignatureAnnotation is the layer annotation holding the std base64 signature.
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";
// A keyless `.sig` layer's certificate material (formats.md 3.2): the signing certificate, its
// chain (PEM, leaf-most first) and the Rekor bundle JSON.
inline constexpr std::string_view kCosignCertificateAnnotation = "dev.sigstore.cosign/certificate";
inline constexpr std::string_view kCosignChainAnnotation = "dev.sigstore.cosign/chain";
inline constexpr std::string_view kCosignRekorBundleAnnotation = "dev.sigstore.cosign/bundle";
// kCosignSignatureType is critical.type of a cosign image signature.
inline constexpr std::string_view kCosignSignatureType = "cosign container image signature";
// kMaxSimpleSigningPayloadSize caps a payload vouch parses or downloads (real ones are < 1 KiB;
// cosign's own cap is 128 MiB, which no honest signature needs).
inline constexpr size_t kMaxSimpleSigningPayloadSize = 4 << 20;

// SimpleSigningPayload is a parsed payload.
struct SimpleSigningPayload {
  std::string type;                // critical.type
  std::string docker_reference;    // critical.identity.docker-reference
  std::string manifest_digest;     // critical.image.docker-manifest-digest, as written
  // optional_null is true when `optional` is null or absent.
  bool optional_null = true;
  // annotations holds the string members of `optional`. Members with other JSON types (e.g.
  // containers/image's numeric "timestamp") are left out, so they never satisfy a required
  // annotation, as in cosign, whose comparison is between strings.
  std::map<std::string, std::string> annotations;
};

// GoJsonString returns |s| as a JSON string literal exactly as Go's encoding/json writes it:
// `"` and `\` escaped, \n \r \t \b \f short escapes (Go 1.22+), other control characters and
// `<`, `>`, `&`, U+2028, U+2029 as \u00XX / \u2028 / \u2029, invalid UTF-8 bytes as \ufffd.
std::string GoJsonString(std::string_view s);

// MakeSimpleSigningPayload returns the payload bytes cosign v2 writes for |image| in the
// repository |docker_reference| (registry/repository without tag or digest), with |annotations|
// (the `-a key=value` flags) in `optional`, or `optional: null` when there are none.
std::string MakeSimpleSigningPayload(std::string_view docker_reference, const Digest& image,
                                     const std::map<std::string, std::string>& annotations);

// ParseSimpleSigningPayload parses payload bytes (typically a downloaded blob). It checks the
// structure only: critical is an object with string type, identity.docker-reference and
// image.docker-manifest-digest; optional is null, absent or an object. It does not check the
// type or the digest (VerifySimpleSigning in vouch/verify/image.h does). Larger than
// kMaxSimpleSigningPayloadSize is kResourceExhausted; anything else malformed is
// kInvalidArgument naming the field.
Result<SimpleSigningPayload> ParseSimpleSigningPayload(ByteView payload);

// SigstoreAttachment is one signature layer as containers/image stores it in a file
// ("signature-N" next to a copied image): the layer's media type, its blob and its annotations.
struct SigstoreAttachment {
  std::string mime_type;
  Bytes payload;
  std::map<std::string, std::string> annotations;
};

// ParseSigstoreAttachment parses the file format: the byte 0x00, the text "sigstore-json\n",
// then the JSON object {"mimeType": string, "payload": std base64, "annotations": {string:
// string}}. A different prefix (e.g. a GPG signature file), invalid JSON, a missing or mistyped
// field, or bad base64 is kInvalidArgument. Unknown JSON fields are ignored.
Result<SigstoreAttachment> ParseSigstoreAttachment(ByteView file);

}  // namespace vouch::attest
