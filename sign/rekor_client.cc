// Rekor client (vouch/sign/rekor.h): one POST of a proposed entry, and the reply turned into the
// bundle's TransparencyLogEntry (formats.md 4.2, 4.4, 5.7).
#include <charconv>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/internal/json.h"
#include "vouch/keys/certificates.h"
#include "vouch/sign/rekor.h"

namespace vouch::sign {
namespace {

using keys::KeyAlgorithm;

// Logged is what the log records: the bundle's signature and its content.
struct Logged {
  const attest::MessageSignature* message = nullptr;  // one of message / envelope
  const attest::DsseEnvelope* envelope = nullptr;
  Bytes signature;
  std::string kind;  // "hashedrekord" or "dsse"
};

Result<Logged> LoggedOf(const attest::Bundle& bundle) {
  Logged out;
  if (const auto* ms = std::get_if<attest::MessageSignature>(&bundle.content)) {
    out.message = ms;
    out.signature = ms->signature;
    out.kind = "hashedrekord";
  } else {
    out.envelope = &std::get<attest::DsseEnvelope>(bundle.content);
    if (out.envelope->signatures.size() != 1) {
      return InvalidArgumentError("a bundle's DSSE envelope holds exactly one signature");
    }
    out.signature = out.envelope->signatures[0].sig;
    out.kind = "dsse";
  }
  if (out.signature.empty()) {
    return InvalidArgumentError("the bundle's signature is empty");
  }
  return out;
}

// KeyDetails is the PublicKeyDetails name of a key signing with its default scheme (the one
// vouch signs with; keys.h SignatureScheme::kDefault).
std::string_view KeyDetails(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
      return "PKIX_ECDSA_P256_SHA_256";
    case KeyAlgorithm::kEcdsaP384:
      return "PKIX_ECDSA_P384_SHA_384";
    case KeyAlgorithm::kEcdsaP521:
      return "PKIX_ECDSA_P521_SHA_512";
    case KeyAlgorithm::kEd25519:
      return "PKIX_ED25519";
    case KeyAlgorithm::kRsa2048:
      return "PKIX_RSA_PKCS1V15_2048_SHA256";
    case KeyAlgorithm::kRsa3072:
      return "PKIX_RSA_PKCS1V15_3072_SHA256";
    case KeyAlgorithm::kRsa4096:
      return "PKIX_RSA_PKCS1V15_4096_SHA256";
  }
  return "PUBLIC_KEY_DETAILS_UNSPECIFIED";
}

// SignerPem is what Rekor v1 records as the verifier: std base64 of the PEM certificate or key.
std::string SignerPem(const LogVerifier& v) {
  return Base64Encode(
      AsBytes(v.certificate.empty() ? v.key->ToPem() : keys::EncodePemCertificate(v.certificate)));
}

Result<OrderedJson> V1Request(const Logged& logged, const LogVerifier& v) {
  OrderedJson spec;
  if (logged.message != nullptr) {
    const auto& md = logged.message->message_digest;
    if (!md.has_value() || md->Hash() != HashAlgorithm::kSha256 || md->digest.size() != 32) {
      return InvalidArgumentError(
          "Rekor v1 logs a message signature by its SHA2_256 messageDigest, which the bundle "
          "lacks");
    }
    spec["data"] = {{"hash", {{"algorithm", "sha256"}, {"value", HexEncode(md->digest)}}}};
    spec["signature"] = {{"content", Base64Encode(logged.signature)},
                         {"publicKey", {{"content", SignerPem(v)}}}};
  } else {
    spec["proposedContent"] = {{"envelope", attest::SerializeEnvelope(*logged.envelope)},
                               {"verifiers", OrderedJson::array({SignerPem(v)})}};
  }
  return OrderedJson{{"apiVersion", "0.0.1"}, {"kind", logged.kind}, {"spec", std::move(spec)}};
}

OrderedJson V2Verifier(const LogVerifier& v) {
  OrderedJson out;
  out["keyDetails"] = KeyDetails(v.key->algorithm());
  if (v.certificate.empty()) {
    out["publicKey"] = {{"rawBytes", Base64Encode(v.key->SpkiDer())}};
  } else {
    out["x509Certificate"] = {{"rawBytes", Base64Encode(v.certificate)}};
  }
  return out;
}

Result<OrderedJson> V2Request(const Logged& logged, const LogVerifier& v) {
  if (logged.message != nullptr) {
    const auto& md = logged.message->message_digest;
    if (!md.has_value() || md->digest.empty()) {
      return InvalidArgumentError(
          "Rekor v2 logs a message signature by its messageDigest, which the bundle lacks");
    }
    OrderedJson signature = {{"content", Base64Encode(logged.signature)},
                             {"verifier", V2Verifier(v)}};
    return OrderedJson{
        {"hashedRekordRequestV002",
         {{"digest", Base64Encode(md->digest)}, {"signature", std::move(signature)}}}};
  }
  VOUCH_ASSIGN_OR_RETURN(OrderedJson envelope,
                         ParseOrderedJson(attest::SerializeEnvelope(*logged.envelope), "envelope"));
  return OrderedJson{
      {"dsseRequestV002",
       {{"envelope", std::move(envelope)}, {"verifiers", OrderedJson::array({V2Verifier(v)})}}}};
}

// Entry is a log entry in the bundle's terms, from either API's reply.
struct Entry {
  int64_t log_index = 0;
  Bytes log_id;
  std::string kind;
  std::string version;
  int64_t integrated_time = 0;
  Bytes signed_entry_timestamp;  // empty for Rekor v2
  int64_t proof_index = 0;
  Bytes root_hash;
  int64_t tree_size = 0;
  std::vector<Bytes> hashes;
  std::string checkpoint;
  Bytes body;
};

Status Shape(const std::string& why) { return UnavailableError("the reply " + why); }

// Walk follows object fields (either protobuf JSON spelling); nullptr when one is missing.
const Json* Walk(const Json& j, std::initializer_list<std::string_view> path) {
  const Json* at = &j;
  for (std::string_view f : path) {
    Result<const Json*> next = FindProtoField(*at, f);
    if (!next.ok() || *next == nullptr) {
      return nullptr;
    }
    at = *next;
  }
  return at;
}

// Int reads a non-negative int64: a JSON number (Rekor v1) or a decimal string (protobuf JSON).
Result<int64_t> Int(const Json* v, std::string_view what, bool required = true) {
  if (v == nullptr && !required) {
    return 0;  // proto3 JSON omits zero values
  }
  if (v != nullptr && v->is_number_integer() && v->get<int64_t>() >= 0) {
    return v->get<int64_t>();
  }
  if (v != nullptr && v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size() && out >= 0) {
      return out;
    }
  }
  return Shape("has no non-negative integer " + std::string(what));
}

