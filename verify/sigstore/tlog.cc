#include "sigstore/tlog.h"

#include <openssl/pem.h>

#include <charconv>
#include <chrono>
#include <string>
#include <vector>
#include <limits>
#include <utility>

#include "vouch/attest/dsse.h"
#include "core/internal/json.h"
#include "core/internal/ossl.h"

namespace vouch::verify::sigstore {
namespace {

Status Fail(const std::string& why) { return VerificationFailedError(why); }

// Field finds a protobuf JSON field by its lowerCamelCase or snake_case name (FindProtoField);
// JSON null is "absent", and so is an ambiguous field given in both spellings, which then fails
// as missing wherever it is required.
const Json* Field(const Json& obj, std::string_view camel) {
  Result<const Json*> v = FindProtoField(obj, camel);
  return v.ok() ? *v : nullptr;
}

Result<const Json*> ReqObject(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = Field(obj, field);
  if (v == nullptr || !v->is_object()) {
    return Fail(std::string(what) + ": \"" + std::string(field) + "\" is missing or not an object");
  }
  return v;
}

Result<std::string> ReqString(const Json& obj, std::string_view field, std::string_view what) {
  const Json* v = Field(obj, field);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    return Fail(std::string(what) + ": \"" + std::string(field) + "\" is missing or not a string");
  }
  return v->get<std::string>();
}

Result<Bytes> ReqBase64(const Json& obj, std::string_view field, std::string_view what) {
  VOUCH_ASSIGN_OR_RETURN(std::string s, ReqString(obj, field, what));
  Result<Bytes> b = Base64Decode(s, Base64Alphabet::kEither);
  if (!b.ok()) {
    return Fail(std::string(what) + ": \"" + std::string(field) + "\" is not base64");
  }
  return b;
}

// ParseUint parses a protobuf JSON (u)int64: a decimal string or a JSON number.
Result<uint64_t> ParseUint(const Json* v, std::string_view what) {
  if (v == nullptr) {
    return Fail(std::string(what) + " is missing");
  }
  if (v->is_number_unsigned()) {
    return v->get<uint64_t>();
  }
  if (v->is_number_integer()) {
    int64_t i = v->get<int64_t>();
    if (i < 0) {
      return Fail(std::string(what) + " is negative");
    }
    return static_cast<uint64_t>(i);
  }
  if (!v->is_string()) {
    return Fail(std::string(what) + " is not an integer");
  }
  const std::string& s = v->get_ref<const std::string&>();
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return Fail(std::string(what) + " is not a non-negative decimal integer");
  }
  return out;
}

