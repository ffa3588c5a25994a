#include "vouch/sign/image.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/notation.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/cosign_tag.h"
#include "vouch/registry/manifest.h"

namespace vouch::sign {
namespace {

constexpr std::string_view kEmptyConfig = "{}";

OrderedJson DescriptorJson(std::string_view media_type, const Digest& digest, int64_t size) {
  OrderedJson d = OrderedJson::object();
  d["mediaType"] = media_type;
  d["digest"] = digest.ToString();
  d["size"] = size;
  return d;
}

// PushArtifactReferrer pushes |blob| as the only layer (media type |layer_media_type|, else
// |artifact_type|) of an OCI artifact manifest of |artifact_type| with the empty config,
// |subject| and |annotations| (in the order given), and returns the manifest's digest.
Result<Digest> PushArtifactReferrer(
    registry::Repository& image, const registry::Descriptor& subject,
    std::string_view artifact_type, ByteView blob,
    const std::vector<std::pair<std::string, std::string>>& annotations,
    std::string_view layer_media_type = "") {
  registry::Repository& repo = image.attachments();
  const Digest blob_digest = Digest::Of(blob);
  const Digest config_digest = Digest::Of(AsBytes(kEmptyConfig));
  VOUCH_RETURN_IF_ERROR(repo.PushBlob(blob_digest, blob));
  VOUCH_RETURN_IF_ERROR(repo.PushBlob(config_digest, AsBytes(kEmptyConfig)));
  OrderedJson m = OrderedJson::object();
  m["schemaVersion"] = 2;
  m["mediaType"] = registry::kOciManifest;
  m["artifactType"] = artifact_type;
  m["config"] = DescriptorJson(registry::kOciEmpty, config_digest,
                               static_cast<int64_t>(kEmptyConfig.size()));
  m["layers"] = OrderedJson::array(
      {DescriptorJson(layer_media_type.empty() ? artifact_type : layer_media_type, blob_digest,
                      static_cast<int64_t>(blob.size()))});
  m["subject"] = DescriptorJson(subject.media_type, subject.digest, subject.size);
  m["annotations"] = OrderedJson::object();
  for (const auto& [k, v] : annotations) {
    m["annotations"][k] = v;
  }
  const std::string manifest = DumpJson(m);
  VOUCH_RETURN_IF_ERROR(repo.PushReferrer(AsBytes(manifest), registry::kOciManifest));
  return Digest::Of(AsBytes(manifest));
}

// SignBundle stores a cosign v3 style bundle referrer for |subject| (formats.md 4.3).
Result<StoredBundle> SignBundle(registry::Repository& repo, const registry::Descriptor& subject,
                                const SignImageRequest& req, const BundleSigner& signer) {
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement,
                         attest::CosignSignStatement(subject.digest, req.annotations));
  return SignBundleReferrer(repo, subject, signer, statement.Serialize(),
                            attest::kCosignSignPredicateType, req.clock);
}

// HasOurLayer reports whether the `.sig` manifest |m| has a layer holding |payload_digest| whose
// signature annotation verifies with |key| over |payload| (cosign's DupeDetector rule: the same
// payload already signed by the same key).
bool HasOurLayer(const registry::Manifest& m, const Digest& payload_digest, ByteView payload,
                 const keys::Verifier& key) {
  auto view = registry::ParseManifest(m.bytes, m.media_type);
  if (!view.ok()) {
    return false;
  }
  for (const registry::Descriptor& l : view->layers) {
    if (!(l.digest == payload_digest)) {
      continue;
    }
    auto it = l.annotations.find(std::string(attest::kCosignSignatureAnnotation));
    if (it == l.annotations.end()) {
      continue;
    }
    auto sig = Base64Decode(it->second);
    if (sig.ok() && key.Verify(*sig, payload).ok()) {
      return true;
    }
  }
  return false;
}

// SignLegacy appends a simple-signing layer to the `.sig` tag of |subject| (formats.md 3.5).
Result<SignedManifest> SignLegacy(registry::Repository& repo, const registry::Descriptor& subject,
                                  const SignImageRequest& req, const keys::Signer& signer) {
  const keys::Verifier& key = signer.PublicKey();
  const std::string payload = attest::MakeSimpleSigningPayload(
      repo.reference().RepositoryName(), subject.digest, req.annotations);
  const Digest payload_digest = Digest::Of(AsBytes(payload));
  VOUCH_ASSIGN_OR_RETURN(Bytes signature, signer.Sign(AsBytes(payload)));

  TaggedLayer layer;
  layer.media_type = std::string(attest::kSimpleSigningMediaType);
  layer.blob = ToBytes(payload);
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = Base64Encode(signature);

  SignedManifest out;
  const std::string tag = LegacySignatureTag(subject.digest);
  out.location = "tag " + tag;
  auto present = [&](const registry::Manifest& served) {
    return HasOurLayer(served, payload_digest, AsBytes(payload), key);
  };
  VOUCH_ASSIGN_OR_RETURN(bool wrote, AppendTaggedLayer(repo, tag, layer, present, req.tag_update));
  out.already_signed = !wrote;
  return out;
}

// ChainThumbprints is the io.cncf.notary.x509chain.thumbprint#S256 annotation: the JSON list
// of the chain certificates' SHA-256 in hex, leaf first.
std::string ChainThumbprints(const std::vector<Bytes>& chain) {
  Json list = Json::array();
  for (const Bytes& der : chain) {
    list.push_back(Digest::Of(der).Hex());
  }
  return DumpJson(list);
}

// SignNotation stores a Notation signature referrer for |subject| (formats.md 8): the envelope
// is the only layer of an OCI manifest with artifactType application/vnd.cncf.notary.signature,
// the empty config and |subject|, as `notation sign` writes it.
Result<std::string> SignNotation(registry::Repository& repo, const registry::Descriptor& subject,
                                 const SignImageRequest& req, const keys::Signer& signer) {
  attest::NotationSignRequest n;
  n.type = req.format == ImageSignatureFormat::kNotationCose ? attest::NotationEnvelopeType::kCose
                                                             : attest::NotationEnvelopeType::kJws;
  n.signer = &signer;
  n.certificate_chain = req.certificate_chain;
  n.payload = attest::NotationPayload(
      {subject.media_type, subject.digest.ToString(), subject.size, req.annotations});
  const Clock& clock = req.clock != nullptr ? *req.clock : SystemClock();
  n.signing_time = clock.Now();
  n.expiry = req.expiry;
  n.signing_agent = "vouch";
  n.timestamper = req.timestamper;
  VOUCH_ASSIGN_OR_RETURN(Bytes envelope, attest::SignNotationEnvelope(n));

  VOUCH_ASSIGN_OR_RETURN(
      Digest manifest,
      PushArtifactReferrer(
          repo, subject, attest::kNotationSignatureArtifactType, envelope,
          {{std::string(attest::kNotationThumbprintAnnotation),
            ChainThumbprints(req.certificate_chain)},
           {"org.opencontainers.image.created", FormatRfc3339(n.signing_time)}},
          attest::NotationEnvelopeMediaType(n.type)));
  return "notation referrer " + manifest.ToString();
}

Result<SignedManifest> SignOne(registry::Repository& repo, const registry::Descriptor& subject,
                               const SignImageRequest& req, const BundleSigner& signer) {
  SignedManifest out;
  if (req.format == ImageSignatureFormat::kLegacy) {
    VOUCH_ASSIGN_OR_RETURN(out, SignLegacy(repo, subject, req, signer.key()));
  } else if (req.format == ImageSignatureFormat::kNotationJws ||
             req.format == ImageSignatureFormat::kNotationCose) {
    VOUCH_ASSIGN_OR_RETURN(out.location, SignNotation(repo, subject, req, signer.key()));
  } else {
    VOUCH_ASSIGN_OR_RETURN(StoredBundle stored, SignBundle(repo, subject, req, signer));
    out.location = std::move(stored.location);
    out.bundle_json = std::move(stored.bundle_json);
  }
  out.digest = subject.digest;
  out.media_type = subject.media_type;
  return out;
}

}  // namespace

