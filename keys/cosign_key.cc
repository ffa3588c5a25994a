// cosign / Sigstore encrypted private keys (docs formats.md section 7.1): PEM around the JSON of
// go-securesystemslib "encrypted": scrypt KDF + NaCl secretbox over PKCS#8 DER.
#include <openssl/rand.h>
#include <sodium.h>

#include <array>

#include "core/internal/json.h"
#include "key_internal.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

using internal::SecretBytes;

constexpr uint64_t kCosignR = 8;
constexpr uint64_t kCosignP = 1;
// The (N, r, p) triples cosign's readers accept: legacy, standard (current writers), OWASP.
constexpr std::array<uint64_t, 3> kAllowedN = {32768, 65536, 131072};
constexpr uint64_t kCosignWriteN = 65536;
constexpr size_t kSaltSize = 32;
constexpr uint64_t kScryptMaxMem = 256ull * 1024 * 1024;
constexpr std::string_view kWhat = "cosign key";

bool AllowedN(uint64_t n) {
  for (uint64_t a : kAllowedN) {
    if (a == n) {
      return true;
    }
  }
  return false;
}

Status SodiumReady() {
  // sodium_init is idempotent and thread-safe: 0 first time, 1 afterwards, -1 on failure.
  if (sodium_init() < 0) {
    return InternalError("libsodium failed to initialise");
  }
  return OkStatus();
}

Result<SecretBytes> CosignKdf(const SecretString& password, ByteView salt, uint64_t n) {
  SecretBytes key(crypto_secretbox_KEYBYTES);
  const char* pass = password.empty() ? "" : password.view().data();
  if (EVP_PBE_scrypt(pass, password.size(), salt.data(), salt.size(), n, kCosignR, kCosignP,
                     kScryptMaxMem, key.data(), key.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "scrypt failed");
  }
  return key;
}

// ExpectKeys fails on any member of |obj| outside |allowed| (readers fail on unexpected fields).
Status ExpectKeys(const Json& obj, std::initializer_list<std::string_view> allowed,
                  std::string_view where) {
  if (!obj.is_object()) {
    return InvalidArgumentError(std::string(kWhat) + ": " + std::string(where) +
                                " is not an object");
  }
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (std::string_view a : allowed) {
      ok = ok || it.key() == a;
    }
    if (!ok) {
      return InvalidArgumentError(std::string(kWhat) + ": unexpected field \"" +
                                  it.key().substr(0, 32) + "\" in " + std::string(where));
    }
  }
  return OkStatus();
}

}  // namespace

