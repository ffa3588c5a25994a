// Signing container images with a key (`vouch sign`), in the two forms cosign uses
// (docs/image-signing.md, formats.md sections 3 and 4.3):
//
//  * kBundle (default, cosign v3): a Sigstore bundle v0.3 whose DSSE envelope holds the in-toto
//    statement cosign v3 signs (predicateType https://sigstore.dev/cosign/sign/v1, the image
//    digest as the only subject, `-a` annotations in the subject's annotations, predicate {}).
//    The bundle is the single layer of an artifact manifest whose subject is the image, pushed
//    by digest as a referrer (Repository::PushReferrer keeps the fallback index race-safe).
//    Each signing adds one immutable manifest, so concurrent signers never lose a signature.
//  * kLegacy (cosign v1/v2): the simple-signing payload (vouch/attest/simple_signing.h) as one
//    layer of the `sha256-<hex>.sig` manifest, the signature in the layer annotation
//    dev.cosignproject.cosign/signature, and cosign's config blob. The tag is a read-modify-write
//    shared by all signers; it goes through registry::UpdateTaggedManifest (If-Match plus a
//    confirming re-read), so concurrent signers do not lose signatures either.
//
// Both work on remote repositories and OCI layouts alike (sign offline, `vouch copy` later).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"
#include "vouch/registry/tag_update.h"
#include "vouch/sign/bundle_signer.h"