// PemToDer decodes one PEM block, returning its type ("CERTIFICATE", "PUBLIC KEY") and DER.
Result<std::pair<std::string, Bytes>> PemToDer(ByteView pem, std::string_view what) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  }
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    ClearOpenSslErrors();
    return Fail(std::string(what) + " is not PEM");
  }
  std::pair<std::string, Bytes> out(name, Bytes(data, data + len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return out;
}

// MatchSigner checks that a verifier recorded in the body, of PEM or DER |type|, is the bundle's
// certificate or key.
Status MatchSigner(const std::string& type, ByteView der, const SignedContent& content,
                   std::string_view what) {
  if (type == "CERTIFICATE") {
    if (content.certificate_der.empty() || !ConstantTimeEquals(der, content.certificate_der)) {
      return Fail(std::string(what) + " is a different certificate than the bundle's");
    }
    return OkStatus();
  }
  if (type == "PUBLIC KEY") {
    if (content.public_key_spki.empty() || !ConstantTimeEquals(der, content.public_key_spki)) {
      return Fail(std::string(what) + " is a different public key than the bundle's");
    }
    return OkStatus();
  }
  return Fail(std::string(what) + " is a PEM \"" + type + "\", not a certificate or public key");
}

Status MatchPemSigner(const Json& obj, std::string_view field, const SignedContent& content,
                      std::string_view what) {
  VOUCH_ASSIGN_OR_RETURN(Bytes pem, ReqBase64(obj, field, what));
  VOUCH_ASSIGN_OR_RETURN(auto decoded, PemToDer(pem, std::string(what) + " verifier"));
  return MatchSigner(decoded.first, decoded.second, content, std::string(what) + " verifier");
}

// MatchV2Verifier checks a Rekor v2 Verifier message: {"x509Certificate":{"rawBytes"}} or
// {"publicKey":{"rawBytes"}}.
Status MatchV2Verifier(const Json& verifier, const SignedContent& content, std::string_view what) {
  const Json* cert = Field(verifier, "x509Certificate");
  const Json* key = Field(verifier, "publicKey");
  if ((cert == nullptr) == (key == nullptr)) {
    return Fail(std::string(what) + ": verifier needs exactly one of x509Certificate, publicKey");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes der, ReqBase64(cert != nullptr ? *cert : *key, "rawBytes", what));
  return MatchSigner(cert != nullptr ? "CERTIFICATE" : "PUBLIC KEY", der, content, what);
}

Status MatchSignature(ByteView logged, const SignedContent& content, std::string_view what) {
  if (!ConstantTimeEquals(logged, content.signature)) {
    return Fail(std::string(what) + ": the logged signature is not the bundle's signature");
  }
  return OkStatus();
}

Status MatchHexSha256(const Json& hash, ByteView want, std::string_view what) {
  VOUCH_ASSIGN_OR_RETURN(std::string alg, ReqString(hash, "algorithm", what));
  VOUCH_ASSIGN_OR_RETURN(std::string value, ReqString(hash, "value", what));
  if (alg != "sha256") {
    return Fail(std::string(what) + ": unsupported hash algorithm \"" + alg + "\"");
  }
  if (value != HexEncode(want)) {
    return Fail(std::string(what) + " does not match the bundle");
  }
  return OkStatus();
}

Status MatchProtoSha256(const Json& hash, ByteView want, std::string_view what) {
  VOUCH_ASSIGN_OR_RETURN(std::string alg, ReqString(hash, "algorithm", what));
  if (alg != "SHA2_256") {
    return Fail(std::string(what) + ": unsupported hash algorithm \"" + alg + "\"");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes digest, ReqBase64(hash, "digest", what));
  if (!ConstantTimeEquals(digest, want)) {
    return Fail(std::string(what) + " does not match the bundle");
  }
  return OkStatus();
}

Status NeedMessageSignature(const SignedContent& content, std::string_view kind) {
  if (content.dsse || !content.artifact_sha256.has_value()) {
    return Fail(std::string(kind) + " entry records a message signature, the bundle holds DSSE");
  }
  return OkStatus();
}

Status NeedDsse(const SignedContent& content, std::string_view kind) {
  if (!content.dsse) {
    return Fail(std::string(kind) + " entry records a DSSE envelope, the bundle holds a message "
                "signature");
  }
  return OkStatus();
}

Status BindHashedRekordV001(const Json& spec, const SignedContent& content) {
  constexpr std::string_view kWhat = "hashedrekord 0.0.1 body";
  VOUCH_RETURN_IF_ERROR(NeedMessageSignature(content, "hashedrekord 0.0.1"));
  VOUCH_ASSIGN_OR_RETURN(const Json* data, ReqObject(spec, "data", kWhat));
  VOUCH_ASSIGN_OR_RETURN(const Json* hash, ReqObject(*data, "hash", kWhat));
  if (content.artifact_sha256->algorithm() != HashAlgorithm::kSha256) {
    return InternalError("artifact digest is not SHA-256");
  }
  VOUCH_RETURN_IF_ERROR(
      MatchHexSha256(*hash, content.artifact_sha256->bytes(), "hashedrekord artifact hash"));
  VOUCH_ASSIGN_OR_RETURN(const Json* sig, ReqObject(spec, "signature", kWhat));
  VOUCH_ASSIGN_OR_RETURN(Bytes logged, ReqBase64(*sig, "content", kWhat));
  VOUCH_RETURN_IF_ERROR(MatchSignature(logged, content, "hashedrekord"));
  VOUCH_ASSIGN_OR_RETURN(const Json* pk, ReqObject(*sig, "publicKey", kWhat));
  return MatchPemSigner(*pk, "content", content, "hashedrekord");
}

Status BindHashedRekordV002(const Json& spec, const SignedContent& content) {
  constexpr std::string_view kWhat = "hashedrekord 0.0.2 body";
  VOUCH_ASSIGN_OR_RETURN(const Json* v, ReqObject(spec, "hashedRekordV002", kWhat));
  VOUCH_ASSIGN_OR_RETURN(const Json* data, ReqObject(*v, "data", kWhat));
  // For a DSSE envelope the log records SHA-256 of the PAE bytes (formats.md 4.4).
  Digest want = Digest::Of({});
  if (content.dsse) {
    want = Digest::Of(attest::Pae(content.payload_type, content.payload));
  } else if (content.artifact_sha256.has_value()) {
    want = *content.artifact_sha256;
  } else {
    return InternalError("no artifact digest");
  }
  VOUCH_RETURN_IF_ERROR(MatchProtoSha256(*data, want.bytes(), "hashedrekord digest"));
  VOUCH_ASSIGN_OR_RETURN(const Json* sig, ReqObject(*v, "signature", kWhat));
  VOUCH_ASSIGN_OR_RETURN(Bytes logged, ReqBase64(*sig, "content", kWhat));
  VOUCH_RETURN_IF_ERROR(MatchSignature(logged, content, "hashedrekord"));
  VOUCH_ASSIGN_OR_RETURN(const Json* verifier, ReqObject(*sig, "verifier", kWhat));
  return MatchV2Verifier(*verifier, content, "hashedrekord");
}

Status BindDsseV001(const Json& spec, const SignedContent& content) {
  constexpr std::string_view kWhat = "dsse 0.0.1 body";
  VOUCH_RETURN_IF_ERROR(NeedDsse(content, "dsse 0.0.1"));
  VOUCH_ASSIGN_OR_RETURN(const Json* ph, ReqObject(spec, "payloadHash", kWhat));
  VOUCH_RETURN_IF_ERROR(
      MatchHexSha256(*ph, Digest::Of(content.payload).bytes(), "dsse payload hash"));
  const Json* sigs = Field(spec, "signatures");
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("dsse 0.0.1 body: the envelope has one signature, the entry must record one");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes logged, ReqBase64((*sigs)[0], "signature", kWhat));
  VOUCH_RETURN_IF_ERROR(MatchSignature(logged, content, "dsse"));
  return MatchPemSigner((*sigs)[0], "verifier", content, "dsse");
}

