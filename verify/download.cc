// `vouch download`: the stored objects the collector reads, printed as cosign prints them.
#include "vouch/verify/download.h"

#include "core/internal/json.h"
#include "evidence/evidence.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"

namespace vouch::verify {
namespace {

using internal::Evidence;
using internal::EvidenceForm;
using internal::EvidenceKind;
using internal::EvidenceState;

// LegacySignatureJson is a `.sig` layer in cosign download signature's shape.
std::string LegacySignatureJson(const Evidence& e) {
  const sigstore::LegacyEvidence material = sigstore::EvidenceFromAnnotations(e.layer_annotations);
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? OrderedJson() : OrderedJson(s);
  };
  OrderedJson j = OrderedJson::object();
  j["Base64Signature"] = e.signature_b64;
  j["Payload"] = Base64Encode(e.payload);
  j["Cert"] = text_or_null(material.certificate_pem);
  j["Chain"] = text_or_null(material.chain_pem);
  OrderedJson bundle;  // null
  if (!material.rekor_bundle.empty()) {
    auto parsed = ParseOrderedJson(material.rekor_bundle, "Rekor bundle");
    bundle = parsed.ok() ? *parsed : OrderedJson(material.rekor_bundle);
  }
  j["Bundle"] = bundle;
  j["RFC3161Timestamp"] = nullptr;
  return DumpJson(j);
}

Result<std::string> DocumentOf(const Evidence& e) {
  switch (e.form) {
    case EvidenceForm::kBundle:
      return attest::SerializeBundle(*e.bundle);
    case EvidenceForm::kLegacySignature:
      return LegacySignatureJson(e);
    case EvidenceForm::kLegacyAttestation:
      return attest::SerializeEnvelope(*e.envelope);
    case EvidenceForm::kNotationSignature: {
      OrderedJson j = OrderedJson::object();
      j["mediaType"] = attest::NotationEnvelopeMediaType(e.notation_type);
      j["envelope"] = Base64Encode(e.payload);
      return DumpJson(j);
    }
    case EvidenceForm::kBuildKitAttestation:
      break;
  }
  return InternalError("download: unexpected evidence form");
}

}  // namespace

Result<DownloadResult> DownloadAttachments(registry::Repository& image, DownloadKind kind,
                                           const std::string& predicate_type) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor root, image.Resolve(image.reference().Identifier()));
  const EvidenceKind want =
      kind == DownloadKind::kSignature ? EvidenceKind::kSignature : EvidenceKind::kAttestation;
  internal::CollectOptions options;
  options.sig_tag = kind == DownloadKind::kSignature;
  options.att_tag = kind == DownloadKind::kAttestation;
  // A bundle whose label names no type is read to learn what it is.
  options.wanted = [&](const Evidence& e) {
    return e.kind == want || e.kind == EvidenceKind::kUnknown;
  };
  internal::SubjectEvidence found = internal::CollectEvidence(image, root.digest, options);
  VOUCH_RETURN_IF_ERROR(found.status);
  DownloadResult out;
  out.digest = root.digest;
  for (const Evidence& e : found.objects) {
    if (e.kind != want) {
      continue;
    }
    if (e.state == EvidenceState::kUnreadable) {
      return DataLossError(e.location + " cannot be read: " + e.problem);
    }
    if (!e.fetched() || (!predicate_type.empty() && e.claimed_type != predicate_type)) {
      continue;
    }
    VOUCH_ASSIGN_OR_RETURN(std::string document, DocumentOf(e));
    out.objects.push_back(
        {std::string(e.FormatName()), e.location, e.claimed_type, std::move(document)});
  }
  return out;
}

Result<Bytes> DownloadSbom(registry::Repository& image) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor root, image.Resolve(image.reference().Identifier()));
  registry::Repository& attached = image.attachments();
  const std::string tag = registry::CosignTag(root.digest, registry::CosignAttachment::kSbom);
  Result<registry::Manifest> m = attached.FetchManifest(tag);
  if (!m.ok()) {
    return IsNotFound(m.status())
               ? NotFoundError("no SBOM is attached to " + root.digest.ToString() + " (no " + tag +
                               " in " + attached.reference().RepositoryName() + ")")
               : m.status();
  }
  VOUCH_ASSIGN_OR_RETURN(registry::ManifestView view,
                         registry::ParseManifest(m->bytes, m->media_type));
  if (view.is_index || view.layers.size() != 1) {
    return DataLossError(tag + " is not one SBOM layer");
  }
  return attached.FetchBlob(view.layers[0].digest, view.layers[0].size);
}

}  // namespace vouch::verify
