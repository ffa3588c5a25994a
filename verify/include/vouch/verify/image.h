// Verifying container image signatures made with keys (`vouch verify`), in both storage forms
// cosign uses (docs/image-signing.md, formats.md sections 3 and 4.3):
//
//  * bundle: Sigstore bundles attached as referrers (referrers API, or the sha256-<hex>
//    fallback index). A referrer is a candidate when its artifactType, config media type or
//    layer media type starts with "application/vnd.dev.sigstore.bundle". The bundle must hold a
//    DSSE envelope with payloadType application/vnd.in-toto+json whose signature (over PAE)
//    verifies with a trusted key, whose statement has predicateType
//    https://sigstore.dev/cosign/sign/v1 and a subject with exactly the image digest.
//    Statements with another predicate type are attestations: they are listed as "not a
//    signature" and never counted. Message-signature bundles are not what cosign writes for an
//    image and are listed as "not a signature" too.
//  * legacy: layers of the sha256-<hex>.sig manifest: a signature annotation over the payload
//    blob bytes, critical.type "cosign container image signature" and docker-manifest-digest
//    equal to the image digest.
//
// Both forms also require every requested annotation (`-a k=v`): in the statement subject's
// annotations, or in the payload's `optional` object.
//
// Errors are kept apart: a signature that fails a check is a finding (the image then fails with
// kVerificationFailed); a lookup that fails (registry unreachable, throttled, credentials
// refused) makes the image fail with that operational code and is never reported as "unsigned".
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vouch/attest/simple_signing.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/client.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify {

// SignatureForms selects which storage forms VerifyImage looks in.
enum class SignatureForms { kAll, kBundle, kLegacy };

// ParseSignatureForms maps "all", "bundle" and "legacy"; anything else is kInvalidArgument.
Result<SignatureForms> ParseSignatureForms(std::string_view name);

// VerifyImageRequest is the policy of one `vouch verify`.
struct VerifyImageRequest {
  // keys are the trusted public keys. Required unless |identities| is set; distinct by
  // Verifier::KeyId().
  std::vector<keys::Verifier> keys;
  // Keyless (Sigstore, docs/sigstore.md): with |identities| (and then no keys), signatures are
  // verified by certificate against |trusted_root| (required): bundle referrers with
  // VerifyBundle (the image digest is the DSSE subject), legacy `.sig` layers through their
  // dev.sigstore.cosign/certificate, /chain and /bundle annotations (Rekor SET = signing time).
  // A signature counts when its certificate matches any one identity; the threshold then counts
  // distinct signer identities ("<SAN> (<issuer>)").
  std::shared_ptr<const TrustedRoot> trusted_root;
  std::vector<CertificateIdentity> identities;
  // threshold is how many distinct trusted keys must have a valid signature (at least 1, at
  // most the number of distinct keys).
  size_t threshold = 1;
  // annotations must all be present with these exact values in a signature for it to count.
  std::map<std::string, std::string> annotations;
  // platform, for an index, verifies that platform's manifest instead of the index.
  std::optional<registry::Platform> platform;
  // all_platforms, for an index, requires the threshold for the index and for every platform
  // manifest (unknown/unknown attestation entries are skipped).
  bool all_platforms = false;
  SignatureForms forms = SignatureForms::kAll;
  // parallelism bounds the concurrent fetches of one image, and the images VerifyImages checks
  // at once.
  int parallelism = 8;
};

// SignatureFinding is one signature found for a manifest.
struct SignatureFinding {
  std::string format;    // "bundle" or "legacy"
  std::string location;  // "referrer sha256:…" or "sha256-<hex>.sig layer N"
  // key_id is the Verifier::KeyId() of the trusted key whose signature verified; "" when none.
  std::string key_id;
  // identity is the certificate signer ("<SAN> (<issuer>)") of a valid keyless signature; "" for
  // keys.
  std::string identity;
  bool valid = false;
  // reason says why the signature does not count ("" when valid).
  std::string reason;
};

// ManifestReport is the verdict for one manifest digest.
struct ManifestReport {
  Digest digest = Digest::Of({});
  std::string media_type;
  std::string platform;  // "os/arch[/variant]" for a platform manifest, else ""
  // referrers_scheme is "api" or "fallback-tag" (how referrers were listed), "" when the bundle
  // form was not consulted or its lookup failed.
  std::string referrers_scheme;
  std::vector<SignatureFinding> signatures;
  // valid_keys counts the distinct trusted keys (keyless: distinct signer identities) with at
  // least one valid signature.
  size_t valid_keys = 0;
  // lookup_errors are the operational failures met while looking (kept even when the
  // threshold was reached through the other form).
  std::vector<std::string> lookup_errors;
  // status is OK when valid_keys >= threshold; kVerificationFailed when the lookups all worked
  // and not enough keys verified; otherwise the first lookup failure's code.
  Status status = OkStatus();
};

// ImageReport is the verdict for one IMAGE argument.
struct ImageReport {
  std::string image;  // the reference as given
  // digest is what the reference resolved to (the index for multi-platform images, unless
  // --platform selected a child); unset when resolution failed.
  std::optional<Digest> digest;
  std::vector<ManifestReport> manifests;
  // status is OK only when every manifest report is OK. Otherwise the worst failure: an
  // operational code (resolution or lookup failed) wins over kVerificationFailed.
  Status status = OkStatus();
};

// VerifyImage verifies the image |repo|'s reference names. One resolution (HEAD), one referrers
// lookup and one `.sig` fetch per manifest, run in parallel, then the referrer manifests and
// blobs in parallel. Never throws; the verdict is in ImageReport::status (fails closed: only OK
// means verified). A request without keys (or identities), with both keys and identities,
// identities without a trusted root, with threshold 0 or (keys) above the number of distinct
// keys, or with both platform and all_platforms is kInvalidArgument.
ImageReport VerifyImage(registry::Repository& repo, const VerifyImageRequest& request);

// VerifyImages verifies every reference with one Client (shared connections and tokens),
// request.parallelism images at a time. Reports are in the order of |images|. A reference that
// does not open gets a report with that status.
std::vector<ImageReport> VerifyImages(registry::Client& client,
                                      const std::vector<registry::Reference>& images,
                                      const VerifyImageRequest& request);

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

// ReportToText renders reports for people; ReportsToJson renders the stable JSON documented in
// docs/image-signing.md.
std::string ReportsToText(const std::vector<ImageReport>& reports);
std::string ReportsToJson(const std::vector<ImageReport>& reports, size_t threshold);

}  // namespace vouch::verify
