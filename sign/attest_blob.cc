// attest-blob (a signed in-toto attestation about a file) and provenance generation: the two
// sign-side halves of issue 5 that need no image signature storage.
#include <utility>

#include "core/internal/json.h"
#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/statement.h"
#include "vouch/core/file.h"
#include "vouch/registry/reference.h"
#include "vouch/sign/attest.h"

#include "statement_input.h"

namespace vouch::sign {
namespace {

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<Digest> HashFile(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(auto source, OpenFileSource(path));
  return HashSource(*source, HashAlgorithm::kSha256);
}

// ResolveImage resolves |text| to its manifest digest through |client|.
Result<std::pair<registry::Reference, Digest>> ResolveImage(const std::string& text,
                                                            registry::Client& client) {
  VOUCH_ASSIGN_OR_RETURN(registry::Reference ref, registry::ParseReference(text));
  Result<std::unique_ptr<registry::Repository>> repo = client.Open(ref);
  if (!repo.ok()) {
    return repo.status().WithContext(text);
  }
  Result<registry::Descriptor> desc = (*repo)->Resolve(ref.Identifier());
  if (!desc.ok()) {
    return desc.status().WithContext(text);
  }
  return std::pair{ref, desc->digest};
}

attest::ResourceDescriptor DigestDescriptor(std::string name_or_uri, bool is_uri, const Digest& d) {
  attest::ResourceDescriptor rd;
  (is_uri ? rd.uri : rd.name) = std::move(name_or_uri);
  rd.digest[std::string(HashAlgorithmName(d.algorithm()))] = d.Hex();
  return rd;
}

Result<attest::ResourceDescriptor> SubjectDescriptor(const std::string& subject,
                                                     registry::Client& client) {
  bool image = subject.rfind("oci:", 0) == 0 ||
               (!PathExists(subject) && registry::ParseReference(subject).ok());
  if (image) {
    VOUCH_ASSIGN_OR_RETURN(auto resolved, ResolveImage(subject, client));
    return DigestDescriptor(resolved.first.RepositoryName(), false, resolved.second);
  }
  Result<Digest> d = HashFile(subject);
  if (!d.ok()) {
    return d.status().WithContext("subject " + subject);
  }
  return DigestDescriptor(Basename(subject), false, *d);
}

Status Missing(std::string_view flag, std::string_view what) {
  return InvalidArgumentError(std::string(flag) + " is required outside GitHub Actions and " +
                              "GitLab CI (" + std::string(what) + ")");
}

}  // namespace

Result<AttestBlobResult> AttestBlob(const AttestBlobRequest& request) {
  std::optional<BundleSigner> own_signer;
  VOUCH_ASSIGN_OR_RETURN(
      const BundleSigner* signer,
      SignerOf(request.bundle_signer, request.signer, own_signer, "attest-blob"));
  if (request.bundle_path.empty()) {
    return InvalidArgumentError("attest-blob needs a bundle file to write");
  }
  // The small inputs are read and validated before the artifact.
  VOUCH_ASSIGN_OR_RETURN(internal::StatementInput input,
                         internal::ReadStatementInput("attest-blob", request.statement_path,
                                                      request.predicate_path,
                                                      request.predicate_type));
  VOUCH_ASSIGN_OR_RETURN(Digest digest, HashFile(request.artifact_path));
  VOUCH_ASSIGN_OR_RETURN(
      internal::StatementToSign statement,
      internal::BuildStatementToSign(
          input,
          DigestDescriptor(request.artifact_path == "-" ? "-" : Basename(request.artifact_path),
                           false, digest),
          digest, "the digest of " + request.artifact_path + " (" + digest.ToString() + ")"));
  const std::string& payload = statement.json;

  VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                         signer->SignEnvelope(attest::kInTotoPayloadType, AsBytes(payload)));
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle, signer->Seal(std::move(envelope)));
  AttestBlobResult result{digest, std::move(payload), ""};
  VOUCH_ASSIGN_OR_RETURN(result.bundle_json, attest::SerializeBundle(bundle));
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(request.bundle_path, AsBytes(result.bundle_json), 0644,
                                        WriteMode::kOverwrite));
  return result;
}

