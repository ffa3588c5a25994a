// `vouch tree`: what registry::ListTree found attached to an image and to each of its platform
// images, with the form of every signature and attestation and whether the verification engine
// reads it. Nothing is verified here: the answer comes from labels, media types and annotations,
// by the rules the engine's evidence collector reads by, so that "read" cannot drift from what
// `vouch verify` looks at (docs/registry.md, "Tree").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vouch/registry/operations.h"

namespace vouch::verify {

// AttachmentInfo says what one attachment (a referrer, cosign tag or BuildKit attestation
// manifest node of a registry::Tree) is, and whether the verification engine reads it.
struct AttachmentInfo {
  // format is "sigstore-bundle", "cosign-tag", "notation", "buildkit" or "other".
  std::string format;
  // kind is "signature", "attestation", "sbom", "other", or "unknown": a bundle whose listing
  // has no predicate type label (the engine reads it to find out).
  std::string kind;
  // predicate_types are the types its labels claim, unverified: a bundle's
  // dev.sigstore.bundle.predicateType, the predicateType of each `.att` layer, the
  // in-toto.io/predicate-type of each BuildKit layer. Distinct, in order of appearance.
  std::vector<std::string> predicate_types;
  // is_signed says whether the form carries a signature: false for a BuildKit attestation (a
  // bare statement nobody signed) and a cosign `.sbom` tag; nullopt for a form vouch does not
  // know (an "other" referrer).
  std::optional<bool> is_signed;
  // read is true when the verification engine reads it as evidence: Sigstore bundle referrers
  // and the `.sig` and `.att` tags (whether it then counts is a matter of keys and policy).
  bool read = false;
  // note says why it is not read; "" when it is.
  std::string note;
};

// DescribeAttachment classifies |node| (kind "referrer", "tag" or "attestation-manifest"):
//
//   referrer whose listing names a bundle media type, or names none (registry::
//   IsUnnamedArtifactType) and whose manifest holds a bundle         sigstore-bundle, read
//   referrer of artifact type application/vnd.cncf.notary.signature notation, not read yet
//   any other referrer (an SBOM, cosign's oci-1-1 mode...)          other, not read
//   sha256-<hex>.sig / .att                                         cosign-tag, read
//   sha256-<hex>.sbom                                               cosign-tag, not read
//   attestation manifest in the index                               buildkit, unsigned, not read
//                                                                   (`vouch inspect` lists it)
// Any other node is "other", not read.
AttachmentInfo DescribeAttachment(const registry::TreeNode& node);

// TreeToText renders |tree| for people: the root's platforms, then per manifest its referrers
// (grouped by artifact type), cosign tags and BuildKit attestations, each ending with its form
// and "read" or "not read: <why>".
std::string TreeToText(const registry::Tree& tree);

// TreeToJson renders |tree| as the JSON documented in docs/registry.md ("Tree").
std::string TreeToJson(const registry::Tree& tree);

}  // namespace vouch::verify
