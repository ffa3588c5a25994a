#include "vouch/attest/statement.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "core/internal/json.h"
#include "resource_descriptor_json.h"
#include "vouch/attest/provenance.h"

namespace vouch::attest {

// The parsed predicate, kept beside its text so Serialize never re-parses.
struct Statement::Predicate {
  OrderedJson value;
};

namespace {

constexpr std::string_view kWhat = "in-toto statement";

Status Invalid(std::string_view where, std::string_view msg) {
  return InvalidArgumentError(std::string(where) + ": " + std::string(msg));
}

// Optional string field of an ordered object: absent and null are unset ("").
Result<std::string> OptStringField(const OrderedJson& obj, const char* field,
                                   std::string_view where) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return Invalid(where, std::string(field) + " must be a string");
  }
  return it->get_ref<const std::string&>();
}

// Fixed digest sizes (bytes) of the digest_set.md algorithms, as in-toto's Go Validate checks
// them. git* objects may be SHA-1 or SHA-256. Names not listed are custom and not checked.
struct DigestSize {
  std::string_view alg;
  size_t size;
  size_t alt_size;  // 0 when there is only one
};
// clang-format off
constexpr std::array<DigestSize, 17> kDigestSizes = {{
    {"md5", 16, 0},        {"sha1", 20, 0},       {"sha224", 28, 0},     {"sha512_224", 28, 0},
    {"sha256", 32, 0},     {"sha512_256", 32, 0}, {"sha384", 48, 0},     {"sha512", 64, 0},
    {"sha3_224", 28, 0},   {"sha3_256", 32, 0},   {"sha3_384", 48, 0},   {"sha3_512", 64, 0},
    {"gitBlob", 20, 32},   {"gitCommit", 20, 32}, {"gitTag", 20, 32},    {"gitTree", 20, 32},
    {"dirHash", 32, 0},
}};
// clang-format on

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s.size() % 2 == 0;
}

Status CheckDigestValue(const std::string& alg, const std::string& value, std::string_view where) {
  for (const DigestSize& d : kDigestSizes) {
    if (d.alg != alg) {
      continue;
    }
    if (!IsLowerHex(value)) {
      return Invalid(where, "invalid digest encoding: " + alg + " value \"" + value +
                                "\" is not lowercase hex");
    }
    size_t n = value.size() / 2;
    if (n != d.size && n != d.alt_size) {
      std::string want = std::to_string(d.size);
      if (d.alt_size != 0) {
        want += " or " + std::to_string(d.alt_size);
      }
      return Invalid(where, "incorrect digest length: " + alg + " has " + std::to_string(n) +
                                " bytes, want " + want);
    }
    return OkStatus();
  }
  return OkStatus();
}

// ParseRd reads and validates one ResourceDescriptor (resource_descriptor.md).
Result<ResourceDescriptor> ParseRd(const OrderedJson& j, std::string_view where) {
  if (!j.is_object()) {
    return Invalid(where, "resource descriptor must be a JSON object");
  }
  ResourceDescriptor rd;
  VOUCH_ASSIGN_OR_RETURN(rd.name, OptStringField(j, "name", where));
  VOUCH_ASSIGN_OR_RETURN(rd.uri, OptStringField(j, "uri", where));
  VOUCH_ASSIGN_OR_RETURN(rd.download_location, OptStringField(j, "downloadLocation", where));
  VOUCH_ASSIGN_OR_RETURN(rd.media_type, OptStringField(j, "mediaType", where));
  VOUCH_ASSIGN_OR_RETURN(std::string content_b64, OptStringField(j, "content", where));
  if (!content_b64.empty()) {
    // protobuf JSON bytes: either base64 alphabet.
    auto content = Base64Decode(content_b64, Base64Alphabet::kEither);
    if (!content.ok()) {
      return Invalid(where, "content is not valid base64");
    }
    rd.content = std::move(*content);
  }
  if (auto it = j.find("digest"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Invalid(where, "digest must be a JSON object");
    }
    for (const auto& [alg, value] : it->items()) {
      if (!value.is_string()) {
        return Invalid(where, "digest " + alg + " must be a string");
      }
      rd.digest.emplace(alg, value.get_ref<const std::string&>());
    }
  }
  if (auto it = j.find("annotations"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Invalid(where, "annotations must be a JSON object");
    }
    if (!it->empty()) {
      rd.annotations_json = DumpJson(*it);
    }
  }
  if (rd.name.empty() && rd.uri.empty() && rd.digest.empty()) {
    return Invalid(where, "resource descriptor needs at least one of name, uri, digest");
  }
  for (const auto& [alg, value] : rd.digest) {
    VOUCH_RETURN_IF_ERROR(CheckDigestValue(alg, value, where));
  }
  return rd;
}

