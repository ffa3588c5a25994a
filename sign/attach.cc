// `vouch attach`: objects signed elsewhere, stored where vouch sign / attest store theirs.
#include "vouch/sign/attach.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/core/text.h"
#include "vouch/sign/attest.h"
#include "vouch/sign/image.h"

namespace vouch::sign {
namespace {

Result<registry::Descriptor> ResolveImage(registry::Repository& image) {
  return image.Resolve(image.reference().Identifier());
}

// StatementAbout parses an in-toto statement and requires |digest| among its subjects.
Result<attest::Statement> StatementAbout(ByteView payload, const Digest& digest) {
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement, attest::Statement::Parse(AsChars(payload)));
  if (!attest::SubjectMatches(statement, digest)) {
    return InvalidArgumentError("the statement's subjects do not name the image " +
                                digest.ToString());
  }
  return statement;
}

// Prepared is one attestation or signature document, checked and ready to store: a bundle
// referrer or a `.att` layer.
struct Prepared {
  std::optional<attest::Bundle> bundle;
  std::optional<TaggedLayer> layer;
  std::string predicate_type;
};

// PrepareBundle checks a DSSE bundle about |subject|; a non-empty |want_type| is the predicate
// type its statement must have.
Result<Prepared> PrepareBundle(std::string_view json, const Digest& subject,
                               std::string_view want_type) {
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle, attest::ParseBundle(json));
  if (bundle.IsMessageSignature()) {
    return InvalidArgumentError(
        "the bundle holds a message signature (a file's), not a statement about an image");
  }
  const auto& envelope = std::get<attest::DsseEnvelope>(bundle.content);
  if (envelope.payload_type != attest::kInTotoPayloadType) {
    return InvalidArgumentError("the bundle's envelope is not an in-toto statement (payloadType " +
                                envelope.payload_type + ")");
  }
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement, StatementAbout(envelope.payload, subject));
  if (!want_type.empty() && statement.predicate_type() != want_type) {
    return InvalidArgumentError("the bundle's statement is a " + statement.predicate_type() +
                                " attestation, not an image signature (" + std::string(want_type) +
                                "): attach it as an attestation");
  }
  Prepared out;
  out.predicate_type = statement.predicate_type();
  out.bundle = std::move(bundle);
  return out;
}

// PrepareAttestation checks a DSSE envelope or a Sigstore bundle about |subject|.
Result<Prepared> PrepareAttestation(std::string_view json, const Digest& subject) {
  // A bundle names its media type; a DSSE envelope has payloadType and signatures instead.
  const nlohmann::json top = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (top.is_object() && top.contains("mediaType")) {
    return PrepareBundle(json, subject, "");
  }
  Result<attest::DsseEnvelope> envelope = attest::ParseEnvelope(json);
  if (!envelope.ok()) {
    return InvalidArgumentError("want a DSSE envelope or a Sigstore bundle: " +
                                envelope.status().message());
  }
  if (envelope->payload_type != attest::kInTotoPayloadType) {
    return InvalidArgumentError("the envelope is not an in-toto statement (payloadType " +
                                envelope->payload_type + ")");
  }
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement, StatementAbout(envelope->payload, subject));
  Prepared out;
  out.predicate_type = statement.predicate_type();
  TaggedLayer& layer = out.layer.emplace();
  layer.media_type = std::string(attest::kDsseEnvelopeMediaType);
  layer.blob = ToBytes(json);
  layer.annotations[std::string(attest::kCosignPredicateTypeAnnotation)] = out.predicate_type;
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = "";
  return out;
}

// Store pushes a prepared document: a bundle as a referrer, a layer into the `.att` tag.
Result<AttachResult> Store(registry::Repository& image, const registry::Descriptor& subject,
                           const Prepared& p, const registry::TagUpdateOptions& tag_update,
                           const Clock* clock) {
  AttachResult out;
  out.digest = subject.digest;
  out.predicate_type = p.predicate_type;
  if (p.bundle) {
    VOUCH_ASSIGN_OR_RETURN(out.location,
                           PushBundleReferrer(image, subject, *p.bundle, p.predicate_type, clock));
    out.written = true;  // a referrer already there is pushed again unchanged: same digest
    return out;
  }
  const std::string tag = LegacyAttestationTag(subject.digest);
  out.location = "tag " + tag;
  VOUCH_ASSIGN_OR_RETURN(out.written, AppendTaggedLayer(image, tag, *p.layer, nullptr, tag_update));
  return out;
}

}  // namespace

Result<std::string> GenerateSignaturePayload(
    registry::Repository& image, const std::map<std::string, std::string>& annotations) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, ResolveImage(image));
  return attest::MakeSimpleSigningPayload(image.reference().RepositoryName(), subject.digest,
                                          annotations);
}

Result<AttachResult> AttachSignature(registry::Repository& image,
                                     const AttachSignatureRequest& request) {
  VOUCH_ASSIGN_OR_RETURN(attest::SimpleSigningPayload payload,
                         attest::ParseSimpleSigningPayload(request.payload));
  const std::string_view signature = TrimAsciiSpace(request.signature_b64);
  if (signature.empty() || !Base64Decode(signature).ok()) {
    return InvalidArgumentError("the signature is not standard base64 (a sign-blob output file)");
  }
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, ResolveImage(image));
  if (payload.manifest_digest != subject.digest.ToString()) {
    return InvalidArgumentError("the payload signs " + payload.manifest_digest +
                                ", not the image " + subject.digest.ToString() +
                                " (vouch generate IMAGE writes the right one)");
  }
  TaggedLayer layer;
  layer.media_type = std::string(attest::kSimpleSigningMediaType);
  layer.blob = request.payload;
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = std::string(signature);
  if (!request.certificate_pem.empty()) {
    layer.annotations[std::string(attest::kCosignCertificateAnnotation)] = request.certificate_pem;
  }
  if (!request.chain_pem.empty()) {
    layer.annotations[std::string(attest::kCosignChainAnnotation)] = request.chain_pem;
  }
  const std::string tag = LegacySignatureTag(subject.digest);
  AttachResult out;
  out.digest = subject.digest;
  out.location = "tag " + tag;
  VOUCH_ASSIGN_OR_RETURN(out.written,
                         AppendTaggedLayer(image, tag, layer, nullptr, request.tag_update));
  return out;
}

Result<AttachResult> AttachSignatureBundle(registry::Repository& image, ByteView bundle,
                                           const Clock* clock) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, ResolveImage(image));
  VOUCH_ASSIGN_OR_RETURN(
      Prepared p, PrepareBundle(AsChars(bundle), subject.digest, attest::kCosignSignPredicateType));
  return Store(image, subject, p, {}, clock);
}

Result<std::vector<AttachResult>> AttachAttestations(registry::Repository& image,
                                                     const std::vector<ByteView>& documents,
                                                     const registry::TagUpdateOptions& tag_update,
                                                     const Clock* clock) {
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, ResolveImage(image));
  std::vector<Prepared> prepared;
  for (ByteView document : documents) {
    VOUCH_ASSIGN_OR_RETURN(Prepared p, PrepareAttestation(AsChars(document), subject.digest));
    prepared.push_back(std::move(p));
  }
  std::vector<AttachResult> results;
  for (const Prepared& p : prepared) {
    VOUCH_ASSIGN_OR_RETURN(AttachResult r, Store(image, subject, p, tag_update, clock));
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace vouch::sign