Result<ImageSignatureFormat> ParseImageSignatureFormat(std::string_view name) {
  if (name == "bundle") {
    return ImageSignatureFormat::kBundle;
  }
  if (name == "legacy") {
    return ImageSignatureFormat::kLegacy;
  }
  if (name == "notation-jws") {
    return ImageSignatureFormat::kNotationJws;
  }
  if (name == "notation-cose") {
    return ImageSignatureFormat::kNotationCose;
  }
  return InvalidArgumentError("unknown signature format \"" + std::string(name) +
                              "\" (want bundle, legacy, notation-jws or notation-cose)");
}

Result<StoredBundle> SignBundleReferrer(registry::Repository& repo,
                                        const registry::Descriptor& subject,
                                        const BundleSigner& signer, std::string_view statement,
                                        std::string_view predicate_type, const Clock* clock) {
  VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                         signer.SignEnvelope(attest::kInTotoPayloadType, AsBytes(statement)));
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle, signer.Seal(std::move(envelope)));
  StoredBundle out;
  VOUCH_ASSIGN_OR_RETURN(out.bundle_json, attest::SerializeBundle(bundle));
  VOUCH_ASSIGN_OR_RETURN(out.location,
                         PushBundleReferrer(repo, subject, bundle, predicate_type, clock));
  return out;
}

