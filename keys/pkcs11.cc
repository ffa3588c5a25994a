// PKCS#11 keys: lookup, login and signing through libp11; key generation through the module's
// own PKCS#11 function list, because libp11 0.4.12 generates only RSA keys (and only through a
// deprecated call). PKCS#11 references are to PKCS#11 Base Specification v2.40.
#include "vouch/keys/pkcs11.h"

#include <dlfcn.h>
#include <libp11.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <p11-kit/pkcs11.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "key_internal.h"
#include "pkcs11_uri.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch::keys {
namespace {

using internal::Pkcs11Uri;

constexpr std::string_view kEd25519Unsupported =
    "Ed25519 keys on a PKCS#11 token are not supported (libp11 0.4.12 has no EdDSA)";

// ---- Module: one loaded PKCS11_CTX per module path, shared by every Signer on it ----
//
// C_Initialize and C_Finalize act on the whole process (section 5.4), and libp11 finalizes the
// module when any PKCS11_CTX that loaded it is unloaded. Two contexts on the same module would
// therefore cut each other's sessions: so there is one per path, reference-counted.

struct CtxFree {
  void operator()(PKCS11_CTX* ctx) const { PKCS11_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<PKCS11_CTX, CtxFree>;

class Module {
 public:
  Module(std::string path, CtxPtr ctx) : path_(std::move(path)), ctx_(std::move(ctx)) {}
  ~Module() {
    // Key objects live in the slots, sessions too: release them before C_Finalize (unload).
    if (slots_ != nullptr) {
      PKCS11_release_all_slots(ctx_.get(), slots_, nslots_);
    }
    PKCS11_CTX_unload(ctx_.get());
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Get returns the loaded module for |path|, loading it when no caller holds it. A module that
  // cannot load is kInvalidArgument.
  static Result<std::shared_ptr<Module>> Get(const std::string& path);

  // mu serializes every libp11 call on this module: lookups, logins, signing.
  std::mutex& mu() const { return mu_; }
  const std::string& path() const { return path_; }

  // EnumerateSlots lists the slots once, when the module is loaded. They are never listed again
  // while the module lives: PKCS11_update_slots in libp11 0.4.12 reallocates the slot array under
  // the keys already handed out (it crashed in tests), so a token added later is seen only after
  // every Signer on the module is gone.
  Status EnumerateSlots() {
    if (PKCS11_enumerate_slots(ctx_.get(), &slots_, &nslots_) != 0) {
      return OpenSslError(ErrorCode::kUnavailable,
                          "cannot list the slots of PKCS#11 module " + path_);
    }
    return OkStatus();
  }
  // Slots are borrowed from the module and live as long as it.
  std::vector<PKCS11_SLOT*> Slots() const {
    std::vector<PKCS11_SLOT*> out;
    for (unsigned int i = 0; i < nslots_; ++i) {
      out.push_back(&slots_[i]);
    }
    return out;
  }

 private:
  std::string path_;
  CtxPtr ctx_;
  PKCS11_SLOT* slots_ = nullptr;  // owned: PKCS11_release_all_slots
  unsigned int nslots_ = 0;
  mutable std::mutex mu_;
};

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

// Registry maps a module path to the live module. Leaked on purpose: Signers destroyed during
// static destruction still find it.
std::map<std::string, std::weak_ptr<Module>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Module>>();
  return *registry;
}

Result<std::shared_ptr<Module>> Module::Get(const std::string& path) {
  // One spelling per file, so that "./x.so" and "/abs/x.so" share a context. A bare name that
  // dlopen searches for stays as it is.
  std::string key = path;
  if (char* real = realpath(path.c_str(), nullptr); real != nullptr) {
    key = real;
    std::free(real);
  }
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(key);
  if (it != Registry().end()) {
    if (std::shared_ptr<Module> live = it->second.lock()) {
      return live;
    }
  }
  CtxPtr ctx(PKCS11_CTX_new());
  if (!ctx) {
    return OpenSslError(ErrorCode::kInternal, "cannot create a libp11 context");
  }
  if (PKCS11_CTX_load(ctx.get(), key.c_str()) != 0) {
    ClearOpenSslErrors();
    return InvalidArgumentError("cannot load PKCS#11 module " + path);
  }
  // The deleter takes the registry lock so that a new load of the same path never runs between
  // this module's C_Finalize and its removal.
  auto loaded = std::make_unique<Module>(key, std::move(ctx));
  VOUCH_RETURN_IF_ERROR(loaded->EnumerateSlots());  // on failure |loaded| unloads, lock held
  std::shared_ptr<Module> module(loaded.release(), [](Module* m) {
    std::lock_guard<std::mutex> guard(RegistryMutex());
    delete m;
  });
  Registry()[key] = module;
  return module;
}

// ---- Resolving the URI: module, PIN, token, key ----

Result<std::string> ResolveModulePath(const Pkcs11Uri& uri) {
  if (uri.module_path.has_value() && !uri.module_path->empty()) {
    return *uri.module_path;
  }
  const char* env = std::getenv(std::string(kPkcs11ModuleEnv).c_str());
  if (env != nullptr && *env != '\0') {
    return std::string(env);
  }
  return InvalidArgumentError(
      "no PKCS#11 module: add module-path=/path/to/module.so to the URI "
      "or set " +
      std::string(kPkcs11ModuleEnv));
}

// PinSourcePath maps a pin-source value to a file path: a path, "file:/p", "file:///p" or
// "file://localhost/p" (RFC 8089). Commands ("|prog") and other URI schemes are refused.
Result<std::string> PinSourcePath(const std::string& source) {
  if (source.empty()) {
    return InvalidArgumentError("pin-source is empty");
  }
  if (source[0] == '|') {
    return InvalidArgumentError(
        "pin-source commands (\"|program\") are not supported; name a file");
  }
  if (source.rfind("file:", 0) == 0) {
    std::string rest = source.substr(5);
    if (rest.rfind("//", 0) == 0) {
      rest = rest.substr(2);
      if (rest.rfind("localhost/", 0) == 0) {
        rest = rest.substr(9);
      }
      if (rest.empty() || rest[0] != '/') {
        return InvalidArgumentError("pin-source file: URIs must name a local file");
      }
    }
    if (rest.empty()) {
      return InvalidArgumentError("pin-source file: URI names no file");
    }
    return rest;
  }
  size_t colon = source.find(':');
  size_t slash = source.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    return InvalidArgumentError("pin-source must be a file path or a file: URI");
  }
  return source;
}

// ResolvePin returns the PIN from pin-value, else pin-source, else $VOUCH_PKCS11_PIN (an empty
// variable counts as unset), else nullopt.
Result<std::optional<SecretString>> ResolvePin(const Pkcs11Uri& uri) {
  if (uri.pin_value.has_value()) {
    return std::optional<SecretString>(uri.pin_value->Clone());
  }
  if (uri.pin_source.has_value()) {
    VOUCH_ASSIGN_OR_RETURN(std::string path, PinSourcePath(*uri.pin_source));
    Result<Bytes> read = ReadFile(path, kMaxKeyFileSize);
    if (!read.ok()) {
      return read.status().WithContext("pin-source");
    }
    internal::SecretBytes bytes(std::move(read).value());
    size_t n = bytes.size();
    if (n > 0 && bytes.data()[n - 1] == '\n') {
      --n;
      if (n > 0 && bytes.data()[n - 1] == '\r') {
        --n;
      }
    }
    return std::optional<SecretString>(
        SecretString(std::string(reinterpret_cast<const char*>(bytes.data()), n)));
  }
  const char* env = std::getenv(std::string(kPkcs11PinEnv).c_str());
  if (env != nullptr && *env != '\0') {
    return std::optional<SecretString>(SecretString(std::string(env)));
  }
  return std::optional<SecretString>();
}

// Field compares a libp11 string (space-padded in CK_TOKEN_INFO; libp11 trims it, and so do we
// in case it does not) with a URI attribute.
bool FieldMatches(const std::optional<std::string>& want, const char* have) {
  if (!want.has_value()) {
    return true;
  }
  std::string_view h = have == nullptr ? std::string_view() : std::string_view(have);
  while (!h.empty() && h.back() == ' ') {
    h.remove_suffix(1);
  }
  return h == *want;
}

std::string TokenName(const PKCS11_SLOT* slot) {
  return "PKCS#11 token \"" + std::string(slot->token->label ? slot->token->label : "") + "\"";
}

// MatchingTokens returns the initialized tokens that fit the URI's token attributes (borrowed
// from |module|). Call with the module lock held.
Result<std::vector<PKCS11_SLOT*>> MatchingTokens(const Module& module, const Pkcs11Uri& uri,
                                                 const std::string& redacted) {
  std::vector<PKCS11_SLOT*> out;
  for (PKCS11_SLOT* slot : module.Slots()) {
    const PKCS11_TOKEN* tok = slot->token;
    if (tok == nullptr || tok->initialized == 0) {
      continue;
    }
    if (uri.slot_id.has_value() && PKCS11_get_slotid_from_slot(slot) != *uri.slot_id) {
      continue;
    }
    if (FieldMatches(uri.token, tok->label) && FieldMatches(uri.manufacturer, tok->manufacturer) &&
        FieldMatches(uri.model, tok->model) && FieldMatches(uri.serial, tok->serialnr) &&
        FieldMatches(uri.slot_manufacturer, slot->manufacturer) &&
        FieldMatches(uri.slot_description, slot->description)) {
      out.push_back(slot);
    }
  }
  if (out.empty()) {
    return InvalidArgumentError("no PKCS#11 token matches " + redacted + " in module " +
                                module.path());
  }
  return out;
}

// LoginFailure maps a failed PKCS11_login. libp11 reports the PKCS#11 return value only through
// the OpenSSL error queue (library ERR_get_CKR_code(), reason = CKR_*), so this is the one place
// that reads reason codes: a locked PIN must not be reported as a wrong one.
Status LoginFailure(const PKCS11_SLOT* slot) {
  bool locked = false;
  bool wrong = false;
  unsigned long reason = 0;
  unsigned long err = 0;
  while ((err = ERR_get_error()) != 0) {
    if (ERR_GET_LIB(err) != ERR_get_CKR_code()) {
      continue;
    }
    reason = static_cast<unsigned long>(ERR_GET_REASON(err));
    if (reason == CKR_PIN_LOCKED) {
      locked = true;
    } else if (reason == CKR_PIN_INCORRECT || reason == CKR_PIN_INVALID ||
               reason == CKR_PIN_LEN_RANGE) {
      wrong = true;
    }
  }
  if (locked) {
    return FailedPreconditionError("the user PIN of " + TokenName(slot) + " is locked");
  }
  if (wrong || reason == 0) {
    return InvalidArgumentError("PKCS#11 login failed: wrong PIN? (" + TokenName(slot) + ")");
  }
  char hex[32];
  std::snprintf(hex, sizeof(hex), "0x%lx", reason);
  return UnavailableError("PKCS#11 login to " + TokenName(slot) + " failed (CKR " + hex + ")");
}

// EnsureLogin logs in as the user when the token requires it and the process is not logged in
// yet. The PIN is used here and nowhere else, and never enters a message.
Status EnsureLogin(PKCS11_SLOT* slot, const Pkcs11Uri& uri) {
  const PKCS11_TOKEN* tok = slot->token;
  if (tok->loginRequired == 0) {
    return OkStatus();
  }
  int logged_in = 0;
  if (PKCS11_is_logged_in(slot, 0, &logged_in) == 0 && logged_in != 0) {
    return OkStatus();
  }
  ClearOpenSslErrors();
  if (tok->userPinLocked != 0) {
    return FailedPreconditionError("the user PIN of " + TokenName(slot) + " is locked");
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<SecretString> pin, ResolvePin(uri));
  if (!pin.has_value()) {
    return InvalidArgumentError(TokenName(slot) +
                                " needs a PIN: add pin-value or pin-source to "
                                "the URI, or set " +
                                std::string(kPkcs11PinEnv));
  }
  // view() of a SecretString points into a std::string, so it is NUL-terminated.
  if (PKCS11_login(slot, 0, pin->view().data()) != 0) {
    return LoginFailure(slot);
  }
  return OkStatus();
}

bool KeyMatches(const PKCS11_KEY& key, const Pkcs11Uri& uri) {
  if (uri.object.has_value() && (key.label == nullptr || *uri.object != key.label)) {
    return false;
  }
  if (uri.id.has_value() &&
      (key.id_len != uri.id->size() ||
       (key.id_len > 0 && std::memcmp(key.id, uri.id->data(), key.id_len) != 0))) {
    return false;
  }
  return true;
}

// FindKeys returns the private (or public) key objects on |slot| that fit the URI. The pointers
// are borrowed from libp11 and valid until the next enumeration on that token.
Result<std::vector<PKCS11_KEY*>> FindKeys(PKCS11_SLOT* slot, const Pkcs11Uri& uri,
                                          bool private_keys) {
  PKCS11_KEY* keys = nullptr;  // borrowed from the token
  unsigned int n = 0;
  int rc = private_keys ? PKCS11_enumerate_keys(slot->token, &keys, &n)
                        : PKCS11_enumerate_public_keys(slot->token, &keys, &n);
  if (rc != 0) {
    return OpenSslError(ErrorCode::kUnavailable, "cannot list the keys on " + TokenName(slot));
  }
  std::vector<PKCS11_KEY*> out;
  for (unsigned int i = 0; i < n; ++i) {
    if (KeyMatches(keys[i], uri)) {
      out.push_back(&keys[i]);
    }
  }
  return out;
}

Result<Verifier> VerifierFromTokenKey(PKCS11_KEY* key) {
  OsslPtr<EVP_PKEY> pub(PKCS11_get_public_key(key));
  if (!pub) {
    return OpenSslError(ErrorCode::kUnavailable, "cannot read the public key from the token");
  }
  unsigned char* der = nullptr;  // owned: OPENSSL_free below
  int len = i2d_PUBKEY(pub.get(), &der);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the token's public key");
  }
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return Verifier::FromSpkiDer(spki);
}

Status CheckSupported(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
    case KeyAlgorithm::kEcdsaP384:
    case KeyAlgorithm::kRsa2048:
    case KeyAlgorithm::kRsa3072:
    case KeyAlgorithm::kRsa4096:
      return OkStatus();
    case KeyAlgorithm::kEd25519:
      return InvalidArgumentError(std::string(kEd25519Unsupported));
    default:
      return InvalidArgumentError(std::string(KeyAlgorithmName(alg)) +
                                  " keys on a PKCS#11 token are not supported");
  }
}

