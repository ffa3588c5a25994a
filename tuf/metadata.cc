#include "metadata.h"

#include <openssl/evp.h>

#include <set>
#include <utility>

#include "canonical_json.h"
#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "vouch/core/digest.h"

namespace vouch::tuf::internal {

namespace {

// Rejected turns a parse error of repository data into a rejection: the repository sent it.
Status Rejected(const Status& s, std::string_view role) {
  return s.ok() ? s : VerificationFailedError(std::string(role) + " metadata: " + s.message());
}

Result<uint64_t> GetCount(const Json& obj, std::string_view field, std::string_view what,
                          int64_t min) {
  VOUCH_ASSIGN_OR_RETURN(int64_t v, GetInt(obj, field, what));
  if (v < min) {
    return InvalidArgumentError(std::string(what) + "." + std::string(field) +
                                " must be at least " + std::to_string(min));
  }
  return static_cast<uint64_t>(v);
}

Result<std::map<std::string, std::string>> ParseHashes(const Json& obj, std::string_view what) {
  std::map<std::string, std::string> out;
  const Json* hashes = FindField(obj, "hashes");
  if (hashes == nullptr) {
    return out;
  }
  if (!hashes->is_object()) {
    return InvalidArgumentError(std::string(what) + ".hashes must be an object");
  }
  for (const auto& [alg, hex] : hashes->items()) {
    if (!hex.is_string()) {
      return InvalidArgumentError(std::string(what) + ".hashes." + alg + " must be a string");
    }
    out[alg] = hex.get<std::string>();
  }
  return out;
}

// Ed25519Verifier builds the key from its raw 32 bytes (TUF writes ed25519 keys as hex).
Result<keys::Verifier> Ed25519Verifier(const std::string& hex) {
  VOUCH_ASSIGN_OR_RETURN(Bytes raw, HexDecode(hex));
  OsslPtr<EVP_PKEY> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
  if (pkey == nullptr) {
    return OpenSslError(ErrorCode::kInvalidArgument, "not an ed25519 public key");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes der, PublicKeyDer(pkey.get()));
  return keys::Verifier::FromSpkiDer(der);
}

// ParseKey reads one "keys" entry. A key type or scheme vouch does not know gives a key that
// never verifies (spec: clients ignore keys they cannot use); a known one that does not parse
// is an error.
Result<PublicKey> ParseKey(const Json& k, const std::string& what) {
  VOUCH_ASSIGN_OR_RETURN(std::string keytype, GetString(k, "keytype", what));
  VOUCH_ASSIGN_OR_RETURN(std::string scheme, GetString(k, "scheme", what));
  VOUCH_ASSIGN_OR_RETURN(const Json* keyval, GetObject(k, "keyval", what));
  PublicKey out;
  std::optional<keys::KeyAlgorithm> want;
  if ((keytype == "ecdsa" || keytype == "ecdsa-sha2-nistp256") && scheme == "ecdsa-sha2-nistp256") {
    want = keys::KeyAlgorithm::kEcdsaP256;
    out.scheme = keys::SignatureScheme::kEcdsaSha256;
  } else if ((keytype == "ecdsa" || keytype == "ecdsa-sha2-nistp384") &&
             scheme == "ecdsa-sha2-nistp384") {
    want = keys::KeyAlgorithm::kEcdsaP384;
    out.scheme = keys::SignatureScheme::kEcdsaSha384;
  } else if (keytype == "ed25519" && scheme == "ed25519") {
    want = keys::KeyAlgorithm::kEd25519;
    out.scheme = keys::SignatureScheme::kEd25519;
  } else if (keytype == "rsa" && scheme == "rsassa-pss-sha256") {
    out.scheme = keys::SignatureScheme::kRsaPssSha256;
  } else {
    return out;
  }
  VOUCH_ASSIGN_OR_RETURN(std::string pub, GetString(*keyval, "public", what + ".keyval"));
  // Ed25519 keys are hex in the specification; tuf-js and go-tuf also accept PEM.
  const bool pem = pub.rfind("-----BEGIN", 0) == 0;
  Result<keys::Verifier> v =
      keytype == "ed25519" && !pem ? Ed25519Verifier(pub) : keys::Verifier::FromPem(pub);
  if (!v.ok()) {
    return v.status().WithContext(what);
  }
  if (want && v->algorithm() != *want) {
    return InvalidArgumentError(what + ": the key is not of the type its scheme names");
  }
  out.verifier = std::move(*v);
  return out;
}

Status ParseRoot(const Json& s, Metadata& md) {
  VOUCH_ASSIGN_OR_RETURN(const Json* keys, GetObject(s, "keys", "root"));
  for (const auto& [id, k] : keys->items()) {
    VOUCH_ASSIGN_OR_RETURN(md.keys[id], ParseKey(k, "root.keys." + id));
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* roles, GetObject(s, "roles", "root"));
  for (const char* name : {"root", "timestamp", "snapshot", "targets"}) {
    const std::string what = std::string("root.roles.") + name;
    VOUCH_ASSIGN_OR_RETURN(const Json* r, GetObject(*roles, name, "root.roles"));
    VOUCH_ASSIGN_OR_RETURN(const Json* ids, GetArray(*r, "keyids", what));
    Role role;
    VOUCH_ASSIGN_OR_RETURN(role.threshold, GetCount(*r, "threshold", what, 1));
    for (const Json& id : *ids) {
      if (!id.is_string()) {
        return InvalidArgumentError(what + ".keyids must hold strings");
      }
      role.keyids.push_back(id.get<std::string>());
    }
    md.roles[name] = std::move(role);
  }
  const Json* cs = FindField(s, "consistent_snapshot");
  md.consistent_snapshot = cs != nullptr && cs->is_boolean() && cs->get<bool>();
  return OkStatus();
}

Status ParseMeta(const Json& s, Metadata& md) {
  VOUCH_ASSIGN_OR_RETURN(const Json* meta, GetObject(s, "meta", md.type));
  for (const auto& [name, m] : meta->items()) {
    const std::string what = md.type + ".meta." + name;
    MetaFile f;
    VOUCH_ASSIGN_OR_RETURN(f.version, GetCount(m, "version", what, 1));
    if (FindField(m, "length") != nullptr) {
      VOUCH_ASSIGN_OR_RETURN(f.length, GetCount(m, "length", what, 0));
    }
    VOUCH_ASSIGN_OR_RETURN(f.hashes, ParseHashes(m, what));
    md.meta[name] = std::move(f);
  }
  if (md.type == "timestamp" && md.meta.count("snapshot.json") == 0) {
    return InvalidArgumentError("timestamp.meta has no snapshot.json");
  }
  return OkStatus();
}

Status ParseTargets(const Json& s, Metadata& md) {
  VOUCH_ASSIGN_OR_RETURN(const Json* targets, GetObject(s, "targets", "targets"));
  for (const auto& [name, t] : targets->items()) {
    const std::string what = "targets.targets." + name;
    TargetFile f;
    VOUCH_ASSIGN_OR_RETURN(f.length, GetCount(t, "length", what, 0));
    VOUCH_ASSIGN_OR_RETURN(f.hashes, ParseHashes(t, what));
    if (f.hashes.empty()) {
      return InvalidArgumentError(what + " has no hashes");
    }
    md.targets[name] = std::move(f);
  }
  md.has_delegations = FindField(s, "delegations") != nullptr;
  return OkStatus();
}

Status ParseSignatures(const Json& doc, Metadata& md) {
  VOUCH_ASSIGN_OR_RETURN(const Json* sigs, GetArray(doc, "signatures", md.type));
  for (const Json& s : *sigs) {
    Signature sig;
    VOUCH_ASSIGN_OR_RETURN(sig.keyid, GetString(s, "keyid", "signature"));
    VOUCH_ASSIGN_OR_RETURN(std::string hex, GetString(s, "sig", "signature"));
    Result<Bytes> raw = HexDecode(hex);
    if (!raw.ok()) {
      continue;  // a signature that is not hex cannot verify; the threshold decides
    }
    sig.sig = std::move(*raw);
    md.signatures.push_back(std::move(sig));
  }
  return OkStatus();
}

Result<Metadata> Parse(ByteView data, std::string_view role) {
  VOUCH_ASSIGN_OR_RETURN(Json doc, ParseJson(AsChars(data), role));
  VOUCH_ASSIGN_OR_RETURN(const Json* s, GetObject(doc, "signed", role));
  Metadata md;
  VOUCH_ASSIGN_OR_RETURN(md.type, GetString(*s, "_type", role));
  if (md.type != role) {
    return InvalidArgumentError("_type is \"" + md.type + "\", expected \"" + std::string(role) +
                                "\"");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string spec, GetString(*s, "spec_version", role));
  if (spec.rfind("1.", 0) != 0) {
    return InvalidArgumentError("spec_version " + spec + " is not 1.x");
  }
  VOUCH_ASSIGN_OR_RETURN(md.version, GetCount(*s, "version", role, 1));
  VOUCH_ASSIGN_OR_RETURN(std::string expires, GetString(*s, "expires", role));
  VOUCH_ASSIGN_OR_RETURN(md.expires, ParseRfc3339(expires));
  VOUCH_ASSIGN_OR_RETURN(md.signed_bytes, CanonicalJson(*s));
  VOUCH_RETURN_IF_ERROR(ParseSignatures(doc, md));
  if (role == "root") {
    VOUCH_RETURN_IF_ERROR(ParseRoot(*s, md));
  } else if (role == "timestamp" || role == "snapshot") {
    VOUCH_RETURN_IF_ERROR(ParseMeta(*s, md));
  } else {
    VOUCH_RETURN_IF_ERROR(ParseTargets(*s, md));
  }
  return md;
}

Result<HashAlgorithm> TufHash(const std::string& name) {
  if (name == "sha256") {
    return HashAlgorithm::kSha256;
  }
  if (name == "sha384") {
    return HashAlgorithm::kSha384;
  }
  if (name == "sha512") {
    return HashAlgorithm::kSha512;
  }
  return UnimplementedError("hash algorithm " + name);
}

}  // namespace

Result<Metadata> ParseMetadata(ByteView data, std::string_view role) {
  Result<Metadata> md = Parse(data, role);
  if (!md.ok()) {
    return Rejected(md.status(), role);
  }
  return md;
}

Status VerifyRole(const Metadata& root, std::string_view role, const Metadata& md) {
  auto r = root.roles.find(std::string(role));
  if (r == root.roles.end()) {
    return VerificationFailedError("root version " + std::to_string(root.version) +
                                   " has no role " + std::string(role));
  }
  const Role& want = r->second;
  std::set<std::string> listed(want.keyids.begin(), want.keyids.end());
  std::set<std::string> counted_ids;
  std::set<Bytes> counted_keys;
  for (const Signature& sig : md.signatures) {
    if (listed.count(sig.keyid) == 0 || counted_ids.count(sig.keyid) > 0) {
      continue;
    }
    auto k = root.keys.find(sig.keyid);
    if (k == root.keys.end() || !k->second.verifier) {
      continue;
    }
    const keys::Verifier& v = *k->second.verifier;
    if (counted_keys.count(v.SpkiDer()) > 0) {
      continue;
    }
    if (v.Verify(sig.sig, AsBytes(md.signed_bytes), k->second.scheme).ok()) {
      counted_ids.insert(sig.keyid);
      counted_keys.insert(v.SpkiDer());
    }
  }
  if (counted_ids.size() < want.threshold) {
    return VerificationFailedError(md.type + " version " + std::to_string(md.version) + ": " +
                                   std::to_string(counted_ids.size()) + " of the " +
                                   std::to_string(want.threshold) +
                                   " required signatures (threshold) of the " + std::string(role) +
                                   " keys of root version " + std::to_string(root.version));
  }
  return OkStatus();
}

bool SameRoleKeys(const Metadata& a, const Metadata& b, std::string_view role) {
  auto ra = a.roles.find(std::string(role));
  auto rb = b.roles.find(std::string(role));
  if (ra == a.roles.end() || rb == b.roles.end()) {
    return false;
  }
  std::set<std::string> ka(ra->second.keyids.begin(), ra->second.keyids.end());
  std::set<std::string> kb(rb->second.keyids.begin(), rb->second.keyids.end());
  return ka == kb && ra->second.threshold == rb->second.threshold;
}

Status CheckExpiry(const Metadata& md, TimePoint now) {
  if (md.expires <= now) {
    return VerificationFailedError(md.type + " version " + std::to_string(md.version) +
                                   " expired at " + FormatRfc3339(md.expires) +
                                   " (freeze protection)");
  }
  return OkStatus();
}

Status CheckFile(ByteView data, std::optional<uint64_t> length,
                 const std::map<std::string, std::string>& hashes, std::string_view what) {
  if (length && data.size() != *length) {
    return VerificationFailedError(std::string(what) + ": length " + std::to_string(data.size()) +
                                   " differs from the " + std::to_string(*length) +
                                   " the metadata gives");
  }
  for (const auto& [name, hex] : hashes) {
    Result<HashAlgorithm> alg = TufHash(name);
    if (!alg.ok()) {
      return VerificationFailedError(std::string(what) + ": " + alg.status().message() +
                                     " is not supported");
    }
    if (Digest::Of(data, *alg).Hex() != hex) {
      return VerificationFailedError(std::string(what) + ": " + name +
                                     " hash mismatch (the file differs from the metadata)");
    }
  }
  return OkStatus();
}

}  // namespace vouch::tuf::internal