OrderedJson RdToJson(const ResourceDescriptor& rd, const OrderedJson* annotations) {
  OrderedJson j = OrderedJson::object();
  if (!rd.name.empty()) {
    j["name"] = rd.name;
  }
  if (!rd.uri.empty()) {
    j["uri"] = rd.uri;
  }
  if (!rd.digest.empty()) {
    OrderedJson d = OrderedJson::object();
    for (const auto& [alg, value] : rd.digest) {  // std::map: sorted, as protojson writes maps
      d[alg] = value;
    }
    j["digest"] = std::move(d);
  }
  if (!rd.content.empty()) {
    j["content"] = Base64Encode(rd.content);
  }
  if (!rd.download_location.empty()) {
    j["downloadLocation"] = rd.download_location;
  }
  if (!rd.media_type.empty()) {
    j["mediaType"] = rd.media_type;
  }
  if (annotations != nullptr) {
    j["annotations"] = *annotations;
  }
  return j;
}

Result<OrderedJson> ParseObject(std::string_view text, std::string_view what) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseOrderedJson(text, what));
  if (!j.is_object()) {
    return InvalidArgumentError(std::string(what) + " must be a JSON object");
  }
  return j;
}

// "Present and not empty" as in-toto's Go code tests it for messages (nil or proto.Size == 0).
const OrderedJson* NonEmptyObject(const OrderedJson& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_object() || it->empty()) {
    return nullptr;
  }
  return &*it;
}

Status CheckRdList(const OrderedJson& obj, const char* field, const std::string& where) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    return OkStatus();
  }
  if (!it->is_array()) {
    return Invalid(where, std::string(field) + " must be an array");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    VOUCH_RETURN_IF_ERROR(
        ParseRd((*it)[i], where + "." + field + "[" + std::to_string(i) + "]").status());
  }
  return OkStatus();
}

}  // namespace

Result<ResourceDescriptor> ParseResourceDescriptor(std::string_view json) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseOrderedJson(json, "resource descriptor"));
  return ParseRd(j, "resource descriptor");
}

Result<std::map<std::string, std::string>> StringAnnotations(const ResourceDescriptor& rd) {
  std::map<std::string, std::string> out;
  if (rd.annotations_json.empty()) {
    return out;
  }
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ParseObject(rd.annotations_json, "annotations"));
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) {
      return InvalidArgumentError("annotation \"" + key + "\" is not a string");
    }
    out.emplace(key, value.get_ref<const std::string&>());
  }
  return out;
}

std::string AnnotationsJson(const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) {
    return "";
  }
  OrderedJson j = OrderedJson::object();
  for (const auto& [key, value] : annotations) {
    j[key] = value;
  }
  return DumpJson(j);
}

