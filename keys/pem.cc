// PEM framing, PKCS#8 (plain and PBES2-encrypted) import/export, and --key spec reading.
//
// PBES2 (RFC 8018 section 6.2) is written by OpenSSL (PKCS8_set0_pbe) but parsed here rather than
// through PKCS8_decrypt: OpenSSL's PKCS#5 code runs scrypt with its default 32 MiB memory cap,
// which rejects N >= 2^15 with r = 8 (the parameters of key files vouch wrote before, and of
// cosign's). Doing the KDF ourselves also lets us bound the KDF cost of untrusted key files
// before running it.
#include <openssl/asn1.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstdlib>

#include "key_internal.h"
#include "vouch/core/file.h"
#include "vouch/keys/key_pair_files.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {
namespace {

using internal::PemBlock;
using internal::SecretBytes;

// scrypt parameters vouch writes into "ENCRYPTED PRIVATE KEY" files: N = 2^14, r = 8, p = 1
// (16 MiB, RFC 7914's interactive-login cost): memory-hard, and within the 32 MiB scrypt cap that
// OpenSSL (and so `openssl pkey` and Python's cryptography) applies by default. Files written
// before with N = 2^16 are still read (the bounds below).
constexpr uint64_t kPkcs8ScryptN = 16384;
constexpr uint64_t kPkcs8ScryptR = 8;
constexpr uint64_t kPkcs8ScryptP = 1;
// Bounds on the KDF cost of key files we read: scrypt N in [2^14, 2^17] (power of two), r = 8,
// p = 1; PBKDF2 at most 10 million iterations.
constexpr uint64_t kMinReadScryptN = 1u << 14;
constexpr uint64_t kMaxReadScryptN = 1u << 17;
constexpr uint64_t kMaxPbkdf2Iterations = 10'000'000;
// Memory cap passed to scrypt: enough for N = 2^17, r = 8 (128 MiB) plus slack.
constexpr uint64_t kScryptMaxMem = 256ull * 1024 * 1024;

constexpr std::string_view kEncryptedPkcs8Type = "ENCRYPTED PRIVATE KEY";

Status WrongPassword() { return InvalidArgumentError("wrong password or corrupt key"); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

Result<SecretBytes> Scrypt(const SecretString& password, ByteView salt, uint64_t n, uint64_t r,
                           uint64_t p, size_t key_len) {
  SecretBytes key(key_len);
  // A non-null pointer even for the empty password: OpenSSL treats NULL differently.
  const char* pass = password.empty() ? "" : password.view().data();
  if (EVP_PBE_scrypt(pass, password.size(), salt.data(), salt.size(), n, r, p, kScryptMaxMem,
                     key.data(), key.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "scrypt failed");
  }
  return key;
}

struct Pbe2Deleter {
  void operator()(PBE2PARAM* p) const { PBE2PARAM_free(p); }
};
struct ScryptParamsDeleter {
  void operator()(SCRYPT_PARAMS* p) const { SCRYPT_PARAMS_free(p); }
};
struct Pbkdf2Deleter {
  void operator()(PBKDF2PARAM* p) const { PBKDF2PARAM_free(p); }
};

// EncryptPkcs8 returns EncryptedPrivateKeyInfo DER: PBES2 with scrypt and AES-256-CBC, written
// by OpenSSL's own PKCS#8 code. N = 2^14 fits OpenSSL's default scrypt memory cap, so the
// `openssl` CLI and Python's cryptography open the file with nothing but the password.
Result<Bytes> EncryptPkcs8(ByteView plain, const SecretString& password) {
  const unsigned char* p = plain.data();
  OsslPtr<PKCS8_PRIV_KEY_INFO> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(plain.size())));
  if (!info) {
    return OpenSslError(ErrorCode::kInternal, "cannot read the private key for encryption");
  }
  // NULL salt and IV: OpenSSL draws them from its RNG (16-byte salt, a fresh IV).
  X509_ALGOR* pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 16, nullptr,
                                          kPkcs8ScryptN, kPkcs8ScryptR, kPkcs8ScryptP);
  if (pbe == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "cannot set up the key encryption");
  }
  // PKCS8_set0_pbe takes ownership of |pbe| only on success.
  const char* pass = password.empty() ? "" : password.view().data();
  OsslPtr<X509_SIG> sig(
      PKCS8_set0_pbe(pass, static_cast<int>(password.size()), info.get(), pbe));
  if (!sig) {
    X509_ALGOR_free(pbe);
    return OpenSslError(ErrorCode::kInternal, "cannot encrypt the private key");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_X509_SIG(sig.get(), &der);
  if (der_len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the encrypted key");
  }
  Bytes out(der, der + der_len);
  OPENSSL_free(der);
  return out;
}