Status BindDsseV002(const Json& spec, const SignedContent& content) {
  constexpr std::string_view kWhat = "dsse 0.0.2 body";
  VOUCH_RETURN_IF_ERROR(NeedDsse(content, "dsse 0.0.2"));
  VOUCH_ASSIGN_OR_RETURN(const Json* v, ReqObject(spec, "dsseV002", kWhat));
  VOUCH_ASSIGN_OR_RETURN(const Json* ph, ReqObject(*v, "payloadHash", kWhat));
  VOUCH_RETURN_IF_ERROR(
      MatchProtoSha256(*ph, Digest::Of(content.payload).bytes(), "dsse payload hash"));
  const Json* sigs = Field(*v, "signatures");
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("dsse 0.0.2 body: the envelope has one signature, the entry must record one");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes logged, ReqBase64((*sigs)[0], "content", kWhat));
  VOUCH_RETURN_IF_ERROR(MatchSignature(logged, content, "dsse"));
  VOUCH_ASSIGN_OR_RETURN(const Json* verifier, ReqObject((*sigs)[0], "verifier", kWhat));
  return MatchV2Verifier(*verifier, content, "dsse");
}

// intoto 0.0.2 (deprecated) stores the envelope with its payload and signatures base64-encoded
// once more than DSSE does; payloadHash is over the decoded payload.
Status BindIntotoV002(const Json& spec, const SignedContent& content) {
  constexpr std::string_view kWhat = "intoto 0.0.2 body";
  VOUCH_RETURN_IF_ERROR(NeedDsse(content, "intoto 0.0.2"));
  VOUCH_ASSIGN_OR_RETURN(const Json* c, ReqObject(spec, "content", kWhat));
  VOUCH_ASSIGN_OR_RETURN(const Json* ph, ReqObject(*c, "payloadHash", kWhat));
  VOUCH_RETURN_IF_ERROR(
      MatchHexSha256(*ph, Digest::Of(content.payload).bytes(), "intoto payload hash"));
  VOUCH_ASSIGN_OR_RETURN(const Json* env, ReqObject(*c, "envelope", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string type, ReqString(*env, "payloadType", kWhat));
  if (type != content.payload_type) {
    return Fail("intoto entry payloadType differs from the envelope's");
  }
  const Json* sigs = Field(*env, "signatures");
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("intoto 0.0.2 body: the envelope has one signature, the entry must record one");
  }
  // Rekor stores the sig base64-encoded twice; older entries (and some test vectors) once.
  VOUCH_ASSIGN_OR_RETURN(Bytes once, ReqBase64((*sigs)[0], "sig", kWhat));
  if (!ConstantTimeEquals(once, content.signature)) {
    Result<Bytes> twice = Base64Decode(AsChars(once), Base64Alphabet::kEither);
    VOUCH_RETURN_IF_ERROR(MatchSignature(twice.ok() ? *twice : once, content, "intoto"));
  }
  return MatchPemSigner((*sigs)[0], "publicKey", content, "intoto");
}