Result<Statement> Statement::Parse(std::string_view json) {
  if (json.size() > kMaxStatementSize) {
    return ResourceExhaustedError(std::string(kWhat) + " is " + std::to_string(json.size()) +
                                  " bytes, over the " + std::to_string(kMaxStatementSize) +
                                  "-byte limit");
  }
  VOUCH_ASSIGN_OR_RETURN(OrderedJson doc, ParseObject(json, kWhat));

  Statement st;
  auto type = doc.find("_type");
  if (type == doc.end() || !type->is_string() ||
      (type->get_ref<const std::string&>() != kStatementTypeV1 &&
       type->get_ref<const std::string&>() != kStatementTypeV01)) {
    std::string got = type == doc.end() ? "missing" : DumpJson(*type);
    return Invalid(kWhat, "invalid statement type: _type " + got + " is neither " +
                              std::string(kStatementTypeV1) + " nor " +
                              std::string(kStatementTypeV01));
  }
  st.type_ = type->get_ref<const std::string&>();

  auto subjects = doc.find("subject");
  if (subjects == doc.end() || !subjects->is_array() || subjects->empty()) {
    return Invalid(kWhat, "subject is required and must be a non-empty array");
  }
  if (subjects->size() > kMaxSubjects) {
    return ResourceExhaustedError(std::string(kWhat) + " has " + std::to_string(subjects->size()) +
                                  " subjects, over the limit of " + std::to_string(kMaxSubjects));
  }
  for (size_t i = 0; i < subjects->size(); ++i) {
    std::string where = std::string(kWhat) + ": subject[" + std::to_string(i) + "]";
    VOUCH_ASSIGN_OR_RETURN(ResourceDescriptor rd, ParseRd((*subjects)[i], where));
    // statement.md: each subject MUST have a digest (subjects are matched by digest only).
    if (rd.digest.empty()) {
      return Invalid(where, "has no digest; a subject digest is required");
    }
    st.subjects_.push_back(std::move(rd));
  }

  auto ptype = doc.find("predicateType");
  if (ptype == doc.end() || !ptype->is_string() || ptype->get_ref<const std::string&>().empty()) {
    return Invalid(kWhat, "predicateType is required and must be a non-empty string");
  }
  st.predicate_type_ = ptype->get_ref<const std::string&>();

  auto pred = doc.find("predicate");
  if (pred == doc.end() || pred->is_null()) {
    return Invalid(kWhat, "predicate is required");
  }
  if (!pred->is_object()) {
    return Invalid(kWhat, "predicate is required to be a JSON object");
  }
  auto parsed = std::make_shared<Predicate>();
  parsed->value = std::move(*pred);
  st.predicate_json_ = DumpJson(parsed->value);
  st.predicate_ = std::move(parsed);
  return st;
}

Result<Statement> Statement::Create(std::vector<ResourceDescriptor> subjects,
                                    std::string predicate_type, std::string_view predicate_json,
                                    std::string_view type) {
  // Build the JSON and run it through Parse, so built and received statements obey one rule set.
  OrderedJson doc = OrderedJson::object();
  doc["_type"] = std::string(type);
  OrderedJson subj = OrderedJson::array();
  for (const ResourceDescriptor& rd : subjects) {
    VOUCH_ASSIGN_OR_RETURN(OrderedJson j, internal::ResourceDescriptorJson(rd));
    subj.push_back(std::move(j));
  }
  doc["subject"] = std::move(subj);
  doc["predicateType"] = std::move(predicate_type);
  VOUCH_ASSIGN_OR_RETURN(doc["predicate"], ParseObject(predicate_json, "predicate"));
  return Parse(DumpJson(doc));
}

std::string Statement::Serialize() const {
  OrderedJson doc = OrderedJson::object();
  doc["_type"] = type_;
  OrderedJson subj = OrderedJson::array();
  for (const ResourceDescriptor& rd : subjects_) {
    std::optional<OrderedJson> annotations;
    if (!rd.annotations_json.empty()) {
      // Written by ParseRd from a parsed object, so it parses again.
      auto parsed = ParseOrderedJson(rd.annotations_json, "annotations");
      if (parsed.ok()) {
        annotations = std::move(*parsed);
      }
    }
    subj.push_back(RdToJson(rd, annotations ? &*annotations : nullptr));
  }
  doc["subject"] = std::move(subj);
  doc["predicateType"] = predicate_type_;
  doc["predicate"] = predicate_ ? predicate_->value : OrderedJson::object();
  return DumpJson(doc);
}

Result<Statement> CosignSignStatement(const Digest& image,
                                      const std::map<std::string, std::string>& annotations) {
  ResourceDescriptor subject;
  subject.digest.emplace(std::string(HashAlgorithmName(image.algorithm())), image.Hex());
  subject.annotations_json = AnnotationsJson(annotations);
  std::vector<ResourceDescriptor> subjects;
  subjects.push_back(std::move(subject));
  return Statement::Create(std::move(subjects), std::string(kCosignSignPredicateType), "{}");
}

bool SubjectMatches(const Statement& statement, const Digest& digest) {
  return SubjectMatches(statement, HashAlgorithmName(digest.algorithm()), digest.Hex());
}

bool SubjectMatches(const Statement& statement, std::string_view algorithm, std::string_view hex) {
  for (const ResourceDescriptor& rd : statement.subjects()) {
    auto it = rd.digest.find(std::string(algorithm));
    if (it != rd.digest.end() && it->second == hex) {
      return true;
    }
  }
  return false;
}