Result<std::string> PushBundleReferrer(registry::Repository& repo,
                                       const registry::Descriptor& subject,
                                       const attest::Bundle& bundle,
                                       std::string_view predicate_type, const Clock* clock) {
  VOUCH_ASSIGN_OR_RETURN(std::string bundle_json, attest::SerializeBundle(bundle));

  const Clock& now = clock != nullptr ? *clock : SystemClock();
  VOUCH_ASSIGN_OR_RETURN(
      Digest manifest,
      PushArtifactReferrer(repo, subject, attest::kBundleMediaTypeV03New, AsBytes(bundle_json),
                           {{std::string(attest::kBundleContentAnnotation), "dsse-envelope"},
                            {std::string(attest::kBundlePredicateTypeAnnotation),
                             std::string(predicate_type)},
                            {"org.opencontainers.image.created", FormatRfc3339(now.Now())}}));
  return "referrer " + manifest.ToString();
}

Result<bool> AppendTaggedLayer(registry::Repository& image, std::string_view tag,
                               const TaggedLayer& layer,
                               const std::function<bool(const registry::Manifest&)>& present,
                               const registry::TagUpdateOptions& options) {
  registry::Repository& repo = image.attachments();
  const Digest blob_digest = Digest::Of(layer.blob);
  VOUCH_RETURN_IF_ERROR(registry::PushBlobIfMissing(repo, blob_digest, layer.blob));
  OrderedJson l = OrderedJson::object();
  l["mediaType"] = layer.media_type;
  l["size"] = static_cast<int64_t>(layer.blob.size());
  l["digest"] = blob_digest.ToString();
  l["annotations"] = OrderedJson::object();
  for (const auto& [k, v] : layer.annotations) {
    l["annotations"][k] = v;
  }
  // The layer as the only entry of a manifest's layers: the form AppendCosignLayers adds from.
  OrderedJson addition = OrderedJson::object();
  addition["layers"] = OrderedJson::array({std::move(l)});
  const std::string addition_json = DumpJson(addition);
  bool wrote = false;
  auto mutate = [&](const std::optional<registry::Manifest>& current)
      -> Result<std::optional<registry::ManifestUpdate>> {
    if (current && present && present(*current)) {
      return std::optional<registry::ManifestUpdate>();  // already there
    }
    VOUCH_ASSIGN_OR_RETURN(
        std::optional<registry::ManifestUpdate> update,
        registry::AppendCosignLayers(repo, current, AsBytes(addition_json)));
    wrote = wrote || update.has_value();
    return update;
  };
  auto confirm = [&](const registry::Manifest& served) {
    return present ? present(served) : registry::HasCosignLayers(served, AsBytes(addition_json));
  };
  // distribution 2.8's spurious 400 DIGEST_INVALID under concurrent writers is repeated by the
  // registry client itself (registry/remote.cc PutManifestBytes).
  VOUCH_RETURN_IF_ERROR(registry::UpdateTaggedManifest(repo, tag, mutate, confirm, options));
  return wrote;
}

std::string LegacySignatureTag(const Digest& image) {
  return registry::CosignTag(image, registry::CosignAttachment::kSignature);
}

Result<SignImageResult> SignImage(registry::Repository& repo, const SignImageRequest& request) {
  std::optional<BundleSigner> own_signer;
  VOUCH_ASSIGN_OR_RETURN(const BundleSigner* signer,
                         SignerOf(request.bundle_signer, request.signer, own_signer, "sign"));
  if (request.format != ImageSignatureFormat::kBundle) {
    VOUCH_RETURN_IF_ERROR(RequireUnwitnessed(*signer, "sign"));
  }
  const bool notation = request.format == ImageSignatureFormat::kNotationJws ||
                        request.format == ImageSignatureFormat::kNotationCose;
  if (notation && request.certificate_chain.empty()) {
    return InvalidArgumentError("sign: a Notation signature needs --cert-chain (its leaf "
                                "certificate holds the signing key's public key)");
  }
  if (!notation && (!request.certificate_chain.empty() || request.expiry || request.timestamper)) {
    return InvalidArgumentError(
        "sign: --cert-chain, --expiry and --timestamp-url are for the notation formats");
  }
  const registry::Reference& ref = repo.reference();
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor root, repo.Resolve(ref.Identifier()));
  SignImageResult result;
  VOUCH_ASSIGN_OR_RETURN(SignedManifest top, SignOne(repo, root, request, *signer));
  result.manifests.push_back(std::move(top));
  if (!request.recursive || !registry::IsIndexMediaType(root.media_type)) {
    return result;
  }
  VOUCH_ASSIGN_OR_RETURN(registry::Manifest index, repo.FetchManifest(root.digest.ToString()));
  VOUCH_ASSIGN_OR_RETURN(registry::ManifestView view,
                         registry::ParseManifest(index.bytes, index.media_type));
  for (const registry::Descriptor& child : view.manifests) {
    if (!registry::IsPlatformImage(child)) {
      continue;  // attestation manifests (buildx) are not platforms
    }
    VOUCH_ASSIGN_OR_RETURN(SignedManifest s, SignOne(repo, child, request, *signer));
    s.platform = child.platform ? child.platform->ToString() : "";
    result.manifests.push_back(std::move(s));
  }
  return result;
}

}  // namespace vouch::sign