// ---- The Signer ----

class Pkcs11Signer final : public Signer {
 public:
  Pkcs11Signer(std::shared_ptr<Module> module, OsslPtr<EVP_PKEY> pkey, Verifier pub)
      : module_(std::move(module)), pkey_(std::move(pkey)), pub_(std::move(pub)) {}
  ~Pkcs11Signer() override {
    // The key refers to libp11 objects in the module's slots: free it under the module lock and
    // before the module reference goes.
    std::lock_guard<std::mutex> lock(module_->mu());
    pkey_.reset();
  }
  Pkcs11Signer(const Pkcs11Signer&) = delete;
  Pkcs11Signer& operator=(const Pkcs11Signer&) = delete;

  KeyAlgorithm algorithm() const override { return pub_.algorithm(); }
  const Verifier& PublicKey() const override { return pub_; }

  Result<Bytes> Sign(ByteView message) const override {
    return SignHash(Digest::Of(message, Hash()));
  }

  Result<Bytes> SignDigest(const Digest& digest) const override {
    if (digest.algorithm() != Hash()) {
      return InvalidArgumentError("a " + std::string(KeyAlgorithmName(algorithm())) +
                                  " key signs " + std::string(HashAlgorithmName(Hash())) +
                                  " digests, not " +
                                  std::string(HashAlgorithmName(digest.algorithm())));
    }
    return SignHash(digest);
  }