Result<std::string> Str(const Json* v, std::string_view what) {
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    return Shape("has no string " + std::string(what));
  }
  return v->get<std::string>();
}

// Decoded reads a std base64 (Rekor v2, protobuf JSON) or hex (Rekor v1) field.
Result<Bytes> Decoded(const Json* v, std::string_view what, bool hex) {
  VOUCH_ASSIGN_OR_RETURN(std::string s, Str(v, what));
  Result<Bytes> b = hex ? HexDecode(s) : Base64Decode(s, Base64Alphabet::kEither);
  if (!b.ok()) {
    return Shape(std::string(what) + " is not " + (hex ? "hex" : "base64"));
  }
  return b;
}

Result<std::vector<Bytes>> Hashes(const Json* v, bool hex) {
  std::vector<Bytes> out;
  if (v == nullptr) {
    return out;  // a tree of one leaf has an empty proof, which protobuf JSON omits
  }
  if (!v->is_array()) {
    return Shape("inclusion proof hashes are not an array");
  }
  for (const Json& h : *v) {
    VOUCH_ASSIGN_OR_RETURN(Bytes b, Decoded(&h, "inclusion proof hash", hex));
    out.push_back(std::move(b));
  }
  return out;
}

// Proof reads an inclusion proof: Rekor v1 writes hashes in hex and the checkpoint as a
// string, protobuf JSON in base64 and as {"envelope": ...}.
Status Proof(const Json* proof, bool v1, Entry& e) {
  if (proof == nullptr || !proof->is_object()) {
    return Shape("has no inclusion proof");
  }
  VOUCH_ASSIGN_OR_RETURN(e.proof_index, Int(Walk(*proof, {"logIndex"}), "proof logIndex", v1));
  VOUCH_ASSIGN_OR_RETURN(e.tree_size, Int(Walk(*proof, {"treeSize"}), "treeSize"));
  VOUCH_ASSIGN_OR_RETURN(e.root_hash, Decoded(Walk(*proof, {"rootHash"}), "rootHash", v1));
  VOUCH_ASSIGN_OR_RETURN(e.hashes, Hashes(Walk(*proof, {"hashes"}), v1));
  const Json* cp = v1 ? Walk(*proof, {"checkpoint"}) : Walk(*proof, {"checkpoint", "envelope"});
  VOUCH_ASSIGN_OR_RETURN(e.checkpoint, Str(cp, "checkpoint"));
  return OkStatus();
}