Result<uint64_t> AsnUint(const ASN1_INTEGER* v, std::string_view what) {
  uint64_t out = 0;
  if (v == nullptr || ASN1_INTEGER_get_uint64(&out, v) != 1) {
    ClearOpenSslErrors();
    return InvalidArgumentError("encrypted key has a bad " + std::string(what));
  }
  return out;
}

// DeriveKey runs the PBES2 key derivation function after checking its cost bounds.
Result<SecretBytes> DeriveKey(const X509_ALGOR* keyfunc, const SecretString& password,
                              size_t key_len) {
  int nid = OBJ_obj2nid(keyfunc->algorithm);
  if (nid == NID_id_scrypt) {
    std::unique_ptr<SCRYPT_PARAMS, ScryptParamsDeleter> sp(static_cast<SCRYPT_PARAMS*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), keyfunc->parameter)));
    if (!sp || sp->salt == nullptr) {
      ClearOpenSslErrors();
      return InvalidArgumentError("encrypted key has malformed scrypt parameters");
    }
    VOUCH_ASSIGN_OR_RETURN(uint64_t n, AsnUint(sp->costParameter, "scrypt N"));
    VOUCH_ASSIGN_OR_RETURN(uint64_t r, AsnUint(sp->blockSize, "scrypt r"));
    VOUCH_ASSIGN_OR_RETURN(uint64_t p, AsnUint(sp->parallelizationParameter, "scrypt p"));
    if (sp->keyLength != nullptr) {
      VOUCH_ASSIGN_OR_RETURN(uint64_t kl, AsnUint(sp->keyLength, "scrypt key length"));
      if (kl != key_len) {
        return InvalidArgumentError("encrypted key's scrypt key length does not fit its cipher");
      }
    }
    bool pow2 = n != 0 && (n & (n - 1)) == 0;
    if (!pow2 || n < kMinReadScryptN || n > kMaxReadScryptN || r != 8 || p != 1) {
      return InvalidArgumentError("encrypted key uses unsupported scrypt parameters (N=" +
                                  std::to_string(n) + ", r=" + std::to_string(r) +
                                  ", p=" + std::to_string(p) + ")");
    }
    ByteView salt(ASN1_STRING_get0_data(sp->salt), static_cast<size_t>(ASN1_STRING_length(sp->salt)));
    return Scrypt(password, salt, n, r, p, key_len);
  }
  if (nid == NID_id_pbkdf2) {
    std::unique_ptr<PBKDF2PARAM, Pbkdf2Deleter> kp(static_cast<PBKDF2PARAM*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), keyfunc->parameter)));
    if (!kp || kp->salt == nullptr || kp->salt->type != V_ASN1_OCTET_STRING) {
      ClearOpenSslErrors();
      return InvalidArgumentError("encrypted key has malformed PBKDF2 parameters");
    }
    VOUCH_ASSIGN_OR_RETURN(uint64_t iter, AsnUint(kp->iter, "PBKDF2 iteration count"));
    if (iter == 0 || iter > kMaxPbkdf2Iterations) {
      return InvalidArgumentError("encrypted key's PBKDF2 iteration count is out of range");
    }
    if (kp->keylength != nullptr) {
      VOUCH_ASSIGN_OR_RETURN(uint64_t kl, AsnUint(kp->keylength, "PBKDF2 key length"));
      if (kl != key_len) {
        return InvalidArgumentError("encrypted key's PBKDF2 key length does not fit its cipher");
      }
    }
    const EVP_MD* md = EVP_sha1();  // RFC 8018 default PRF: hmacWithSHA1
    if (kp->prf != nullptr) {
      switch (OBJ_obj2nid(kp->prf->algorithm)) {
        case NID_hmacWithSHA1:
          md = EVP_sha1();
          break;
        case NID_hmacWithSHA256:
          md = EVP_sha256();
          break;
        case NID_hmacWithSHA384:
          md = EVP_sha384();
          break;
        case NID_hmacWithSHA512:
          md = EVP_sha512();
          break;
        default:
          return InvalidArgumentError("encrypted key uses an unsupported PBKDF2 PRF");
      }
    }
    const ASN1_OCTET_STRING* salt = kp->salt->value.octet_string;  // borrowed from |kp|
    SecretBytes key(key_len);
    const char* pass = password.empty() ? "" : password.view().data();
    if (PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), ASN1_STRING_get0_data(salt),
                          ASN1_STRING_length(salt), static_cast<int>(iter), md,
                          static_cast<int>(key_len), key.data()) != 1) {
      return OpenSslError(ErrorCode::kInternal, "PBKDF2 failed");
    }
    return key;
  }
  return InvalidArgumentError("encrypted key uses an unsupported key derivation function");
}