  Result<Bytes> SignSource(ByteSource& source) const override {
    VOUCH_ASSIGN_OR_RETURN(Digest d, HashSource(source, Hash()));
    return SignHash(d);
  }

 private:
  // Hash is the default scheme's hash (keys.h SignatureScheme::kDefault).
  HashAlgorithm Hash() const {
    return PrehashAlgorithm(algorithm(), SignatureScheme::kDefault)
        .value_or(HashAlgorithm::kSha256);
  }

  // SignHash sends the digest to the token. libp11 gives OpenSSL 3 a "foreign" key backed by its
  // legacy RSA_METHOD / EC_KEY_METHOD, so EVP_PKEY_sign takes the legacy path: for RSA, OpenSSL
  // builds the PKCS#1 DigestInfo and the token applies CKM_RSA_PKCS to it; for ECDSA, the token
  // signs with CKM_ECDSA and libp11 turns PKCS#11's raw r||s into an ECDSA_SIG, which OpenSSL
  // encodes as DER.
  Result<Bytes> SignHash(const Digest& digest) const {
    const EVP_MD* md = digest.algorithm() == HashAlgorithm::kSha384 ? EVP_sha384() : EVP_sha256();
    std::lock_guard<std::mutex> lock(module_->mu());
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey_.get(), nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot set up signing with the PKCS#11 key");
    }
    if (EVP_PKEY_get_base_id(pkey_.get()) == EVP_PKEY_RSA &&
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot set RSA PKCS#1 v1.5 padding");
    }
    ByteView tbs = digest.bytes();
    size_t len = 0;
    if (EVP_PKEY_sign(ctx.get(), nullptr, &len, tbs.data(), tbs.size()) != 1) {
      return OpenSslError(ErrorCode::kUnavailable, "the PKCS#11 token cannot size the signature");
    }
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, tbs.data(), tbs.size()) != 1) {
      return OpenSslError(ErrorCode::kUnavailable, "the PKCS#11 token failed to sign");
    }
    sig.resize(len);
    return sig;
  }

  std::shared_ptr<Module> module_;  // declared first: outlives pkey_
  OsslPtr<EVP_PKEY> pkey_;          // private key handle; the key itself stays on the token
  Verifier pub_;
};