// FromV1Reply reads {"<uuid>": {body, integratedTime, logID, logIndex, verification}}.
Result<Entry> FromV1Reply(const Json& reply) {
  if (!reply.is_object() || reply.size() != 1 || !reply.begin().value().is_object()) {
    return Shape("is not one {\"<uuid>\": entry} object");
  }
  const Json& le = reply.begin().value();
  Entry e;
  VOUCH_ASSIGN_OR_RETURN(e.body, Decoded(Walk(le, {"body"}), "body", false));
  VOUCH_ASSIGN_OR_RETURN(e.integrated_time, Int(Walk(le, {"integratedTime"}), "integratedTime"));
  VOUCH_ASSIGN_OR_RETURN(e.log_id, Decoded(Walk(le, {"logID"}), "logID", true));
  VOUCH_ASSIGN_OR_RETURN(e.log_index, Int(Walk(le, {"logIndex"}), "logIndex"));
  VOUCH_ASSIGN_OR_RETURN(
      e.signed_entry_timestamp,
      Decoded(Walk(le, {"verification", "signedEntryTimestamp"}), "signedEntryTimestamp", false));
  VOUCH_RETURN_IF_ERROR(Proof(Walk(le, {"verification", "inclusionProof"}), true, e));
  return e;
}

// FromV2Reply reads a TransparencyLogEntry in protobuf JSON; Rekor v2 gives no SET and no time.
Result<Entry> FromV2Reply(const Json& reply) {
  if (!reply.is_object()) {
    return Shape("is not a TransparencyLogEntry object");
  }
  Entry e;
  VOUCH_ASSIGN_OR_RETURN(e.log_index, Int(Walk(reply, {"logIndex"}), "logIndex", false));
  VOUCH_ASSIGN_OR_RETURN(e.log_id, Decoded(Walk(reply, {"logId", "keyId"}), "logId", false));
  VOUCH_ASSIGN_OR_RETURN(e.kind, Str(Walk(reply, {"kindVersion", "kind"}), "kind"));
  VOUCH_ASSIGN_OR_RETURN(e.version, Str(Walk(reply, {"kindVersion", "version"}), "version"));
  VOUCH_ASSIGN_OR_RETURN(e.integrated_time,
                         Int(Walk(reply, {"integratedTime"}), "integratedTime", false));
  VOUCH_ASSIGN_OR_RETURN(e.body,
                         Decoded(Walk(reply, {"canonicalizedBody"}), "canonicalizedBody", false));
  VOUCH_RETURN_IF_ERROR(Proof(Walk(reply, {"inclusionProof"}), false, e));
  return e;
}