// DecryptPkcs8 decrypts EncryptedPrivateKeyInfo DER (PBES2 only) into PrivateKeyInfo DER.
Result<SecretBytes> DecryptPkcs8(ByteView der, const SecretString& password) {
  const unsigned char* p = der.data();
  OsslPtr<X509_SIG> sig(d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return InvalidArgumentError("not a valid encrypted PKCS#8 key");
  }
  const X509_ALGOR* alg = nullptr;          // borrowed from |sig|
  const ASN1_OCTET_STRING* data = nullptr;  // borrowed from |sig|
  X509_SIG_get0(sig.get(), &alg, &data);
  if (OBJ_obj2nid(alg->algorithm) != NID_pbes2) {
    return InvalidArgumentError(
        "encrypted key uses an unsupported scheme (only PBES2 is supported)");
  }
  std::unique_ptr<PBE2PARAM, Pbe2Deleter> pbe2(static_cast<PBE2PARAM*>(
      ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)));
  if (!pbe2 || pbe2->keyfunc == nullptr || pbe2->encryption == nullptr) {
    ClearOpenSslErrors();
    return InvalidArgumentError("encrypted key has malformed PBES2 parameters");
  }
  const EVP_CIPHER* cipher = nullptr;
  switch (OBJ_obj2nid(pbe2->encryption->algorithm)) {
    case NID_aes_128_cbc:
      cipher = EVP_aes_128_cbc();
      break;
    case NID_aes_192_cbc:
      cipher = EVP_aes_192_cbc();
      break;
    case NID_aes_256_cbc:
      cipher = EVP_aes_256_cbc();
      break;
    default:
      return InvalidArgumentError("encrypted key uses an unsupported cipher (AES-CBC only)");
  }
  unsigned char iv[16];
  if (pbe2->encryption->parameter == nullptr ||
      ASN1_TYPE_get_octetstring(pbe2->encryption->parameter, iv, sizeof(iv)) != 16) {
    ClearOpenSslErrors();
    return InvalidArgumentError("encrypted key has a malformed IV");
  }
  VOUCH_ASSIGN_OR_RETURN(
      SecretBytes key,
      DeriveKey(pbe2->keyfunc, password, static_cast<size_t>(EVP_CIPHER_get_key_length(cipher))));
  ByteView ct(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data)));
  if (ct.empty() || ct.size() % 16 != 0) {
    return InvalidArgumentError("encrypted key has a malformed ciphertext");
  }
  SecretBytes plain(ct.size() + 16);
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  int len1 = 0;
  int len2 = 0;
  if (!ctx || EVP_DecryptInit_ex2(ctx.get(), cipher, key.data(), iv, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain.data(), &len1, ct.data(), static_cast<int>(ct.size())) !=
          1) {
    return OpenSslError(ErrorCode::kInternal, "cannot decrypt the private key");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len1, &len2) != 1) {
    ClearOpenSslErrors();  // bad padding: almost always a wrong password
    return WrongPassword();
  }
  plain.Truncate(static_cast<size_t>(len1 + len2));
  return plain;
}