// SignerForKey wraps a private key object (borrowed) in a Signer. Call with the module lock held.
Result<std::unique_ptr<Signer>> SignerForKey(std::shared_ptr<Module> module, PKCS11_KEY* key) {
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, VerifierFromTokenKey(key));
  VOUCH_RETURN_IF_ERROR(CheckSupported(pub.algorithm()));
  OsslPtr<EVP_PKEY> priv(PKCS11_get_private_key(key));
  if (!priv) {
    return OpenSslError(ErrorCode::kUnavailable, "cannot open the private key on the token");
  }
  return std::unique_ptr<Signer>(
      new Pkcs11Signer(std::move(module), std::move(priv), std::move(pub)));
}

std::string NoKeyMessage(std::string_view what, const std::string& redacted) {
  return "no " + std::string(what) + " matches " + redacted +
         " (libp11 lists only RSA and EC keys; " + std::string(kEd25519Unsupported) + ")";
}

Status Ambiguous(size_t n, std::string_view what, const std::string& redacted) {
  return InvalidArgumentError(std::to_string(n) + " " + std::string(what) + "s match " + redacted +
                              ": add object= or id= (and token=) to pick one");
}

// Opened is a parsed URI with its loaded module.
struct Opened {
  Pkcs11Uri uri;
  std::string redacted;
  std::shared_ptr<Module> module;
};

