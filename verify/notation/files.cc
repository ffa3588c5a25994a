// Offline verification of one Notation envelope file: the inputs of `vouch verify-notation`
// (and of `notation blob verify`) read from disk, then Verify.
#include <filesystem>

#include "core/internal/json.h"
#include "vouch/core/file.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

Result<std::string> ReadText(const std::string& path, size_t max) {
  VOUCH_ASSIGN_OR_RETURN(Bytes b, ReadFile(path, max));
  return std::string(b.begin(), b.end());
}

// ParseDescriptor reads {"mediaType","digest","size"} into a Target.
Result<Target> ParseDescriptor(std::string_view json) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(json, "--descriptor"));
  Target t;
  VOUCH_ASSIGN_OR_RETURN(t.media_type, GetString(j, "mediaType", "--descriptor"));
  VOUCH_ASSIGN_OR_RETURN(std::string digest, GetString(j, "digest", "--descriptor"));
  VOUCH_ASSIGN_OR_RETURN(t.digest, Digest::Parse(digest));
  VOUCH_ASSIGN_OR_RETURN(t.size, GetInt(j, "size", "--descriptor"));
  return t;
}

Result<attest::NotationEnvelopeType> Sniff(const Bytes& envelope) {
  if (!envelope.empty() && envelope[0] == '{') {
    return attest::NotationEnvelopeType::kJws;
  }
  if (!envelope.empty() && envelope[0] == 0xD2) {  // CBOR tag 18, COSE_Sign1_Tagged
    return attest::NotationEnvelopeType::kCose;
  }
  return InvalidArgumentError("the signature file is neither a JWS (JSON) nor a COSE_Sign1 "
                              "envelope");
}

// RepositoryAsWritten is the reference without its digest and tag, not normalized: notation
// matches scopes against the reference as the user wrote it ("local/app" is a registry named
// local, not Docker Hub).
std::string RepositoryAsWritten(std::string_view reference) {
  reference = reference.substr(0, reference.find('@'));
  size_t slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    reference = reference.substr(0, colon);
  }
  return std::string(reference);
}

Outcome NoStatement(const Status& why) {
  Outcome out;
  out.failing_check = "trustPolicy";
  out.status = VerificationFailedError(why.message());
  return out;
}

}  // namespace

NotationDir NotationDir::At(const std::string& dir) {
  NotationDir d;
  const std::filesystem::path root(dir);
  d.oci_policy = (root / "trustpolicy.oci.json").string();
  if (!PathExists(d.oci_policy) && PathExists((root / "trustpolicy.json").string())) {
    d.oci_policy = (root / "trustpolicy.json").string();
  }
  d.blob_policy = (root / "trustpolicy.blob.json").string();
  d.trust_store = (root / "truststore").string();
  return d;
}

Result<Outcome> VerifyFile(const FileRequest& r) {
  const bool blob = !r.blob_path.empty();
  if (blob == !r.descriptor_json.empty()) {
    return InvalidArgumentError("give either a blob file or --descriptor (with --reference)");
  }
  const NotationDir dir = NotationDir::At(r.notation_dir);
  std::string policy_path = r.trust_policy_path;
  if (policy_path.empty()) {
    if (r.notation_dir.empty()) {
      return InvalidArgumentError("no notation folder: give --notation-dir or --trust-policy");
    }
    policy_path = blob ? dir.blob_policy : dir.oci_policy;
  }
  VOUCH_ASSIGN_OR_RETURN(std::string policy_text, ReadText(policy_path, kMaxTrustPolicySize));
  Result<TrustPolicyDocument> doc =
      ParseTrustPolicy(policy_text, blob ? DocumentKind::kBlob : DocumentKind::kOci);
  if (!doc.ok()) {
    return InvalidArgumentError(policy_path + ": " + doc.status().message());
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes envelope,
                         ReadFile(r.envelope_path, attest::kMaxNotationEnvelopeSize));
  VerifyInput in;
  VOUCH_ASSIGN_OR_RETURN(in.type, Sniff(envelope));
  in.envelope = envelope;
  in.user_metadata = r.user_metadata;
  in.now = r.now;
  const TrustStore store(r.trust_store_dir.empty() ? dir.trust_store : r.trust_store_dir);
  in.store = &store;
  const RevocationChecker revocation(r.revocation);
  in.revocation = &revocation;
  Result<const Statement*> statement = OkStatus();
  if (blob) {
    in.target.media_type = r.media_type;
    VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> file, OpenFileSource(r.blob_path));
    std::error_code ec;
    uintmax_t size = std::filesystem::file_size(r.blob_path, ec);
    if (ec) {
      return ErrnoToStatus(ec.value(), r.blob_path);
    }
    in.target.size = static_cast<int64_t>(size);
    in.target.blob_digest = [&](HashAlgorithm alg) -> Result<Digest> {
      VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> f, OpenFileSource(r.blob_path));
      return HashSource(*f, alg);
    };
    statement = SelectBlob(*doc, r.policy_name);
  } else {
    VOUCH_ASSIGN_OR_RETURN(in.target, ParseDescriptor(r.descriptor_json));
    if (r.reference.empty()) {
      return InvalidArgumentError("--descriptor needs --reference (it selects the statement)");
    }
    VOUCH_RETURN_IF_ERROR(registry::ParseReference(r.reference).status());
    statement = SelectOci(*doc, RepositoryAsWritten(r.reference));
  }
  if (!statement.ok()) {
    return NoStatement(statement.status());
  }
  in.statement = *statement;
  return Verify(in);
}

}  // namespace vouch::verify::notation
