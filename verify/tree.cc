// What each attachment `vouch tree` lists is, by the evidence collector's own rules
// (evidence/evidence.h: ReadsReferrerEntry, HoldsBundle), so that "read" says what the engine
// reads. formats.md sections 2 (BuildKit), 3 (cosign tags), 4.3 (bundles) and 8 (Notation).
#include "vouch/verify/tree.h"

#include <algorithm>
#include <utility>

#include "evidence/evidence.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"

namespace vouch::verify {
namespace {

// AddType appends |type| to |types| unless it is empty or already there.
void AddType(std::vector<std::string>& types, const std::string& type) {
  if (!type.empty() && std::find(types.begin(), types.end(), type) == types.end()) {
    types.push_back(type);
  }
}

// LayerTypes collects the predicate types the layers' |annotation| claims.
std::vector<std::string> LayerTypes(const registry::TreeNode& node, std::string_view annotation) {
  std::vector<std::string> types;
  for (const registry::Descriptor& l : node.layers) {
    auto it = l.annotations.find(std::string(annotation));
    if (it != l.annotations.end()) {
      AddType(types, it->second);
    }
  }
  return types;
}

// Other is a form vouch does not verify: not read.
AttachmentInfo Other(std::string note) {
  AttachmentInfo info;
  info.format = "other";
  info.kind = "other";
  info.note = std::move(note);
  return info;
}

AttachmentInfo Referrer(const registry::TreeNode& node) {
  const registry::Descriptor& d = node.descriptor;
  // The collector's rules: a listed artifact type must be a bundle type; an entry that named
  // none is read, and its manifest decides.
  const bool bundle =
      node.unnamed_artifact_type
          ? internal::HoldsBundle(d.artifact_type, node.config_media_type, node.layers)
          : attest::IsBundleMediaType(d.artifact_type);
  AttachmentInfo info;
  if (bundle) {
    info.format = "sigstore-bundle";
    info.is_signed = true;
    info.read = true;
    auto label = d.annotations.find(std::string(attest::kBundlePredicateTypeAnnotation));
    if (label == d.annotations.end() || label->second.empty()) {
      info.kind = "unknown";
      return info;
    }
    AddType(info.predicate_types, label->second);
    info.kind = label->second == attest::kCosignSignPredicateType ? "signature" : "attestation";
    return info;
  }
  if (d.artifact_type == internal::kNotationSignatureArtifactType ||
      node.config_media_type == internal::kNotationSignatureArtifactType) {
    info.format = "notation";
    info.kind = "signature";
    info.is_signed = true;
    info.read = true;
    info.note = "read by notation authorities (vouch verify --notation)";
    return info;
  }
  return Other("not a signature or attestation form vouch verifies");
}

AttachmentInfo CosignTag(const registry::TreeNode& node) {
  AttachmentInfo info;
  info.format = "cosign-tag";
  info.is_signed = *node.attachment != registry::CosignAttachment::kSbom;
  switch (*node.attachment) {
    case registry::CosignAttachment::kSignature:
      info.kind = "signature";
      info.read = true;
      break;
    case registry::CosignAttachment::kAttestation:
      info.kind = "attestation";
      info.read = true;
      info.predicate_types = LayerTypes(node, attest::kCosignPredicateTypeAnnotation);
      break;
    case registry::CosignAttachment::kSbom:
      info.kind = "sbom";
      info.note = "an SBOM attachment, not evidence";
      break;
  }
  return info;
}

}  // namespace

AttachmentInfo DescribeAttachment(const registry::TreeNode& node) {
  if (node.kind == "referrer") {
    return Referrer(node);
  }
  if (node.kind == "tag" && node.attachment) {
    return CosignTag(node);
  }
  if (node.kind != "attestation-manifest") {
    return Other("not a signature or attestation");
  }
  AttachmentInfo info;
  info.format = "buildkit";
  info.kind = "attestation";
  info.is_signed = false;
  info.predicate_types = LayerTypes(node, registry::kInTotoPredicateTypeAnnotation);
  info.note = "listed by vouch inspect, never evidence";
  return info;
}

}  // namespace vouch::verify