Bytes HashNode(uint8_t prefix, ByteView a, ByteView b) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update(ByteView(&prefix, 1));
  h.Update(a);
  h.Update(b);
  return h.Finish().bytes();
}

// IsRekorV2Kind reports whether kind/version is a Rekor v2 (rekor-tiles) entry type.
bool IsRekorV2Kind(std::string_view kind, std::string_view version) {
  return version == "0.0.2" && (kind == "hashedrekord" || kind == "dsse");
}

}  // namespace

Status VerifyBodyBinding(ByteView body, std::string_view kind, std::string_view kind_version,
                         const SignedContent& content) {
  Result<Json> parsed = ParseJson(AsChars(body), "log entry body");
  if (!parsed.ok()) {
    return Fail("log entry body is not JSON: " + parsed.status().message());
  }
  const Json& j = *parsed;
  constexpr std::string_view kWhat = "log entry body";
  VOUCH_ASSIGN_OR_RETURN(std::string api_version, ReqString(j, "apiVersion", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string body_kind, ReqString(j, "kind", kWhat));
  if (body_kind != kind || api_version != kind_version) {
    return Fail("kindVersion says " + std::string(kind) + " " + std::string(kind_version) +
                " but the body is " + body_kind + " " + api_version);
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* spec, ReqObject(j, "spec", kWhat));
  if (kind == "hashedrekord" && kind_version == "0.0.1") {
    return BindHashedRekordV001(*spec, content);
  }
  if (kind == "hashedrekord" && kind_version == "0.0.2") {
    return BindHashedRekordV002(*spec, content);
  }
  if (kind == "dsse" && kind_version == "0.0.1") {
    return BindDsseV001(*spec, content);
  }
  if (kind == "dsse" && kind_version == "0.0.2") {
    return BindDsseV002(*spec, content);
  }
  if (kind == "intoto" && kind_version == "0.0.2") {
    return BindIntotoV002(*spec, content);
  }
  return Fail("unsupported log entry kind " + std::string(kind) + " " + std::string(kind_version));
}

std::string SignedEntryTimestampPayload(ByteView body, int64_t integrated_time, ByteView log_id,
                                        int64_t log_index) {
  // nlohmann's default object is a sorted map and dump() writes no whitespace: for these four
  // ASCII keys, integer values and base64/hex strings that is exactly RFC 8785.
  Json j = Json::object();
  j["body"] = Base64Encode(body);
  j["integratedTime"] = integrated_time;
  j["logID"] = HexEncode(log_id);
  j["logIndex"] = log_index;
  return DumpJson(j);
}

Status VerifyInclusionProof(ByteView body, uint64_t index, uint64_t tree_size,
                            const std::vector<Bytes>& hashes, ByteView root_hash) {
  if (index >= tree_size) {
    return Fail("inclusion proof: leaf index " + std::to_string(index) +
                " is not inside the tree of size " + std::to_string(tree_size));
  }
  if (root_hash.size() != 32) {
    return Fail("inclusion proof: root hash is not 32 bytes");
  }
  if (hashes.size() > kMaxInclusionProofHashes) {
    return Fail("inclusion proof: too many hashes");
  }
  const uint8_t zero = 0;
  Hasher leaf(HashAlgorithm::kSha256);
  leaf.Update(ByteView(&zero, 1));
  leaf.Update(body);
  Bytes r = leaf.Finish().bytes();
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  for (const Bytes& p : hashes) {
    if (p.size() != 32) {
      return Fail("inclusion proof: a proof hash is not 32 bytes");
    }
    if (sn == 0) {
      return Fail("inclusion proof: more hashes than the tree has levels");
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = HashNode(1, p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashNode(1, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return Fail("inclusion proof: too few hashes for the tree size");
  }
  if (!ConstantTimeEquals(r, root_hash)) {
    return Fail("inclusion proof: the computed root hash differs from the proof's root hash");
  }
  return OkStatus();
}

Result<SignedNote> ParseSignedNote(std::string_view envelope) {
  constexpr std::string_view kEmDash = "\xE2\x80\x94 ";
  size_t blank = envelope.rfind("\n\n");
  if (blank == std::string_view::npos) {
    return Fail("checkpoint: no blank line before the signatures");
  }
  std::string_view text = envelope.substr(0, blank + 1);
  std::string_view sigs = envelope.substr(blank + 2);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7F) {
      return Fail("checkpoint: the note text holds a control character");
    }
  }
  if (!sigs.empty() && sigs.back() != '\n') {
    return Fail("checkpoint: the last signature line does not end with a newline");
  }
  SignedNote note;
  note.text = std::string(text);
  while (!sigs.empty()) {
    if (note.signatures.size() == kMaxNoteSignatures) {
      return Fail("checkpoint: more than " + std::to_string(kMaxNoteSignatures) +
                  " signature lines");
    }
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (line.substr(0, kEmDash.size()) != kEmDash) {
      return Fail("checkpoint: a signature line does not start with an em dash");
    }
    line.remove_prefix(kEmDash.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) {
      return Fail("checkpoint: a signature line has no key name");
    }
    Result<Bytes> blob = Base64Decode(line.substr(sp + 1), Base64Alphabet::kStd);
    if (!blob.ok() || blob->size() < 5) {
      return Fail("checkpoint: a signature line's signature is not base64 of key id and "
                  "signature");
    }
    NoteSignature sig;
    sig.name = std::string(line.substr(0, sp));
    sig.key_id.assign(blob->begin(), blob->begin() + 4);
    sig.signature.assign(blob->begin() + 4, blob->end());
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  if (lines.size() < 3 || lines[0].empty()) {
    return Fail("checkpoint: the note lacks an origin, a tree size or a root hash");
  }
  Checkpoint out;
  out.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), out.tree_size);
  if (size.empty() || ec != std::errc() || end != size.data() + size.size() ||
      (size.size() > 1 && size[0] == '0')) {
    return Fail("checkpoint: the tree size line is not a decimal number");
  }
  Result<Bytes> root = Base64Decode(lines[2], Base64Alphabet::kStd);
  if (!root.ok() || root->size() != 32) {
    return Fail("checkpoint: the root hash line is not base64 of 32 bytes");
  }
  out.root_hash = std::move(root).value();
  return out;
}

Result<Checkpoint> VerifyCheckpoint(std::string_view envelope,
                                    const TransparencyLogInstance& log) {
  if (log.key == nullptr) {
    return InternalError("transparency log without a key");
  }
  VOUCH_ASSIGN_OR_RETURN(SignedNote note, ParseSignedNote(envelope));
  bool known = false;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.name != log.checkpoint_key_name || log.checkpoint_key_id.size() != 4 ||
        !ConstantTimeEquals(sig.key_id, log.checkpoint_key_id)) {
      continue;  // a witness cosignature or another key: not ours to check
    }
    known = true;
    if (!log.key->Verify(sig.signature, AsBytes(note.text), log.scheme).ok()) {
      return Fail("checkpoint: the signature of " + sig.name + " does not verify");
    }
  }
  if (!known) {
    return Fail("checkpoint: no signature by the log's key (" + log.checkpoint_key_name + " " +
                HexEncode(log.checkpoint_key_id) + ")");
  }
  return ParseCheckpointText(note.text);
}