Result<Opened> Open(std::string_view uri_text) {
  Opened out;
  out.redacted = RedactedPkcs11Uri(uri_text);
  VOUCH_ASSIGN_OR_RETURN(out.uri, internal::ParsePkcs11Uri(uri_text));
  VOUCH_ASSIGN_OR_RETURN(std::string path, ResolveModulePath(out.uri));
  VOUCH_ASSIGN_OR_RETURN(out.module, Module::Get(path));
  return out;
}

// ---- Key generation through the module's function list ----

struct DlClose {
  void operator()(void* handle) const { dlclose(handle); }
};

// Session closes one raw PKCS#11 session.
class Session {
 public:
  Session(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE h) : f_(f), h_(h) {}
  ~Session() { f_->C_CloseSession(h_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  CK_SESSION_HANDLE get() const { return h_; }

 private:
  CK_FUNCTION_LIST* f_;  // borrowed from the module
  CK_SESSION_HANDLE h_;
};

std::string CkrHex(CK_RV rv) {
  char hex[32];
  std::snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(rv));
  return hex;
}

// RawGenerate creates the key pair in a new read-write session on |slot_id|. The module is already
// initialized by libp11 (and stays so while |module| lives), and the token is logged in: login
// state is shared by every session of the process (section 5.6), so this session needs neither.
Status RawGenerate(const Module& module, unsigned long slot_id, KeyAlgorithm alg,
                   const std::string& label, const Bytes& id) {
  // dlopen of an already loaded module only takes another reference to it.
  std::unique_ptr<void, DlClose> lib(dlopen(module.path().c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!lib) {
    return InvalidArgumentError("cannot load PKCS#11 module " + module.path());
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib.get(), "C_GetFunctionList"));
  CK_FUNCTION_LIST* f = nullptr;  // borrowed from the module
  if (get_list == nullptr || get_list(&f) != CKR_OK || f == nullptr) {
    return InvalidArgumentError("PKCS#11 module " + module.path() + " has no C_GetFunctionList");
  }
  CK_SESSION_HANDLE h = 0;
  CK_RV rv = f->C_OpenSession(slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h);
  if (rv != CKR_OK) {
    return UnavailableError("cannot open a read-write PKCS#11 session (CKR " + CkrHex(rv) + ")");
  }
  Session session(f, h);

  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  // DER OIDs for CKA_EC_PARAMS (namedCurve): prime256v1 1.2.840.10045.3.1.7, secp384r1
  // 1.3.132.0.34.
  static const CK_BYTE kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const CK_BYTE kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  static const CK_BYTE kF4[] = {0x01, 0x00, 0x01};
  CK_ULONG bits = alg == KeyAlgorithm::kRsa4096 ? 4096 : 3072;
  auto* label_ptr = const_cast<char*>(label.data());
  auto* id_ptr = const_cast<uint8_t*>(id.data());

  std::vector<CK_ATTRIBUTE> pub = {
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_VERIFY, &yes, sizeof(yes)},
      {CKA_LABEL, label_ptr, label.size()},
      {CKA_ID, id_ptr, id.size()},
  };
  std::vector<CK_ATTRIBUTE> priv = {
      {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
      {CKA_SIGN, &yes, sizeof(yes)},      {CKA_LABEL, label_ptr, label.size()},
      {CKA_ID, id_ptr, id.size()},
  };
  CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
      pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP256), sizeof(kP256)});
      break;
    case KeyAlgorithm::kEcdsaP384:
      pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(kP384), sizeof(kP384)});
      break;
    default:
      mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      pub.push_back({CKA_MODULUS_BITS, &bits, sizeof(bits)});
      pub.push_back({CKA_PUBLIC_EXPONENT, const_cast<CK_BYTE*>(kF4), sizeof(kF4)});
      break;
  }
  CK_OBJECT_HANDLE pub_h = 0;
  CK_OBJECT_HANDLE priv_h = 0;
  rv = f->C_GenerateKeyPair(session.get(), &mech, pub.data(), pub.size(), priv.data(), priv.size(),
                            &pub_h, &priv_h);
  if (rv != CKR_OK) {
    return UnavailableError("the PKCS#11 token failed to generate a " +
                            std::string(KeyAlgorithmName(alg)) + " key (CKR " + CkrHex(rv) + ")");
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Signer>> OpenPkcs11Signer(std::string_view uri) {
  VOUCH_ASSIGN_OR_RETURN(Opened op, Open(uri));
  if (op.uri.type.has_value() && *op.uri.type != "private") {
    return InvalidArgumentError("a signing key URI must name a private key, not type=" +
                                *op.uri.type);
  }
  std::lock_guard<std::mutex> lock(op.module->mu());
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_SLOT*> slots,
                         MatchingTokens(*op.module, op.uri, op.redacted));
  std::vector<PKCS11_KEY*> found;
  for (PKCS11_SLOT* slot : slots) {
    VOUCH_RETURN_IF_ERROR(EnsureLogin(slot, op.uri));
    VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, op.uri, true));
    found.insert(found.end(), keys.begin(), keys.end());
  }
  if (found.empty()) {
    return InvalidArgumentError(NoKeyMessage("private key", op.redacted));
  }
  if (found.size() > 1) {
    return Ambiguous(found.size(), "private key", op.redacted);
  }
  return SignerForKey(op.module, found[0]);
}

