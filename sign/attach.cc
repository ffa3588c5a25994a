// `vouch attach`: objects signed elsewhere, stored where vouch sign / attest store theirs.
#include "vouch/sign/attach.h"

#include <nlohmann/json.hpp>
#include <string_view>

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

// AttachBundle stores a DSSE bundle about |subject| as a referrer; a non-empty |want_type| is the
// predicate type its statement must have.
Result<AttachResult> AttachBundle(registry::Repository& image, const registry::Descriptor& subject,
                                  std::string_view json, std::string_view want_type,
                                  const Clock* clock) {
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
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement,
                         StatementAbout(envelope.payload, subject.digest));
  if (!want_type.empty() && statement.predicate_type() != want_type) {
    return InvalidArgumentError("the bundle's statement is a " + statement.predicate_type() +
                                " attestation, not an image signature (" + std::string(want_type) +
                                "): attach it as an attestation");
  }
  AttachResult out;
  out.digest = subject.digest;
  out.predicate_type = statement.predicate_type();
  VOUCH_ASSIGN_OR_RETURN(out.location,
                         PushBundleReferrer(image, subject, bundle, out.predicate_type, clock));
  out.written = true;  // a referrer already there is pushed again unchanged: same digest
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
  return AttachBundle(image, subject, AsChars(bundle), attest::kCosignSignPredicateType, clock);
}

Result<AttachResult> AttachAttestation(registry::Repository& image, ByteView document,
                                       const registry::TagUpdateOptions& tag_update,
                                       const Clock* clock) {
  const std::string_view json = AsChars(document);
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, ResolveImage(image));
  // A bundle names its media type; a DSSE envelope has payloadType and signatures instead.
  const nlohmann::json top = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (top.is_object() && top.contains("mediaType")) {
    return AttachBundle(image, subject, json, "", clock);
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
  VOUCH_ASSIGN_OR_RETURN(attest::Statement statement,
                         StatementAbout(envelope->payload, subject.digest));
  TaggedLayer layer;
  layer.media_type = std::string(attest::kDsseEnvelopeMediaType);
  layer.blob = ToBytes(json);
  layer.annotations[std::string(attest::kCosignPredicateTypeAnnotation)] =
      statement.predicate_type();
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = "";
  const std::string tag = LegacyAttestationTag(subject.digest);
  AttachResult out;
  out.digest = subject.digest;
  out.location = "tag " + tag;
  out.predicate_type = statement.predicate_type();
  VOUCH_ASSIGN_OR_RETURN(out.written, AppendTaggedLayer(image, tag, layer, nullptr, tag_update));
  return out;
}

}  // namespace vouch::sign
