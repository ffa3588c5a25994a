// `vouch attest IMAGE`: a DSSE-signed in-toto statement about an image, stored as a Sigstore
// bundle referrer or as a layer of cosign's `sha256-<hex>.att` manifest (formats.md 3.4, 4.3).
#include <optional>
#include <utility>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/simple_signing.h"
#include "vouch/attest/statement.h"
#include "vouch/core/file.h"
#include "vouch/sign/attest.h"

#include "statement_input.h"

namespace vouch::sign {

std::string LegacyAttestationTag(const Digest& image) {
  return registry::CosignTag(image, registry::CosignAttachment::kAttestation);
}

Result<AttestImageResult> AttestImage(registry::Repository& repo,
                                      const AttestImageRequest& request) {
  std::optional<BundleSigner> own_signer;
  VOUCH_ASSIGN_OR_RETURN(const BundleSigner* bundle_signer,
                         SignerOf(request.bundle_signer, request.signer, own_signer, "attest"));
  if (request.format != ImageSignatureFormat::kBundle) {
    VOUCH_RETURN_IF_ERROR(RequireUnwitnessed(*bundle_signer, "attest"));
  }
  VOUCH_ASSIGN_OR_RETURN(internal::StatementInput input,
                         internal::ReadStatementInput("attest", request.statement_path,
                                                      request.predicate_path,
                                                      request.predicate_type));
  const registry::Reference& ref = repo.reference();
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, repo.Resolve(ref.Identifier()));

  AttestImageResult result;
  result.digest = subject.digest;
  attest::ResourceDescriptor rd;
  rd.name = ref.RepositoryName();
  rd.digest[std::string(HashAlgorithmName(subject.digest.algorithm()))] = subject.digest.Hex();
  VOUCH_ASSIGN_OR_RETURN(internal::StatementToSign statement,
                         internal::BuildStatementToSign(
                             input, rd, subject.digest,
                             "the image digest " + subject.digest.ToString()));
  result.statement_json = std::move(statement.json);
  const std::string& predicate_type = statement.predicate_type;

  const keys::Signer& signer = bundle_signer->key();
  if (request.format == ImageSignatureFormat::kBundle) {
    VOUCH_ASSIGN_OR_RETURN(StoredBundle stored,
                           SignBundleReferrer(repo, subject, *bundle_signer, result.statement_json,
                                              predicate_type, request.clock));
    result.location = std::move(stored.location);
    result.bundle_json = std::move(stored.bundle_json);
    return result;
  }
  // cosign's .att layers carry an empty DSSE keyid and an empty signature annotation.
  VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                         attest::SignEnvelope(attest::kInTotoPayloadType,
                                              AsBytes(result.statement_json), signer, ""));
  TaggedLayer layer;
  layer.media_type = std::string(attest::kDsseEnvelopeMediaType);
  layer.blob = ToBytes(attest::SerializeEnvelope(envelope));
  layer.annotations[std::string(attest::kCosignPredicateTypeAnnotation)] = predicate_type;
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = "";
  const std::string tag = LegacyAttestationTag(subject.digest);
  VOUCH_RETURN_IF_ERROR(AppendTaggedLayer(repo, tag, layer, nullptr, request.tag_update).status());
  result.location = "tag " + tag;
  return result;
}

}  // namespace vouch::sign
