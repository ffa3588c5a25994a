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

namespace vouch::sign {
namespace {

Result<Bytes> ReadSmallInput(const std::string& path, std::string_view what) {
  Result<Bytes> data = ReadFile(path, kMaxPredicateSize);
  if (IsResourceExhausted(data.status())) {
    return InvalidArgumentError(std::string(what) + " file " + path + " is larger than 16 MiB");
  }
  return data;
}

}  // namespace

std::string LegacyAttestationTag(const Digest& image) {
  return std::string(HashAlgorithmName(image.algorithm())) + "-" + image.Hex() + ".att";
}

Result<AttestImageResult> AttestImage(registry::Repository& repo,
                                      const AttestImageRequest& request) {
  if (request.signer == nullptr) {
    return InvalidArgumentError("attest needs a signing key");
  }
  const bool has_statement = !request.statement_path.empty();
  const bool has_predicate = !request.predicate_path.empty() || !request.predicate_type.empty();
  if (has_statement == has_predicate) {
    return InvalidArgumentError(
        "attest needs either --predicate FILE with --type TYPE, or --statement FILE");
  }
  if (has_predicate && (request.predicate_path.empty() || request.predicate_type.empty())) {
    return InvalidArgumentError("attest needs both --predicate FILE and --type TYPE");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes input,
                         ReadSmallInput(has_statement ? request.statement_path
                                                      : request.predicate_path,
                                        has_statement ? "statement" : "predicate"));
  std::optional<attest::Statement> given;
  if (has_statement) {
    Result<attest::Statement> st = attest::Statement::Parse(AsChars(input));
    if (!st.ok()) {
      return st.status().WithContext("statement " + request.statement_path);
    }
    given = std::move(*st);
  }
  const registry::Reference& ref = repo.reference();
  VOUCH_ASSIGN_OR_RETURN(registry::Descriptor subject, repo.Resolve(ref.Identifier()));

  AttestImageResult result;
  result.digest = subject.digest;
  std::string predicate_type;
  if (given) {
    if (!attest::SubjectMatches(*given, subject.digest)) {
      return InvalidArgumentError("statement " + request.statement_path +
                                  " has no subject with the image digest " +
                                  subject.digest.ToString());
    }
    result.statement_json = std::string(AsChars(input));  // signed exactly as given
    predicate_type = given->predicate_type();
  } else {
    attest::ResourceDescriptor rd;
    rd.name = ref.RepositoryName();
    rd.digest[std::string(HashAlgorithmName(subject.digest.algorithm()))] = subject.digest.Hex();
    Result<attest::Statement> st =
        attest::Statement::Create({rd}, request.predicate_type, AsChars(input));
    if (!st.ok()) {
      return st.status().WithContext("predicate " + request.predicate_path);
    }
    result.statement_json = st->Serialize();
    predicate_type = request.predicate_type;
  }

  const keys::Signer& signer = *request.signer;
  if (request.format == ImageSignatureFormat::kBundle) {
    const std::string hint = attest::PublicKeyHint(signer.PublicKey());
    VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                           attest::SignEnvelope(attest::kInTotoPayloadType,
                                                AsBytes(result.statement_json), signer, hint));
    VOUCH_ASSIGN_OR_RETURN(result.location,
                           PushBundleReferrer(repo, subject, envelope, hint, predicate_type,
                                              request.clock));
    return result;
  }
  // cosign's .att layers carry an empty DSSE keyid and an empty signature annotation.
  VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                         attest::SignEnvelope(attest::kInTotoPayloadType,
                                              AsBytes(result.statement_json), signer, ""));
  TaggedLayer layer;
  layer.media_type = std::string(kDsseLayerMediaType);
  layer.blob = ToBytes(attest::SerializeEnvelope(envelope));
  layer.annotations[std::string(kPredicateTypeAnnotation)] = predicate_type;
  layer.annotations[std::string(attest::kCosignSignatureAnnotation)] = "";
  const std::string tag = LegacyAttestationTag(subject.digest);
  VOUCH_RETURN_IF_ERROR(AppendTaggedLayer(repo, tag, layer, nullptr, request.tag_update).status());
  result.location = "tag " + tag;
  return result;
}

}  // namespace vouch::sign
