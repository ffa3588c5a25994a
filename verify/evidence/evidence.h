// Evidence: what is attached to one manifest, read once (private to verify). The collector turns
// registry objects into Evidence values, in every storage form cosign and Sigstore use:
//
//  * a Sigstore bundle referrer (referrers API, or the sha256-<hex> fallback index);
//  * a layer of cosign's `sha256-<hex>.sig` manifest (simple-signing payload + signature
//    annotation, and for keyless the certificate, chain and Rekor bundle annotations);
//  * a layer of cosign's `sha256-<hex>.att` manifest (a DSSE envelope);
//  * for the inventory only, a layer of a BuildKit attestation manifest stored in the image index
//    (a bare in-toto statement: unsigned, so never evidence for any requirement).
//
// A new evidence form (a Notation envelope) is one more reader in collect.cc and one more
// EvidenceForm; authorities (authority/) and requirements (requirements/) then see it like the
// others.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/notation.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/registry/client.h"

namespace vouch::verify::internal {

enum class EvidenceForm {
  kBundle,             // a Sigstore bundle referrer
  kLegacySignature,    // a `.sig` layer
  kLegacyAttestation,  // a `.att` layer
  // kBuildKitAttestation is an in-toto layer of a BuildKit attestation manifest: a statement
  // nobody signed. Collected only for the inventory (CollectOptions::buildkit); no authority
  // verifies it (Context::Verify refuses it) and no requirement counts it.
  kBuildKitAttestation,
  // kNotationSignature is a Notary Project signature referrer (artifactType
  // application/vnd.cncf.notary.signature): one JWS or COSE envelope layer. Read only when a
  // notation authority could count it (CollectOptions::wanted).
  kNotationSignature,
};

// kNotationSignatureArtifactType is the artifactType of a Notation signature referrer
// (formats.md section 8).
inline constexpr std::string_view kNotationSignatureArtifactType =
    attest::kNotationSignatureArtifactType;

// EvidenceKind is what an object claims to be, before anything is verified. It only routes
// objects to the requirements that can use them: a claim can keep an object from counting,
// never make it count (every counted object is verified, payload type included).
enum class EvidenceKind {
  kUnknown,      // not known yet (a bundle without a label that could not be read)
  kSignature,    // an image signature (cosign sign/v1 statement, or a simple-signing payload)
  kAttestation,  // an in-toto attestation of |claimed_type|
  kOther,        // neither (a message-signature bundle): never a candidate
};

// EvidenceState says how far an object was read.
enum class EvidenceState {
  kListed,      // listed only: no requirement can use what its label says it is
  kFetched,     // read; the fields below hold it
  kUnreadable,  // could not be read (missing, corrupt, oversized, malformed): |problem| says why
  kFailed,      // a lookup failed operationally: SubjectEvidence::status says why
  // kNotEvidence: read, and not evidence at all (a referrer whose entry named no artifact type
  // and whose manifest holds no bundle); CollectEvidence drops it before returning.
  kNotEvidence,
};

// Evidence is one signature or attestation object attached to a manifest.
struct Evidence {
  EvidenceForm form = EvidenceForm::kBundle;
  std::string location;  // "referrer sha256:…", "sha256-<hex>.sig layer N", "….att layer N"
  Digest subject = Digest::Of({});  // the manifest it is attached to
  Digest digest = Digest::Of({});   // its own digest: the referrer manifest's or the layer's
  EvidenceKind kind = EvidenceKind::kUnknown;
  // claimed_type is the predicate type it claims (a label, or the unverified payload); "" when
  // unknown. Used for routing and for listing, never trusted.
  std::string claimed_type;
  EvidenceState state = EvidenceState::kListed;
  std::string problem;  // kUnreadable: why

  std::optional<attest::Bundle> bundle;          // kBundle
  std::optional<attest::DsseEnvelope> envelope;  // kLegacyAttestation
  // payload is the simple-signing payload (kLegacySignature) or the bare in-toto statement
  // (kBuildKitAttestation).
  Bytes payload;
  std::string signature_b64;  // kLegacySignature: the signature annotation
  // kNotationSignature: the envelope's type; the envelope bytes are in |payload|.
  attest::NotationEnvelopeType notation_type = attest::NotationEnvelopeType::kJws;
  // repository is the repository the evidence was found in ("registry/path"): a Notation trust
  // policy selects its statement by it.
  std::string repository;
  // subject_media_type and subject_size describe the subject's manifest when the evaluation
  // knows them ("" and -1 otherwise): a Notation payload names the whole descriptor.
  std::string subject_media_type;
  int64_t subject_size = -1;
  // layer_annotations are a `.sig` / `.att` layer's annotations (the certificate, chain and Rekor
  // bundle of a certificate signature); empty for referrers.
  std::map<std::string, std::string> layer_annotations;
  // subject_content returns the bytes of |subject|'s manifest, fetched once per subject on first
  // use (thread-safe): only a statement naming the image in another algorithm than SHA-256 needs
  // them. It borrows the repository, so it is valid while the evaluation runs.
  std::function<Result<Bytes>()> subject_content;