namespace internal {

Result<SecretBytes> DecryptCosignKey(ByteView json_body, const SecretString& password) {
  VOUCH_ASSIGN_OR_RETURN(Json j, ParseJson(AsChars(json_body), kWhat));
  VOUCH_RETURN_IF_ERROR(ExpectKeys(j, {"kdf", "cipher", "ciphertext"}, "the key"));
  VOUCH_ASSIGN_OR_RETURN(const Json* kdf, GetObject(j, "kdf", kWhat));
  VOUCH_ASSIGN_OR_RETURN(const Json* cipher, GetObject(j, "cipher", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string ct_b64, GetString(j, "ciphertext", kWhat));
  VOUCH_RETURN_IF_ERROR(ExpectKeys(*kdf, {"name", "params", "salt"}, "kdf"));
  VOUCH_RETURN_IF_ERROR(ExpectKeys(*cipher, {"name", "nonce"}, "cipher"));

  VOUCH_ASSIGN_OR_RETURN(std::string kdf_name, GetString(*kdf, "name", kWhat));
  if (kdf_name != "scrypt") {
    return InvalidArgumentError("cosign key uses an unsupported KDF (only scrypt)");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string cipher_name, GetString(*cipher, "name", kWhat));
  if (cipher_name != "nacl/secretbox") {
    return InvalidArgumentError("cosign key uses an unsupported cipher (only nacl/secretbox)");
  }
  VOUCH_ASSIGN_OR_RETURN(const Json* params, GetObject(*kdf, "params", kWhat));
  VOUCH_RETURN_IF_ERROR(ExpectKeys(*params, {"N", "r", "p"}, "kdf.params"));
  VOUCH_ASSIGN_OR_RETURN(int64_t n, GetInt(*params, "N", kWhat));
  VOUCH_ASSIGN_OR_RETURN(int64_t r, GetInt(*params, "r", kWhat));
  VOUCH_ASSIGN_OR_RETURN(int64_t p, GetInt(*params, "p", kWhat));
  // DoS guard: only the three parameter sets cosign accepts, checked before any scrypt work.
  if (n < 0 || !AllowedN(static_cast<uint64_t>(n)) || r != static_cast<int64_t>(kCosignR) ||
      p != static_cast<int64_t>(kCosignP)) {
    return InvalidArgumentError("cosign key uses unsupported scrypt parameters (N=" +
                                std::to_string(n) + ", r=" + std::to_string(r) +
                                ", p=" + std::to_string(p) + ")");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string salt_b64, GetString(*kdf, "salt", kWhat));
  VOUCH_ASSIGN_OR_RETURN(std::string nonce_b64, GetString(*cipher, "nonce", kWhat));
  Result<Bytes> salt = Base64Decode(salt_b64);
  Result<Bytes> nonce = Base64Decode(nonce_b64);
  Result<Bytes> ct = Base64Decode(ct_b64);
  if (!salt.ok() || !nonce.ok() || !ct.ok()) {
    return InvalidArgumentError("cosign key has malformed base64 fields");
  }
  if (salt->empty() || salt->size() > 64) {
    return InvalidArgumentError("cosign key has a bad salt length");
  }
  if (nonce->size() != crypto_secretbox_NONCEBYTES) {
    return InvalidArgumentError("cosign key nonce must be 24 bytes");
  }
  if (ct->size() <= crypto_secretbox_MACBYTES) {
    return InvalidArgumentError("cosign key ciphertext is too short");
  }
  VOUCH_RETURN_IF_ERROR(SodiumReady());
  VOUCH_ASSIGN_OR_RETURN(SecretBytes key, CosignKdf(password, *salt, static_cast<uint64_t>(n)));
  SecretBytes plain(ct->size() - crypto_secretbox_MACBYTES);
  // crypto_secretbox_open_easy expects the 16-byte Poly1305 tag first, as NaCl Go writes it.
  if (crypto_secretbox_open_easy(plain.data(), ct->data(), ct->size(), nonce->data(),
                                 key.data()) != 0) {
    return InvalidArgumentError("wrong password or corrupt key");
  }
  return plain;
}

Result<std::string> EncryptCosignKey(ByteView pkcs8, const SecretString& password, uint64_t n) {
  if (!AllowedN(n)) {
    return InvalidArgumentError("scrypt N must be 32768, 65536 or 131072");
  }
  VOUCH_RETURN_IF_ERROR(SodiumReady());
  Bytes salt(kSaltSize);
  Bytes nonce(crypto_secretbox_NONCEBYTES);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1 ||
      RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return OpenSslError(ErrorCode::kInternal, "random number generator failed");
  }
  VOUCH_ASSIGN_OR_RETURN(SecretBytes key, CosignKdf(password, salt, n));
  Bytes ct(pkcs8.size() + crypto_secretbox_MACBYTES);
  if (crypto_secretbox_easy(ct.data(), pkcs8.data(), pkcs8.size(), nonce.data(), key.data()) !=
      0) {
    return InternalError("secretbox encryption failed");
  }
  // Field order as go-securesystemslib writes it: kdf{name,params{N,r,p},salt},
  // cipher{name,nonce}, ciphertext.
  OrderedJson params;
  params["N"] = n;
  params["r"] = kCosignR;
  params["p"] = kCosignP;
  OrderedJson kdf;
  kdf["name"] = "scrypt";
  kdf["params"] = std::move(params);
  kdf["salt"] = Base64Encode(salt);
  OrderedJson cipher;
  cipher["name"] = "nacl/secretbox";
  cipher["nonce"] = Base64Encode(nonce);
  OrderedJson doc;
  doc["kdf"] = std::move(kdf);
  doc["cipher"] = std::move(cipher);
  doc["ciphertext"] = Base64Encode(ct);
  return DumpJson(doc);
}

}  // namespace internal

Result<SecretString> ExportCosignPem(const Signer& signer, const SecretString& password,
                                     SecretAccessToken token, uint64_t scrypt_n) {
  VOUCH_ASSIGN_OR_RETURN(SecretBytes p8, internal::PrivatePkcs8Der(signer, token));
  VOUCH_ASSIGN_OR_RETURN(std::string body, internal::EncryptCosignKey(p8.view(), password,
                                                                       scrypt_n));
  return internal::EncodePem(internal::kSigstorePemType, AsBytes(body));
}

Result<SecretString> ExportCosignPem(const Signer& signer, const SecretString& password,
                                     SecretAccessToken token) {
  return ExportCosignPem(signer, password, token, kCosignWriteN);
}

}  // namespace vouch::keys