Status ValidateSlsaProvenanceV1(std::string_view predicate_json) {
  constexpr std::string_view kPred = "SLSA provenance v1 predicate";
  VOUCH_ASSIGN_OR_RETURN(OrderedJson p, ParseObject(predicate_json, kPred));
  const std::string where(kPred);

  const OrderedJson* build = NonEmptyObject(p, "buildDefinition");
  if (build == nullptr) {
    return Invalid(where, "buildDefinition is required");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string build_type, OptStringField(*build, "buildType", where));
  if (build_type.empty()) {
    return Invalid(where, "buildDefinition.buildType is required");
  }
  auto ext = build->find("externalParameters");
  if (ext == build->end() || !ext->is_object()) {
    return Invalid(where, "buildDefinition.externalParameters is required (a JSON object)");
  }
  VOUCH_RETURN_IF_ERROR(CheckRdList(*build, "resolvedDependencies", where + ": buildDefinition"));

  const OrderedJson* run = NonEmptyObject(p, "runDetails");
  if (run == nullptr) {
    return Invalid(where, "runDetails is required");
  }
  const OrderedJson* builder = NonEmptyObject(*run, "builder");
  if (builder == nullptr) {
    return Invalid(where, "runDetails.builder is required");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string builder_id, OptStringField(*builder, "id", where));
  if (builder_id.empty()) {
    return Invalid(where, "runDetails.builder.id is required");
  }
  VOUCH_RETURN_IF_ERROR(
      CheckRdList(*builder, "builderDependencies", where + ": runDetails.builder"));
  VOUCH_RETURN_IF_ERROR(CheckRdList(*run, "byproducts", where + ": runDetails"));
  return OkStatus();
}

Status ValidatePredicate(std::string_view predicate_type, std::string_view predicate_json) {
  // The same reader verification uses (verify/requirements/provenance.cc), so a predicate vouch
  // signs is one vouch's SLSA checks can read.
  if (IsProvenanceType(predicate_type)) {
    return NormalizeProvenance(predicate_type, predicate_json).status();
  }
  return OkStatus();
}

Status ValidatePredicate(const Statement& statement) {
  return ValidatePredicate(statement.predicate_type(), statement.predicate_json());
}

Result<std::string> PredicateTypeFromName(std::string_view name) {
  if (name.find("://") != std::string_view::npos) {
    return std::string(name);
  }
  // cosign cmd/cosign/cli/options/predicate.go, plus slsaprovenance02/1, openvex and vsa, except
  // that "slsaprovenance" names SLSA v1 (what vouch writes); cosign maps it to v0.2.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kNames = {{
      {"custom", "https://cosign.sigstore.dev/attestation/v1"},
      {"slsaprovenance", kSlsaProvenanceV1},
      {"slsaprovenance02", kSlsaProvenanceV02},
      {"slsaprovenance1", kSlsaProvenanceV1},
      {"spdx", "https://spdx.dev/Document"},
      {"spdxjson", "https://spdx.dev/Document"},
      {"cyclonedx", "https://cyclonedx.org/bom"},
      {"cyclonedxxml", "https://cyclonedx.org/bom"},
      {"link", "https://in-toto.io/Link/v1"},
      {"vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"},
      {"openvex", "https://openvex.dev/ns"},
      {"vsa", "https://slsa.dev/verification_summary/v1"},
  }};
  for (const auto& [short_name, uri] : kNames) {
    if (short_name == name) {
      return std::string(uri);
    }
  }
  return InvalidArgumentError("unknown predicate type \"" + std::string(name) +
                              "\": use a short name (slsaprovenance, slsaprovenance1, spdxjson, "
                              "cyclonedx, vuln, openvex, vsa, link, custom) or a URI");
}

namespace internal {

Result<OrderedJson> ResourceDescriptorJson(const ResourceDescriptor& rd) {
  std::optional<OrderedJson> annotations;
  if (!rd.annotations_json.empty()) {
    VOUCH_ASSIGN_OR_RETURN(annotations, ParseObject(rd.annotations_json, "annotations"));
  }
  return RdToJson(rd, annotations ? &*annotations : nullptr);
}

}  // namespace internal

}  // namespace vouch::attest
