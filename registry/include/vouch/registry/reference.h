// Image references: where an image lives and which version of it is meant.
//
// Two forms are accepted (docs/registry.md):
//   [host[:port]/]repo[:tag][@sha256:<hex>]   a repository on a registry (distribution reference
//                                             grammar with Docker Hub normalization)
//   oci:PATH[:tag|@digest]                    an OCI image layout directory on disk
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::registry {

// kDockerHubDomain is the canonical domain of Docker Hub references ("ubuntu" means
// "docker.io/library/ubuntu:latest"); kDockerHubApiHost is the host that serves its API.
inline constexpr std::string_view kDockerHubDomain = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";

// Reference names one image. Exactly one of the two locations is meaningful: |layout_path| is set
// for oci: references, |registry| and |repository| otherwise.
struct Reference {
  // registry is the domain with an optional port ("ghcr.io", "127.0.0.1:5000", "docker.io").
  std::string registry;
  // repository is the path inside the registry ("library/ubuntu").
  std::string repository;
  // layout_path is the directory of an OCI image layout, for oci: references.
  std::optional<std::string> layout_path;
  // tag is the tag; "latest" when neither tag nor digest was given. Empty when only a digest was.
  std::string tag;
  // digest, when present, is what is fetched; the tag is then kept only for display.
  std::optional<Digest> digest;

  bool is_layout() const { return layout_path.has_value(); }
  // Identifier returns what to ask the registry for: the digest string if present, else the tag.
  std::string Identifier() const;
  // RepositoryName returns "registry/repository" (or "oci:PATH" for a layout): the image's name
  // without tag or digest, as used for identity checks and messages.
  std::string RepositoryName() const;
  // ToString returns the canonical form "docker.io/library/busybox:latest[@sha256:…]".
  std::string ToString() const;
  // WithDigest returns a copy naming |d| (the tag is kept for display).
  Reference WithDigest(const Digest& d) const;
  // WithTag returns a copy naming |tag| with no digest.
  Reference WithTag(std::string tag) const;
  // SameRepository reports whether both name the same repository (or the same layout).
  bool SameRepository(const Reference& other) const;
};

// ParseReference parses either form. Malformed references (bad characters, uppercase in the
// path, tag longer than 128, unsupported digest, name over 255 chars, empty parts) are
// kInvalidArgument with a message naming the problem.
Result<Reference> ParseReference(std::string_view text);

// ApiHost returns the host[:port] that serves |registry|'s API (Docker Hub's is
// registry-1.docker.io; every other registry serves itself).
std::string ApiHost(std::string_view registry);

// IsLoopbackHost reports whether host[:port] is localhost, 127.0.0.0/8 or ::1 (with or without
// brackets). Only such hosts, or hosts the user names as insecure, may be spoken to over HTTP.
bool IsLoopbackHost(std::string_view host_port);

// IsValidTag reports whether |tag| matches [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
bool IsValidTag(std::string_view tag);

// FallbackTag returns the referrers tag schema's tag for |subject|: "sha256-<hex>"
// (distribution-spec "Referrers Tag Schema").
std::string FallbackTag(const Digest& subject);

// CosignAttachment names what cosign stores under a tag derived from the subject digest
// (formats.md 3.3/3.4): signatures, attestations, SBOMs.
enum class CosignAttachment { kSignature, kAttestation, kSbom };

// CosignTag returns cosign's tag for an attachment of |subject|: "sha256-<hex>.sig", ".att" or
// ".sbom". The one place these names are spelled (signing, verification, copy).
std::string CosignTag(const Digest& subject, CosignAttachment kind);

}  // namespace vouch::registry