  bool fetched() const { return state == EvidenceState::kFetched; }
  // is_signed is false for a form that carries no signature (kBuildKitAttestation): such an
  // object is listed, never verified, never counted.
  bool is_signed() const { return form != EvidenceForm::kBuildKitAttestation; }
  // FormatName is "bundle", "legacy", "buildkit" or "notation".
  std::string_view FormatName() const;
  // KindName is "signature", "attestation" or "unknown".
  std::string_view KindName() const;
};

// SubjectEvidence is everything found for one manifest.
struct SubjectEvidence {
  // where was looked: the referrers, the `.sig` tag, the `.att` tag (CollectOptions).
  bool referrers = false;
  bool sig_tag = false;
  bool att_tag = false;
  std::string referrers_scheme;  // "api", "fallback-tag", or "" when not listed
  std::vector<Evidence> objects;
  std::vector<std::string> lookup_errors;
  // status is the first operational failure (OK when every lookup worked).
  Status status = OkStatus();
};

// CollectOptions says where to look and what to read.
struct CollectOptions {
  bool referrers = true;  // list referrers (bundles)
  bool sig_tag = false;   // read the `.sig` tag
  bool att_tag = false;   // read the `.att` tag
  // buildkit reads the BuildKit attestation manifests passed to CollectEvidence (the inventory
  // only: they are never evidence).
  bool buildkit = false;
  // wanted decides, from what the listing says an object is (form, kind, claimed type), whether
  // it is read; null reads everything.
  std::function<bool(const Evidence&)> wanted;
  int parallelism = 8;
};

// CollectEvidence lists referrers of |subject| and, when asked, the `.sig` and `.att` tags and
// the BuildKit attestation manifests |attestation_manifests| (index entries describing
// |subject|, registry::AttestationManifestSubject), all in parallel, then reads the wanted
// objects in parallel. An object that cannot be read is kUnreadable with its problem (it cannot
// count); a lookup that fails operationally (network, 5xx, throttling, credentials) is recorded
// in |lookup_errors| and |status|, never as "nothing attached".
SubjectEvidence CollectEvidence(
    registry::Repository& repo, const Digest& subject, const CollectOptions& options,
    const std::vector<registry::Descriptor>& attestation_manifests = {});

// ReadsReferrerEntry reports whether the collector reads the referrer |entry| of a referrers
// listing as a Sigstore bundle: its artifactType is a bundle media type, or names nothing
// (registry::IsUnnamedArtifactType: the manifest then decides, HoldsBundle). A Notation
// signature is read as kNotationSignature instead; a referrer of any other artifact type (an
// SBOM) is not evidence and is never fetched.
// `vouch tree` says what the engine reads by these two rules.
bool ReadsReferrerEntry(const registry::Descriptor& entry);

// HoldsBundle reports whether a referrer manifest holds a Sigstore bundle by the reader rule of
// formats.md 4.3: its artifactType, its config media type or a layer media type is a bundle
// media type.
bool HoldsBundle(std::string_view artifact_type, std::string_view config_media_type,
                 const std::vector<registry::Descriptor>& layers);

// RunParallel calls fn(0..count-1) on at most |parallelism| threads and waits for all.
void RunParallel(size_t count, int parallelism, const std::function<void(size_t)>& fn);

// UnsignedError is what verifying an unsigned form (Evidence::is_signed false) comes to:
// kVerificationFailed naming the object.
Status UnsignedError(const Evidence& e);

// IsEvidenceProblem tells failures that describe an evidence object (missing, corrupt,
// oversized, malformed: it does not count) from operational failures (the registry could not
// be asked: the verdict is "could not check", never "unsigned").
bool IsEvidenceProblem(const Status& s);

}  // namespace vouch::verify::internal