// LoggedSignatures returns the signatures |spec| records for a |kind| |version| body: where
// each of the four entry types Rekor writes keeps them (formats.md 4.4).
std::vector<const Json*> LoggedSignatures(const Json& spec, std::string_view kind,
                                          std::string_view version) {
  std::vector<const Json*> out;
  auto each = [&](const Json* arr, std::string_view field) {
    if (arr != nullptr && arr->is_array()) {
      for (const Json& s : *arr) {
        out.push_back(Walk(s, {field}));
      }
    }
  };
  if (kind == "hashedrekord" && version == "0.0.1") {
    out.push_back(Walk(spec, {"signature", "content"}));
  } else if (kind == "hashedrekord") {
    out.push_back(Walk(spec, {"hashedRekordV002", "signature", "content"}));
  } else if (version == "0.0.1") {
    each(Walk(spec, {"signatures"}), "signature");
  } else {
    each(Walk(spec, {"dsseV002", "signatures"}), "content");
  }
  return out;
}

bool IsString(const Json* v, std::string_view want) {
  return v != nullptr && v->is_string() && v->get_ref<const std::string&>() == want;
}

// CheckBody: the logged body is a |kind| |version| entry of this signature, so that an entry
// for other content (a misrouted or stale reply) is never put in the bundle. Which key and
// which artifact it binds is the verifier's to check.
Status CheckBody(const Entry& e, const Logged& logged, std::string_view version) {
  Result<Json> body = ParseJson(AsChars(e.body), "log entry body");
  if (!body.ok()) {
    return Shape("body is not JSON");
  }
  const Json* spec = Walk(*body, {"spec"});
  if (!IsString(Walk(*body, {"apiVersion"}), version) ||
      !IsString(Walk(*body, {"kind"}), logged.kind) || spec == nullptr || e.kind != logged.kind ||
      e.version != version) {
    return Shape("is not a " + logged.kind + " " + std::string(version) + " entry");
  }
  for (const Json* s : LoggedSignatures(*spec, logged.kind, version)) {
    Result<Bytes> sig =
        s != nullptr && s->is_string()
            ? Base64Decode(s->get_ref<const std::string&>(), Base64Alphabet::kEither)
            : Result<Bytes>(Shape("signature"));
    if (sig.ok() && *sig == logged.signature) {
      return OkStatus();
    }
  }
  return Shape("body does not record the bundle's signature");
}

std::string Decimal(int64_t v) { return std::to_string(v); }

// ToTlogEntry writes the entry as the bundle records it (formats.md 4.2): protobuf JSON,
// schema field order, int64 as decimal strings, bytes in std base64; a zero integratedTime
// (Rekor v2) and a zero proof logIndex are omitted, as protobuf JSON omits defaults.
attest::TlogEntry ToTlogEntry(const Entry& e) {
  OrderedJson j;
  j["logIndex"] = Decimal(e.log_index);
  j["logId"] = {{"keyId", Base64Encode(e.log_id)}};
  j["kindVersion"] = {{"kind", e.kind}, {"version", e.version}};
  if (e.integrated_time != 0) {
    j["integratedTime"] = Decimal(e.integrated_time);
  }
  if (!e.signed_entry_timestamp.empty()) {
    j["inclusionPromise"] = {{"signedEntryTimestamp", Base64Encode(e.signed_entry_timestamp)}};
  }
  OrderedJson proof;
  if (e.proof_index != 0) {
    proof["logIndex"] = Decimal(e.proof_index);
  }
  proof["rootHash"] = Base64Encode(e.root_hash);
  proof["treeSize"] = Decimal(e.tree_size);
  OrderedJson hashes = OrderedJson::array();
  for (const Bytes& h : e.hashes) {
    hashes.push_back(Base64Encode(h));
  }
  proof["hashes"] = std::move(hashes);
  proof["checkpoint"] = {{"envelope", e.checkpoint}};
  j["inclusionProof"] = std::move(proof);
  j["canonicalizedBody"] = Base64Encode(e.body);
  return attest::TlogEntry{e.log_index, e.integrated_time, e.kind, e.version, DumpJson(j)};
}