// ParseTypeSpecific parses SEC 1 (EC PRIVATE KEY) or PKCS#1 (RSA PRIVATE KEY) DER.
Result<OsslPtr<EVP_PKEY>> ParseTypeSpecific(int type, ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<EVP_PKEY> pkey(d2i_PrivateKey(type, nullptr, &p, static_cast<long>(der.size())));
  if (!pkey || p != der.data() + der.size() || EVP_PKEY_get_base_id(pkey.get()) != type) {
    ClearOpenSslErrors();
    return InvalidArgumentError(type == EVP_PKEY_EC ? "not a valid SEC 1 EC private key"
                                                    : "not a valid PKCS#1 RSA private key");
  }
  return pkey;
}

Result<OsslPtr<EVP_PKEY>> PrivateKeyFromBlock(const PemBlock& block,
                                              const SecretString& password) {
  if (block.type == kEncryptedPkcs8Type) {
    VOUCH_ASSIGN_OR_RETURN(SecretBytes p8, DecryptPkcs8(block.der.view(), password));
    Result<OsslPtr<EVP_PKEY>> pkey = internal::ParsePkcs8Der(p8.view());
    if (!pkey.ok()) {
      return WrongPassword();
    }
    return pkey;
  }
  if (block.type == internal::kSigstorePemType || block.type == internal::kCosignPemType) {
    VOUCH_ASSIGN_OR_RETURN(SecretBytes p8, internal::DecryptCosignKey(block.der.view(), password));
    return internal::ParsePkcs8Der(p8.view());
  }
  if (block.type == "PRIVATE KEY") {
    return internal::ParsePkcs8Der(block.der.view());
  }
  if (block.type == "EC PRIVATE KEY") {
    return ParseTypeSpecific(EVP_PKEY_EC, block.der.view());
  }
  if (block.type == "RSA PRIVATE KEY") {
    return ParseTypeSpecific(EVP_PKEY_RSA, block.der.view());
  }
  if (block.type == "PUBLIC KEY") {
    return InvalidArgumentError("this is a public key; a private key is needed");
  }
  return InvalidArgumentError("unsupported PEM block type \"" + block.type.substr(0, 40) + "\"");
}

}  // namespace

namespace internal {

std::string PemType(std::string_view pem) {
  std::string_view s = Trim(pem);
  constexpr std::string_view kBegin = "-----BEGIN ";
  if (s.substr(0, kBegin.size()) != kBegin) {
    return "";
  }
  s.remove_prefix(kBegin.size());
  size_t end = s.find("-----");
  size_t nl = s.find('\n');
  if (end == std::string_view::npos || (nl != std::string_view::npos && nl < end)) {
    return "";
  }
  return std::string(s.substr(0, end));
}

Result<PemBlock> ParsePem(std::string_view pem) {
  auto bad = [](std::string why) { return InvalidArgumentError("malformed PEM: " + why); };
  std::string_view s = Trim(pem);
  if (s.empty()) {
    return bad("input is empty");
  }
  std::string type = PemType(s);
  if (type.empty() || type.size() > 64) {
    return bad("no \"-----BEGIN ...-----\" line");
  }
  const std::string begin = "-----BEGIN " + type + "-----";
  const std::string end = "-----END " + type + "-----";
  if (s.substr(0, begin.size()) != begin) {
    return bad("malformed BEGIN line");
  }
  s.remove_prefix(begin.size());
  size_t end_pos = s.find(end);
  if (end_pos == std::string_view::npos) {
    return bad("no matching END line (truncated?)");
  }
  if (!Trim(s.substr(end_pos + end.size())).empty()) {
    return bad("unexpected data after the END line");
  }
  std::string_view body = s.substr(0, end_pos);
  // The base64 text may encode a secret: keep it in a SecretString.
  std::string joined;
  joined.reserve(body.size());
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    line = Trim(line);
    if (line.find(':') != std::string_view::npos) {
      SecureWipe(joined.data(), joined.size());
      return bad("PEM headers (legacy OpenSSL encryption) are not supported");
    }
    joined.append(line);
  }
  SecretString text(std::move(joined));
  if (text.empty()) {
    return bad("empty body");
  }
  Result<Bytes> der = Base64Decode(text.view(), Base64Alphabet::kStd);
  if (!der.ok()) {
    return bad("body is not valid base64");
  }
  return PemBlock{std::move(type), SecretBytes(std::move(der).value())};
}