Result<Verifier> OpenPkcs11PublicKey(std::string_view uri) {
  VOUCH_ASSIGN_OR_RETURN(Opened op, Open(uri));
  if (op.uri.type.has_value() && *op.uri.type != "private" && *op.uri.type != "public") {
    return InvalidArgumentError("a public key URI must name a key, not type=" + *op.uri.type);
  }
  std::lock_guard<std::mutex> lock(op.module->mu());
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_SLOT*> slots,
                         MatchingTokens(*op.module, op.uri, op.redacted));
  // Public key objects first: reading them needs no login.
  std::vector<PKCS11_KEY*> found;
  if (!op.uri.type.has_value() || *op.uri.type == "public") {
    for (PKCS11_SLOT* slot : slots) {
      VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, op.uri, false));
      found.insert(found.end(), keys.begin(), keys.end());
    }
  }
  // Then the private keys, which carry (or lead libp11 to) their public halves.
  if (found.empty() && (!op.uri.type.has_value() || *op.uri.type == "private")) {
    for (PKCS11_SLOT* slot : slots) {
      VOUCH_RETURN_IF_ERROR(EnsureLogin(slot, op.uri));
      VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, op.uri, true));
      found.insert(found.end(), keys.begin(), keys.end());
    }
  }
  if (found.empty()) {
    return InvalidArgumentError(NoKeyMessage("key", op.redacted));
  }
  if (found.size() > 1) {
    return Ambiguous(found.size(), "key", op.redacted);
  }
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, VerifierFromTokenKey(found[0]));
  VOUCH_RETURN_IF_ERROR(CheckSupported(pub.algorithm()));
  return pub;
}