// StatusText names a refused request, with the log's own reason when it gives one: Rekor v1
// and v2 (gRPC gateway) errors are {"code": N, "message": "..."}. The message is the server's
// text: only printable ASCII of it is kept, and at most 200 characters.
std::string StatusText(const registry::HttpResponse& resp) {
  std::string out = "HTTP status " + std::to_string(resp.status);
  if (resp.status == 409) {
    out += " (the log already holds an entry for this signature)";
  }
  Result<Json> j = ParseJson(AsChars(resp.body), "log error");
  const Json* msg = j.ok() ? FindField(*j, "message") : nullptr;
  if (msg == nullptr || !msg->is_string()) {
    return out;
  }
  std::string reason;
  for (char c : msg->get_ref<const std::string&>()) {
    if (c >= 0x20 && c < 0x7f && reason.size() < 200) {
      reason.push_back(c);
    }
  }
  return reason.empty() ? out : out + ": " + reason;
}

// Post sends |request| to |url| and returns the reply body of a 2xx answer.
Result<Bytes> Post(registry::Transport& transport, const std::string& url,
                   const OrderedJson& request) {
  registry::HttpRequest http;
  http.method = "POST";
  http.url = url;
  http.headers.Add("Content-Type", "application/json");
  http.headers.Add("Accept", "application/json");
  http.body = ToBytes(DumpJson(request));
  http.max_response_bytes = kMaxRekorReplySize;
  VOUCH_ASSIGN_OR_RETURN(registry::HttpResponse resp, transport.RoundTrip(http));
  if (resp.status < 200 || resp.status > 299) {
    return UnavailableError(StatusText(resp));
  }
  return std::move(resp.body);
}

Result<attest::TlogEntry> Upload(registry::Transport& transport, const ServiceEndpoint& log,
                                 const attest::Bundle& bundle, const LogVerifier& verifier) {
  if (log.api_version != 1 && log.api_version != 2) {
    return InvalidArgumentError("unsupported Rekor API version " + std::to_string(log.api_version) +
                                " (1 or 2)");
  }
  if (log.url.rfind("http://", 0) != 0 && log.url.rfind("https://", 0) != 0) {
    return InvalidArgumentError("the URL must be http:// or https://");
  }
  if (verifier.key == nullptr) {
    return InvalidArgumentError("no verifier key for the log entry");
  }
  const bool v1 = log.api_version == 1;
  VOUCH_ASSIGN_OR_RETURN(Logged logged, LoggedOf(bundle));
  VOUCH_ASSIGN_OR_RETURN(OrderedJson request,
                         v1 ? V1Request(logged, verifier) : V2Request(logged, verifier));
  std::string base = log.url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  VOUCH_ASSIGN_OR_RETURN(
      Bytes body,
      Post(transport, base + (v1 ? "/api/v1/log/entries" : "/api/v2/log/entries"), request));
  Result<Json> reply = ParseJson(AsChars(body), "log reply");
  if (!reply.ok()) {
    return Shape("is not JSON");
  }
  VOUCH_ASSIGN_OR_RETURN(Entry e, v1 ? FromV1Reply(*reply) : FromV2Reply(*reply));
  if (v1) {
    // A v1 entry's type is its body's: the reply has no kindVersion.
    e.kind = logged.kind;
    e.version = "0.0.1";
  }
  VOUCH_RETURN_IF_ERROR(CheckBody(e, logged, v1 ? "0.0.1" : "0.0.2"));
  return ToTlogEntry(e);
}

}  // namespace

Result<attest::TlogEntry> UploadToLog(registry::Transport& transport, const ServiceEndpoint& log,
                                      const attest::Bundle& bundle, const LogVerifier& verifier) {
  Result<attest::TlogEntry> out = Upload(transport, log, bundle, verifier);
  if (!out.ok()) {
    return out.status().WithContext("transparency log " + log.url);
  }
  return out;
}

}  // namespace vouch::sign