SecretString EncodePem(std::string_view type, ByteView der) {
  const size_t b64_len = 4 * ((der.size() + 2) / 3);
  const size_t lines = (b64_len + 63) / 64;
  std::string out;
  out.reserve(2 * (type.size() + 16) + b64_len + lines + 4);
  out.append("-----BEGIN ").append(type).append("-----\n");
  unsigned char chunk[65];  // 48 input bytes -> 64 base64 characters + NUL
  for (size_t off = 0; off < der.size(); off += 48) {
    size_t n = std::min<size_t>(48, der.size() - off);
    int w = EVP_EncodeBlock(chunk, der.data() + off, static_cast<int>(n));
    out.append(reinterpret_cast<const char*>(chunk), static_cast<size_t>(w));
    out.push_back('\n');
  }
  OPENSSL_cleanse(chunk, sizeof(chunk));
  out.append("-----END ").append(type).append("-----\n");
  return SecretString(std::move(out));
}

}  // namespace internal

bool IsCosignPem(std::string_view pem) {
  std::string type = internal::PemType(pem);
  return type == internal::kSigstorePemType || type == internal::kCosignPemType;
}

bool IsEncryptedPem(std::string_view pem) {
  return IsCosignPem(pem) || internal::PemType(pem) == kEncryptedPkcs8Type;
}

bool IsPrivateKeyPem(std::string_view pem) {
  std::string type = internal::PemType(pem);
  return IsEncryptedPem(pem) || type == "PRIVATE KEY" || type == "EC PRIVATE KEY" ||
         type == "RSA PRIVATE KEY";
}

Result<std::unique_ptr<Signer>> LoadSignerPem(std::string_view pem, const SecretString& password) {
  if (pem.size() > kMaxKeyFileSize) {
    return ResourceExhaustedError("private key PEM is larger than " +
                                  std::to_string(kMaxKeyFileSize) + " bytes");
  }
  VOUCH_ASSIGN_OR_RETURN(PemBlock block, internal::ParsePem(pem));
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY> pkey, PrivateKeyFromBlock(block, password));
  return internal::SignerFromPkey(std::move(pkey));
}

Result<SecretString> ExportEncryptedPem(const Signer& signer, const SecretString& password,
                                        SecretAccessToken token) {
  VOUCH_ASSIGN_OR_RETURN(SecretBytes p8, internal::PrivatePkcs8Der(signer, token));
  VOUCH_ASSIGN_OR_RETURN(Bytes der, EncryptPkcs8(p8.view(), password));
  return internal::EncodePem(kEncryptedPkcs8Type, der);
}

Result<SecretString> ReadKeySpec(const std::string& spec) {
  constexpr std::string_view kEnv = "env://";
  if (spec.rfind(kEnv, 0) == 0) {
    std::string var = spec.substr(kEnv.size());
    if (var.empty()) {
      return InvalidArgumentError("key spec \"env://\" names no environment variable");
    }
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == '\0') {
      return InvalidArgumentError("environment variable " + var + " (key " + spec +
                                  ") is unset or empty");
    }
    std::string_view v(value);
    if (v.size() > kMaxKeyFileSize) {
      return ResourceExhaustedError("key " + spec + " is larger than " +
                                    std::to_string(kMaxKeyFileSize) + " bytes");
    }
    return SecretString(std::string(v));
  }
  if (spec.empty()) {
    return InvalidArgumentError("empty key path");
  }
  // PREFIX.key.new without PREFIX.pub.new: a key pair replacement stopped between its renames,
  // so PREFIX.key no longer matches PREFIX.pub (key_pair_files.h). Never sign with it unnoticed.
  if (constexpr std::string_view kKey = ".key"; spec.size() > kKey.size() && spec.ends_with(kKey)) {
    const std::string prefix = spec.substr(0, spec.size() - kKey.size());
    if (PathExists(StagedPath(spec)) && !PathExists(StagedPath(prefix + ".pub"))) {
      return CheckKeyPairLeftovers(prefix);
    }
  }
  Result<Bytes> data = ReadFile(spec, kMaxKeyFileSize);
  if (!data.ok()) {
    return data.status().WithContext("key " + spec);
  }
  SecretBytes raw(std::move(data).value());
  return SecretString(std::string(AsChars(raw.view())));
}

}  // namespace vouch::keys