Result<std::string> SignStatementFile(const std::string& statement_path,
                                      const BundleSigner& signer, const std::string& bundle_path) {
  VOUCH_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(statement_path, kMaxPredicateSize));
  VOUCH_RETURN_IF_ERROR(
      attest::Statement::Parse(AsChars(bytes)).status().WithContext("statement " + statement_path));
  VOUCH_ASSIGN_OR_RETURN(attest::DsseEnvelope envelope,
                         signer.SignEnvelope(attest::kInTotoPayloadType, bytes));
  VOUCH_ASSIGN_OR_RETURN(attest::Bundle bundle, signer.Seal(std::move(envelope)));
  VOUCH_ASSIGN_OR_RETURN(std::string json, attest::SerializeBundle(bundle));
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(bundle_path, AsBytes(json), 0644, WriteMode::kOverwrite));
  return json;
}

Result<std::string> GenerateProvenance(const ProvenanceRequest& request, registry::Client& client) {
  attest::CiSystem ci = attest::DetectCi(request.env);
  VOUCH_ASSIGN_OR_RETURN(attest::ProvenanceV1 p, attest::ProvenanceFromCi(ci, request.env));
  if (ci == attest::CiSystem::kNone) {
    if (request.builder_id.empty()) {
      return Missing("--builder-id", "the URI of the build platform");
    }
    if (request.build_type.empty()) {
      return Missing("--build-type", "the URI of the build type");
    }
    if (request.source_uri.empty()) {
      return Missing("--source-uri", "the source repository");
    }
    if (request.source_digest.empty()) {
      return Missing("--source-digest", "the source commit, sha1:<hex>");
    }
  }
  if (!request.builder_id.empty()) {
    p.builder_id = request.builder_id;
  }
  if (!request.build_type.empty()) {
    p.build_type = request.build_type;
  }
  // Explicit source flags replace the CI's source dependency; a flag left out keeps the CI value.
  if (!request.source_uri.empty() || !request.source_digest.empty() ||
      !request.source_ref.empty()) {
    std::string repo, ref, commit;
    if (!p.resolved_dependencies.empty()) {
      const attest::ResourceDescriptor& ci_src = p.resolved_dependencies[0];
      std::tie(repo, ref) = attest::SplitSourceUri(ci_src.uri);
      if (auto it = ci_src.digest.find("gitCommit"); it != ci_src.digest.end()) {
        commit = "gitCommit:" + it->second;
      }
    }
    if (!request.source_uri.empty()) {
      repo = request.source_uri;
    }
    if (!request.source_ref.empty()) {
      ref = request.source_ref;
    }
    if (!request.source_digest.empty()) {
      commit = request.source_digest;
    }
    if (repo.empty() || commit.empty()) {
      return InvalidArgumentError("--source-uri and --source-digest are needed together");
    }
    VOUCH_ASSIGN_OR_RETURN(attest::ResourceDescriptor src,
                           attest::SourceDependency(repo, ref, commit));
    if (p.resolved_dependencies.empty()) {
      p.resolved_dependencies.push_back(std::move(src));
    } else {
      p.resolved_dependencies[0] = std::move(src);
    }
    if (ci == attest::CiSystem::kNone) {
      // externalParameters outside CI: the source the build was asked to build.
      OrderedJson source = OrderedJson::object();
      source["repository"] = repo;
      if (!ref.empty()) {
        source["ref"] = ref;
      }
      OrderedJson ext = OrderedJson::object();
      ext["source"] = std::move(source);
      p.external_parameters_json = DumpJson(ext);
    }
  }
  for (const std::string& base : request.base_images) {
    VOUCH_ASSIGN_OR_RETURN(auto resolved, ResolveImage(base, client));
    p.resolved_dependencies.push_back(
        DigestDescriptor(resolved.first.ToString(), true, resolved.second));
  }
  p.finished_on = request.now;
  VOUCH_ASSIGN_OR_RETURN(std::string predicate, attest::SerializeProvenanceV1(p));
  // Subjects are resolved in both modes, so a wrong file or image name fails here rather than
  // later at `vouch attest`; only a statement records them (a bare predicate has no subject).
  std::vector<attest::ResourceDescriptor> subjects;
  for (const std::string& s : request.subjects) {
    VOUCH_ASSIGN_OR_RETURN(attest::ResourceDescriptor rd, SubjectDescriptor(s, client));
    subjects.push_back(std::move(rd));
  }
  if (!request.statement) {
    return predicate;
  }
  if (subjects.empty()) {
    return InvalidArgumentError("--statement needs at least one --subject");
  }
  VOUCH_ASSIGN_OR_RETURN(
      attest::Statement st,
      attest::Statement::Create(std::move(subjects), std::string(attest::kSlsaProvenanceV1),
                                predicate));
  return st.Serialize();
}

}  // namespace vouch::sign