namespace vouch::sign {

// ImageSignatureFormat selects where and how an image signature is stored.
enum class ImageSignatureFormat {
  kBundle,  // Sigstore bundle referrer (cosign v3)
  kLegacy,  // simple-signing layer of the sha256-<hex>.sig tag (cosign v2)
  // Notary Project signature referrers (`notation sign`): a JWS or COSE envelope over the
  // payload {"targetArtifact": <the image's descriptor, -a annotations>}, signed with the key
  // of the certificate chain's leaf; artifactType application/vnd.cncf.notary.signature.
  kNotationJws,
  kNotationCose,
};

// ParseImageSignatureFormat maps "bundle", "legacy", "notation-jws" and "notation-cose";
// anything else is kInvalidArgument.
Result<ImageSignatureFormat> ParseImageSignatureFormat(std::string_view name);

// SignImageRequest describes one `vouch sign` operation on the image the repository's reference
// names.
struct SignImageRequest {
  // signer is the private key; borrowed, must outlive the call. Required unless bundle_signer
  // is set.
  const keys::Signer* signer = nullptr;
  // bundle_signer, when set, signs instead of |signer| (bundle_signer.h). One that witnesses
  // (keyless, a log, a TSA) needs format kBundle: kInvalidArgument otherwise. Borrowed.
  const BundleSigner* bundle_signer = nullptr;
  // annotations are the `-a key=value` pairs: subject annotations of the statement (bundle) or
  // the payload's `optional` object (legacy).
  std::map<std::string, std::string> annotations;
  // recursive also signs every platform manifest of an index (entries whose platform is
  // unknown/unknown, i.e. attestation manifests, are skipped).
  bool recursive = false;
  ImageSignatureFormat format = ImageSignatureFormat::kBundle;
  // clock supplies org.opencontainers.image.created of bundle referrers; null means the
  // system clock.
  const Clock* clock = nullptr;
  // tag_update bounds the legacy `.sig` tag update (tests shorten its waits).
  registry::TagUpdateOptions tag_update;
  // Notation formats: the certificate chain (DER, leaf first; the leaf's key must be
  // |signer|'s), the envelope's expiry, and an RFC 3161 timestamper of the signature bytes.
  std::vector<Bytes> certificate_chain;
  std::optional<TimePoint> expiry;
  std::function<Result<Bytes>(ByteView signature)> timestamper;
};

// SignedManifest reports one signed manifest.
struct SignedManifest {
  Digest digest = Digest::Of({});
  std::string media_type;
  // platform is "os/arch[/variant]" for an index child signed with --recursive, else "".
  std::string platform;
  // location is where the signature went: "referrer sha256:<manifest digest>" or
  // "tag sha256-<hex>.sig".
  std::string location;
  // bundle_json is the Sigstore bundle stored (format bundle), else "": its log entries and
  // timestamps are what the signing added.
  std::string bundle_json;
  // already_signed is true when a legacy layer with the same payload, verifying with the same
  // key, was already present, so nothing was added (idempotent signing).
  bool already_signed = false;
};

// SignImageResult lists every signed manifest, the top one first.
struct SignImageResult {
  std::vector<SignedManifest> manifests;
};

// SignImage resolves the repository's reference to a digest (one HEAD; a reference that names a
// digest is resolved too, which checks it exists), signs it, and stores the signature in the
// requested format; with |recursive| and an index, it does the same for every platform manifest.
// |repo| must have been opened with registry::Access::kPullPush; it is borrowed.
//
// Errors: no signer is kInvalidArgument; registry failures keep their codes (kNotFound for a
// missing image, kUnauthenticated, kPermissionDenied, kUnavailable, kDataLoss...); a `.sig` tag
// that holds something other than an image manifest is kFailedPrecondition; a lost tag race that
// outlasts the retries is kAborted. Signatures stored before a failure stay stored.
Result<SignImageResult> SignImage(registry::Repository& repo, const SignImageRequest& request);

// SignBundleReferrer signs |statement| (an in-toto statement) as a DSSE envelope with |signer|,
// seals it into a v0.3 bundle (BundleSigner::Seal: key hint or certificate, log entries,
// timestamps) and stores the bundle as a Sigstore bundle referrer of |subject|: the only layer
// of an artifact manifest (artifactType = the bundle media type, empty config, subject
// = |subject|, annotations dev.sigstore.bundle.content=dsse-envelope,
// dev.sigstore.bundle.predicateType=|predicate_type|, org.opencontainers.image.created from
// |clock|, the system clock when null). Shared by `vouch sign` and `vouch attest`. Returns
// where it went ("referrer sha256:<manifest digest>") and the bundle; registry failures keep
// their codes.
struct StoredBundle {
  std::string location;
  std::string bundle_json;
};
Result<StoredBundle> SignBundleReferrer(registry::Repository& repo,
                                        const registry::Descriptor& subject,
                                        const BundleSigner& signer, std::string_view statement,
                                        std::string_view predicate_type, const Clock* clock);

// PushBundleReferrer is SignBundleReferrer's storage step for a bundle already sealed (a DSSE
// bundle): the referrer manifest as described above. Referrers, like the cosign tags, are
// stored in Repository::attachments().
Result<std::string> PushBundleReferrer(registry::Repository& repo,
                                       const registry::Descriptor& subject,
                                       const attest::Bundle& bundle,
                                       std::string_view predicate_type, const Clock* clock);

// TaggedLayer is one layer to append to a cosign `sha256-<hex>.sig` or `.att` manifest.
struct TaggedLayer {
  std::string media_type;
  // blob is the layer's content (uploaded unless the repository has it).
  Bytes blob;
  std::map<std::string, std::string> annotations;
};

// AppendTaggedLayer uploads |layer|'s blob and appends the layer to the manifest tagged |tag|
// (created when missing) in the image's attachment repository (Repository::attachments(): beside
// the image unless --attachment-repository / COSIGN_REPOSITORY names another) with
// registry::AppendCosignLayers (cosign's config blob rebuilt), through
// registry::UpdateTaggedManifest so concurrent writers do not lose layers. |present|, when set,
// tells whether a manifest already holds this layer: a current manifest for which it is true is
// left alone (idempotent writes), and it confirms the write after the PUT; when null a layer with
// the same blob digest and the same annotations counts.
// Returns whether a layer was written. Errors as SignImage's legacy form.
Result<bool> AppendTaggedLayer(registry::Repository& repo, std::string_view tag,
                               const TaggedLayer& layer,
                               const std::function<bool(const registry::Manifest&)>& present,
                               const registry::TagUpdateOptions& options);

// LegacySignatureTag returns cosign's signature tag for |image|: "sha256-<hex>.sig".
std::string LegacySignatureTag(const Digest& image);

}  // namespace vouch::sign