namespace {

TimePoint IntegratedTime(const attest::TlogEntry& entry) {
  return TimePoint(std::chrono::seconds(entry.integrated_time));
}

// InstanceAt picks the instance of a log (several may share one key, with other windows) that
// is valid at the verified time |t|.
Result<const TransparencyLogInstance*> InstanceAt(
    const std::vector<const TransparencyLogInstance*>& logs, ByteView log_id, TimePoint t) {
  for (const TransparencyLogInstance* l : logs) {
    if (l->valid_for.Contains(t)) {
      return l;
    }
  }
  return Fail("log " + Base64Encode(log_id) + " is not valid at the entry's integrated time " +
              FormatRfc3339(t));
}

// VerifyProof checks the inclusion proof and the signed checkpoint that vouches for its root.
Status VerifyProof(const Json& proof, ByteView body, VerifiedTlogEntry& out) {
  constexpr std::string_view kWhat = "inclusion proof";
  // proto3 JSON omits zero values: an absent logIndex is leaf 0 (sigstore-js writes the first
  // entry of a fresh log that way); a tree size of 0 cannot hold the leaf and fails below.
  uint64_t index = 0;
  if (const Json* li = Field(proof, "logIndex"); li != nullptr) {
    VOUCH_ASSIGN_OR_RETURN(index, ParseUint(li, "inclusion proof logIndex"));
  }
  VOUCH_ASSIGN_OR_RETURN(uint64_t size, ParseUint(Field(proof, "treeSize"), "inclusion proof "
                                                  "treeSize"));
  VOUCH_ASSIGN_OR_RETURN(Bytes root_hash, ReqBase64(proof, "rootHash", kWhat));
  std::vector<Bytes> hashes;
  if (const Json* hs = Field(proof, "hashes"); hs != nullptr) {
    if (!hs->is_array() || hs->size() > kMaxInclusionProofHashes) {
      return Fail("inclusion proof: hashes must be an array of at most 64");
    }
    for (const Json& h : *hs) {
      Result<Bytes> b = h.is_string() ? Base64Decode(h.get_ref<const std::string&>(),
                                                     Base64Alphabet::kEither)
                                      : Result<Bytes>(Fail("not a string"));
      if (!b.ok()) {
        return Fail("inclusion proof: a hash is not base64");
      }
      hashes.push_back(std::move(b).value());
    }
  }
  VOUCH_RETURN_IF_ERROR(VerifyInclusionProof(body, index, size, hashes, root_hash));
  out.inclusion_proof_verified = true;

  // A proof proves inclusion in a tree whose root hash only a checkpoint signature vouches for:
  // without one it proves nothing, whatever else the entry carries (a SET included).
  const Json* cp = Field(proof, "checkpoint");
  const Json* env = cp != nullptr ? Field(*cp, "envelope") : nullptr;
  if (env == nullptr || !env->is_string() || env->get_ref<const std::string&>().empty()) {
    return Fail("inclusion proof has no checkpoint: its root hash is vouched for by no log "
                "signature");
  }
  VOUCH_ASSIGN_OR_RETURN(Checkpoint checkpoint,
                         VerifyCheckpoint(env->get_ref<const std::string&>(), *out.log));
  if (checkpoint.tree_size != size) {
    return Fail("checkpoint: tree size " + std::to_string(checkpoint.tree_size) +
                " differs from the inclusion proof's " + std::to_string(size));
  }
  if (!ConstantTimeEquals(checkpoint.root_hash, root_hash)) {
    return Fail("checkpoint: root hash differs from the inclusion proof's");
  }
  return OkStatus();
}

}  // namespace

