// OCI image objects (image-spec manifest.md, image-index.md, descriptor.md) as far as the client
// needs them: descriptors, platforms, and a parsed view of manifests and indexes. Parsing never
// re-serializes: callers keep the exact bytes they received for hashing and pushing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::registry {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciEmpty = "application/vnd.oci.empty.v1+json";
// kManifestAccept is the Accept header for every manifest request: all four types (formats.md
// pitfall 1: without them distribution 404s OCI content or serves a list's amd64 child).
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// IsIndexMediaType: OCI index or Docker manifest list. IsManifestMediaType: OCI or Docker
// image manifest.
bool IsIndexMediaType(std::string_view media_type);
bool IsManifestMediaType(std::string_view media_type);

// Platform is an index entry's platform.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;

  // ToString returns "os/arch[/variant]".
  std::string ToString() const;
};

// ParsePlatform parses "os/arch[/variant]" (--platform). Anything else is kInvalidArgument.
Result<Platform> ParsePlatform(std::string_view text);

// PlatformMatches reports whether an index entry's |have| satisfies the requested |want|
// (os and architecture equal; the variant too when |want| names one; arm64 without a variant
// matches v8).
bool PlatformMatches(const Platform& want, const Platform& have);

// Descriptor points at content by media type, digest and size (descriptor.md).
struct Descriptor {
  std::string media_type;
  Digest digest = Digest::Of({});
  int64_t size = 0;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
  std::vector<std::string> urls;
  // data is the decoded "data" field when present (checked against digest and size).
  std::optional<Bytes> data;
};

// IsPlatformImage reports whether the index entry |entry| is one of the index's images: false
// for the attestation manifests BuildKit stores under platform unknown/unknown (os or
// architecture "unknown"); an entry without a platform counts as an image. The one home of this
// rule: signing with --recursive, verifying --all-platforms or a policy's platforms "all",
// inspect, and --platform selection all ask it.
bool IsPlatformImage(const Descriptor& entry);

// BuildKit stores the attestations of an image inside its index (formats.md section 2): an entry
// with platform unknown/unknown and the annotations kDockerReferenceTypeAnnotation =
// kAttestationManifestType and kDockerReferenceDigestAnnotation = <digest of the image it
// describes>. Its manifest's layers are bare (unsigned) in-toto statements, media type
// application/vnd.in-toto+json, each labelled with its predicate type by
// kInTotoPredicateTypeAnnotation.
inline constexpr std::string_view kDockerReferenceTypeAnnotation = "vnd.docker.reference.type";
inline constexpr std::string_view kDockerReferenceDigestAnnotation = "vnd.docker.reference.digest";
inline constexpr std::string_view kAttestationManifestType = "attestation-manifest";
inline constexpr std::string_view kInTotoPredicateTypeAnnotation = "in-toto.io/predicate-type";

// AttestationManifestSubject returns the digest of the image that the index entry |entry|, a
// BuildKit attestation manifest, describes; nullopt when |entry| is not an attestation manifest
// or its reference digest does not parse. The one home of this rule: `vouch tree` and the
// inventory of `vouch inspect` ask it.
std::optional<Digest> AttestationManifestSubject(const Descriptor& entry);

// ManifestView is a parsed manifest or index. It keeps only what the client reads.
struct ManifestView {
  std::string media_type;  // from the document, else from the Content-Type it came with
  std::string artifact_type;
  bool is_index = false;
  std::optional<Descriptor> config;       // manifests
  std::vector<Descriptor> layers;         // manifests
  std::vector<Descriptor> manifests;      // indexes
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;

  // EffectiveArtifactType is artifactType, else config.mediaType (the referrers rule).
  std::string EffectiveArtifactType() const;
};

// IsUnnamedArtifactType reports whether |artifact_type|, as a referrers listing or a fallback
// index entry gives it, says nothing about what the referrer is: empty, or kOciEmpty (what a
// writer derives from an artifact manifest's empty config when it reads no artifactType).
// Readers then decide from the referrer manifest itself, as cosign and sigstore-go do.
bool IsUnnamedArtifactType(std::string_view artifact_type);

// ParseManifest parses |bytes| as an image manifest or index. |content_type| (may be empty) is
// used when the document has no mediaType and must agree with it when both are present.
// Malformed documents — bad JSON, schemaVersion != 2, invalid descriptors (bad digest, negative
// size, bad media type grammar, data not matching), wrong field types — are kDataLoss, because
// they arrive from a registry and mean the content is not what a manifest must be. Docker
// schema 1 is rejected (kUnimplemented).
Result<ManifestView> ParseManifest(ByteView bytes, std::string_view content_type);

// ValidateDescriptorJson checks one descriptor document (used by the image-spec conformance
// suite); same error codes as ParseManifest.
Result<Descriptor> ParseDescriptorJson(ByteView bytes);

// IsValidMediaType checks the RFC 6838 grammar the image-spec schema uses.
bool IsValidMediaType(std::string_view media_type);

// DescriptorToJson renders a descriptor as compact JSON (for indexes vouch writes).
std::string DescriptorToJson(const Descriptor& d);

// EmptyIndex returns the bytes of an OCI index with no manifests.
std::string EmptyIndexJson();

}  // namespace vouch::registry