Result<std::unique_ptr<Signer>> GeneratePkcs11Key(std::string_view uri, KeyAlgorithm alg) {
  if (alg == KeyAlgorithm::kEd25519) {
    return InvalidArgumentError(std::string(kEd25519Unsupported));
  }
  if (alg != KeyAlgorithm::kEcdsaP256 && alg != KeyAlgorithm::kEcdsaP384 &&
      alg != KeyAlgorithm::kRsa3072 && alg != KeyAlgorithm::kRsa4096) {
    return InvalidArgumentError("vouch does not generate " + std::string(KeyAlgorithmName(alg)) +
                                " keys");
  }
  VOUCH_ASSIGN_OR_RETURN(Opened op, Open(uri));
  if (op.uri.type.has_value() && *op.uri.type != "private") {
    return InvalidArgumentError("a key generation URI names the private key; drop type=" +
                                *op.uri.type);
  }
  if (!op.uri.object.has_value() || op.uri.object->empty()) {
    return InvalidArgumentError("a key generation URI needs object=LABEL: " + op.redacted);
  }
  std::lock_guard<std::mutex> lock(op.module->mu());
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_SLOT*> slots,
                         MatchingTokens(*op.module, op.uri, op.redacted));
  if (slots.size() > 1) {
    return InvalidArgumentError(std::to_string(slots.size()) + " PKCS#11 tokens match " +
                                op.redacted + ": add token= or serial= to pick one");
  }
  PKCS11_SLOT* slot = slots[0];
  VOUCH_RETURN_IF_ERROR(EnsureLogin(slot, op.uri));

  // Refuse to shadow anything: a key with the same label or id, or a certificate with the label.
  Pkcs11Uri by_label;
  by_label.object = op.uri.object;
  std::vector<Pkcs11Uri> probes;
  probes.push_back(std::move(by_label));
  if (op.uri.id.has_value()) {
    Pkcs11Uri by_id;
    by_id.id = op.uri.id;
    probes.push_back(std::move(by_id));
  }
  for (const Pkcs11Uri& probe : probes) {
    for (bool priv : {true, false}) {
      VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, probe, priv));
      if (!keys.empty()) {
        return AlreadyExistsError("a key with that " +
                                  std::string(probe.object.has_value() ? "label" : "id") +
                                  " already exists on " + TokenName(slot) + ": " + op.redacted);
      }
    }
  }
  PKCS11_CERT* certs = nullptr;  // borrowed from the token
  unsigned int ncerts = 0;
  if (PKCS11_enumerate_certs(slot->token, &certs, &ncerts) != 0) {
    return OpenSslError(ErrorCode::kUnavailable,
                        "cannot list the certificates on " + TokenName(slot));
  }
  for (unsigned int i = 0; i < ncerts; ++i) {
    if (certs[i].label != nullptr && *op.uri.object == certs[i].label) {
      return AlreadyExistsError("a certificate with that label already exists on " +
                                TokenName(slot) + ": " + op.redacted);
    }
  }

  Bytes id;
  if (op.uri.id.has_value()) {
    id = *op.uri.id;
  } else {
    id.resize(8);
    if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
      return OpenSslError(ErrorCode::kInternal, "cannot draw a random key id");
    }
  }
  VOUCH_RETURN_IF_ERROR(
      RawGenerate(*op.module, PKCS11_get_slotid_from_slot(slot), alg, *op.uri.object, id));

  Pkcs11Uri created;
  created.object = op.uri.object;
  created.id = id;
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, created, true));
  if (keys.size() != 1) {
    return UnavailableError("the generated key is not on " + TokenName(slot) + " (found " +
                            std::to_string(keys.size()) + ")");
  }
  return SignerForKey(op.module, keys[0]);
}

}  // namespace vouch::keys