Result<VerifiedTlogEntry> VerifyTlogEntry(const attest::TlogEntry& entry,
                                          attest::BundleVersion version,
                                          const SignedContent& content, const TrustedRoot& root) {
  Result<Json> parsed = ParseJson(entry.json, "tlog entry");
  if (!parsed.ok()) {
    return Fail(parsed.status().message());
  }
  const Json& j = *parsed;
  if (entry.kind.empty() || entry.kind_version.empty()) {
    return Fail("kindVersion is missing");
  }
  VerifiedTlogEntry out;
  out.rekor_v2 = IsRekorV2Kind(entry.kind, entry.kind_version);

  // The log: chosen by logId. Its instances share one key; which instance (window) applies is
  // decided by a verified time only: the integrated time once its SET verified, else the caller
  // checks the window at the RFC 3161 times (never at an unverified or zero integrated time).
  VOUCH_ASSIGN_OR_RETURN(const Json* log_id_obj, ReqObject(j, "logId", "tlog entry"));
  VOUCH_ASSIGN_OR_RETURN(Bytes log_id, ReqBase64(*log_id_obj, "keyId", "tlog entry logId"));
  std::vector<const TransparencyLogInstance*> logs = root.FindTlogs(log_id);
  if (logs.empty()) {
    return Fail("log " + Base64Encode(log_id) + " is not in the trusted root");
  }
  out.log = logs.front();

  VOUCH_ASSIGN_OR_RETURN(Bytes body, ReqBase64(j, "canonicalizedBody", "tlog entry"));
  VOUCH_RETURN_IF_ERROR(VerifyBodyBinding(body, entry.kind, entry.kind_version, content));

  // Signed entry timestamp (Rekor v1): the only thing that makes integratedTime a verified time,
  // and only a non-zero one (an entry logged without a time has none to verify).
  const Json* promise = Field(j, "inclusionPromise");
  if (promise != nullptr && !out.rekor_v2) {
    VOUCH_ASSIGN_OR_RETURN(Bytes set,
                           ReqBase64(*promise, "signedEntryTimestamp", "inclusion promise"));
    std::string payload =
        SignedEntryTimestampPayload(body, entry.integrated_time, log_id, entry.log_index);
    if (!out.log->key->Verify(set, AsBytes(payload), out.log->scheme).ok()) {
      return Fail("signed entry timestamp does not verify with the log's key");
    }
    if (entry.integrated_time > 0) {
      VOUCH_ASSIGN_OR_RETURN(out.log, InstanceAt(logs, log_id, IntegratedTime(entry)));
      out.integrated_time = IntegratedTime(entry);
    }
  } else if (version == attest::BundleVersion::kV01) {
    return Fail("a v0.1 bundle's log entry needs a signed entry timestamp (inclusionPromise)");
  }

  const Json* proof = Field(j, "inclusionProof");
  if (proof == nullptr) {
    if (version != attest::BundleVersion::kV01 || out.rekor_v2) {
      return Fail("log entry has no inclusion proof (required for v0.2+ bundles and Rekor v2)");
    }
    return out;
  }
  VOUCH_RETURN_IF_ERROR(VerifyProof(*proof, body, out));
  return out;
}
}  // namespace vouch::verify::sigstore
