// PKCS#11 keys: RSA and EC lookup, login and signing through libp11; key generation and every
// Ed25519 operation through the module's own PKCS#11 function list, because libp11 0.4.12
// generates only RSA keys (and only through a deprecated call) and has no EdDSA at all: it does
// not even list CKK_EC_EDWARDS keys. PKCS#11 references are to PKCS#11 Base Specification v2.40,
// and for EdDSA to PKCS#11 Specification v3.0 (section 2.3.5 keys, 2.3.14 CKM_EDDSA).
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
#include <optional>
#include <utility>
#include <vector>

#include "key_internal.h"
#include "pkcs11_uri.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"

namespace vouch::keys {
namespace {

using internal::Pkcs11Uri;

struct DlClose {
  void operator()(void* handle) const { dlclose(handle); }
};

// Session owns one raw PKCS#11 session (not one of libp11's). Close it with the module lock held.
class Session {
 public:
  Session(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE h) : f_(f), h_(h) {}
  ~Session() { Close(); }
  Session(Session&& other) noexcept : f_(std::exchange(other.f_, nullptr)), h_(other.h_) {}
  Session& operator=(Session&& other) noexcept {
    if (this != &other) {
      Close();
      f_ = std::exchange(other.f_, nullptr);
      h_ = other.h_;
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CK_SESSION_HANDLE get() const { return h_; }
  void Close() {
    if (f_ != nullptr) {
      f_->C_CloseSession(h_);
      f_ = nullptr;
    }
  }

 private:
  CK_FUNCTION_LIST* f_;  // borrowed from the module; nullptr once closed or moved from
  CK_SESSION_HANDLE h_;
};

std::string CkrHex(CK_RV rv) {
  char hex[32];
  std::snprintf(hex, sizeof(hex), "0x%lx", static_cast<unsigned long>(rv));
  return hex;
}

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

  // mu serializes every libp11 call and every raw call on this module: lookups, logins, signing.
  std::mutex& mu() const { return mu_; }
  const std::string& path() const { return path_; }
  // functions is the module's function list (borrowed, valid while the module lives), for what
  // libp11 cannot do: key generation and Ed25519. Call its functions with mu() held.
  CK_FUNCTION_LIST* functions() const { return functions_; }

  // BindFunctionList finds the function list of the module libp11 has loaded and initialized.
  // libp11 keeps its own pointer private; a second dlopen of a loaded module only takes another
  // reference to it, and C_GetFunctionList returns the same list, so no second C_Initialize.
  Status BindFunctionList() {
    lib_.reset(dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (!lib_) {
      return InvalidArgumentError("cannot load PKCS#11 module " + path_);
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib_.get(), "C_GetFunctionList"));
    if (get_list == nullptr || get_list(&functions_) != CKR_OK || functions_ == nullptr) {
      return InvalidArgumentError("PKCS#11 module " + path_ + " has no C_GetFunctionList");
    }
    return OkStatus();
  }

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
  std::unique_ptr<void, DlClose> lib_;     // our reference; dropped after PKCS11_CTX_unload
  CK_FUNCTION_LIST* functions_ = nullptr;  // borrowed from lib_
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
  VOUCH_RETURN_IF_ERROR(loaded->BindFunctionList());
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
    // Only what Pkcs11Signer signs: Ed25519 keys are found by FindEdKeys, even once a newer
    // libp11 lists them too, so that no key is counted twice.
    int type = PKCS11_get_key_type(&keys[i]);
    if ((type == EVP_PKEY_RSA || type == EVP_PKEY_EC) && KeyMatches(keys[i], uri)) {
      out.push_back(&keys[i]);
    }
  }
  return out;
}

// SpkiVerifier wraps the public half of |pkey| (borrowed) through its SubjectPublicKeyInfo DER.
Result<Verifier> SpkiVerifier(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;  // owned: OPENSSL_free below
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "cannot encode the token's public key");
  }
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return Verifier::FromSpkiDer(spki);
}

Result<Verifier> VerifierFromTokenKey(PKCS11_KEY* key) {
  OsslPtr<EVP_PKEY> pub(PKCS11_get_public_key(key));
  if (!pub) {
    return OpenSslError(ErrorCode::kUnavailable, "cannot read the public key from the token");
  }
  return SpkiVerifier(pub.get());
}

Status CheckSupported(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
    case KeyAlgorithm::kEcdsaP384:
    case KeyAlgorithm::kRsa2048:
    case KeyAlgorithm::kRsa3072:
    case KeyAlgorithm::kRsa4096:
      return OkStatus();
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

// ---- Ed25519 keys through the module's function list ----

Result<Session> OpenRawSession(const Module& module, CK_SLOT_ID slot_id, bool read_write) {
  CK_FUNCTION_LIST* f = module.functions();
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = f->C_OpenSession(slot_id, flags, nullptr, nullptr, &h);
  if (rv != CKR_OK) {
    return UnavailableError("cannot open a PKCS#11 session (CKR " + CkrHex(rv) + ")");
  }
  return Session(f, h);
}

// FindObjects returns the handles of the objects in |session| that fit |tmpl|.
Result<std::vector<CK_OBJECT_HANDLE>> FindObjects(CK_FUNCTION_LIST* f, const Session& session,
                                                  std::vector<CK_ATTRIBUTE> tmpl) {
  CK_RV rv = f->C_FindObjectsInit(session.get(), tmpl.data(), tmpl.size());
  if (rv != CKR_OK) {
    return UnavailableError("cannot search the PKCS#11 token (CKR " + CkrHex(rv) + ")");
  }
  std::vector<CK_OBJECT_HANDLE> out;
  CK_OBJECT_HANDLE batch[16];
  CK_ULONG n = 0;
  do {
    rv = f->C_FindObjects(session.get(), batch, 16, &n);
    if (rv != CKR_OK) {
      break;
    }
    out.insert(out.end(), batch, batch + n);
  } while (n == 16);
  CK_RV final_rv = f->C_FindObjectsFinal(session.get());
  if (rv == CKR_OK) {
    rv = final_rv;
  }
  if (rv != CKR_OK) {
    return UnavailableError("cannot search the PKCS#11 token (CKR " + CkrHex(rv) + ")");
  }
  return out;
}

// FindRawKeys returns the key objects of class |cls| in |session| with the given key type, label
// and id (absent: any).
Result<std::vector<CK_OBJECT_HANDLE>> FindRawKeys(CK_FUNCTION_LIST* f, const Session& session,
                                                  CK_OBJECT_CLASS cls,
                                                  std::optional<CK_KEY_TYPE> type,
                                                  const std::optional<std::string>& label,
                                                  const std::optional<Bytes>& id) {
  std::vector<CK_ATTRIBUTE> tmpl = {{CKA_CLASS, &cls, sizeof(cls)}};
  if (type.has_value()) {
    tmpl.push_back({CKA_KEY_TYPE, &*type, sizeof(CK_KEY_TYPE)});
  }
  if (label.has_value()) {
    tmpl.push_back({CKA_LABEL, const_cast<char*>(label->data()), label->size()});
  }
  if (id.has_value()) {
    tmpl.push_back({CKA_ID, const_cast<uint8_t*>(id->data()), id->size()});
  }
  return FindObjects(f, session, std::move(tmpl));
}

Result<std::vector<CK_OBJECT_HANDLE>> FindEdKeys(CK_FUNCTION_LIST* f, const Session& session,
                                                 CK_OBJECT_CLASS cls,
                                                 const std::optional<std::string>& label,
                                                 const std::optional<Bytes>& id) {
  return FindRawKeys(f, session, cls, CKK_EC_EDWARDS, label, id);
}

// EdKeys is one slot's raw session with the Ed25519 keys found in it. Object handles are kept
// with the session that found them: that is where PKCS#11 promises they are valid.
struct EdKeys {
  Session session;
  std::vector<CK_OBJECT_HANDLE> handles;
};

// TokenKeys is what one token holds of class |cls| that fits a URI: how many RSA and EC keys
// (which libp11 signs with) and which Ed25519 keys. The keys are counted here, in a raw session,
// not through libp11: PKCS11_enumerate_keys in libp11 0.4.12 lists every key of the class on the
// token and fails as a whole on the first one it does not know (an Ed25519 key among them).
struct TokenKeys {
  PKCS11_SLOT* slot;  // borrowed from the module
  size_t rsa_ec = 0;
  EdKeys ed;
};

// FindOnSlot opens a read-only session on |slot| and looks up the keys of |cls| that fit the
// URI's object and id. Call with the module lock held, after the login that private keys need.
Result<TokenKeys> FindOnSlot(const Module& module, PKCS11_SLOT* slot, const Pkcs11Uri& uri,
                             CK_OBJECT_CLASS cls) {
  CK_FUNCTION_LIST* f = module.functions();
  VOUCH_ASSIGN_OR_RETURN(Session session, OpenRawSession(module, PKCS11_get_slotid_from_slot(slot),
                                                         /*read_write=*/false));
  size_t rsa_ec = 0;
  for (CK_KEY_TYPE type : {CKK_RSA, CKK_EC}) {
    VOUCH_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> keys,
                           FindRawKeys(f, session, cls, type, uri.object, uri.id));
    rsa_ec += keys.size();
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> ed,
                         FindEdKeys(f, session, cls, uri.object, uri.id));
  return TokenKeys{slot, rsa_ec, EdKeys{std::move(session), std::move(ed)}};
}

// CheckListable fails when libp11 cannot list the keys of class |cls| on |slot| because the token
// also holds keys of other types (Ed25519 ones, say): see TokenKeys.
Status CheckListable(const Module& module, PKCS11_SLOT* slot, CK_OBJECT_CLASS cls) {
  CK_FUNCTION_LIST* f = module.functions();
  VOUCH_ASSIGN_OR_RETURN(Session session, OpenRawSession(module, PKCS11_get_slotid_from_slot(slot),
                                                         /*read_write=*/false));
  VOUCH_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> all,
                         FindRawKeys(f, session, cls, std::nullopt, std::nullopt, std::nullopt));
  size_t listable = 0;
  for (CK_KEY_TYPE type : {CKK_RSA, CKK_EC}) {
    VOUCH_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> keys,
                           FindRawKeys(f, session, cls, type, std::nullopt, std::nullopt));
    listable += keys.size();
  }
  if (all.size() > listable) {
    return FailedPreconditionError(
        "libp11 0.4.12 cannot list the RSA and EC keys on " + TokenName(slot) +
        ": the token also holds " + std::to_string(all.size() - listable) +
        " key(s) of other types (Ed25519?), on which libp11 fails; keep RSA and EC keys on "
        "another token than Ed25519 keys");
  }
  return OkStatus();
}

// LibP11Key returns the one RSA or EC key of |slot| that fits the URI, as libp11 lists it.
Result<PKCS11_KEY*> LibP11Key(const Module& module, PKCS11_SLOT* slot, const Pkcs11Uri& uri,
                              bool private_keys) {
  Result<std::vector<PKCS11_KEY*>> keys = FindKeys(slot, uri, private_keys);
  if (!keys.ok()) {
    ClearOpenSslErrors();
    VOUCH_RETURN_IF_ERROR(
        CheckListable(module, slot, private_keys ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY));
    return keys.status();
  }
  if (keys->size() != 1) {
    return UnavailableError("libp11 lists " + std::to_string(keys->size()) +
                            " keys where the token has one that fits");
  }
  return keys->front();
}

// GetAttribute reads one attribute of |obj|; nullopt when the object has none (or hides it).
Result<std::optional<Bytes>> GetAttribute(CK_FUNCTION_LIST* f, const Session& session,
                                          CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr = {type, nullptr, 0};
  CK_RV rv = f->C_GetAttributeValue(session.get(), obj, &attr, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
      attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return std::optional<Bytes>();
  }
  if (rv != CKR_OK || attr.ulValueLen > 4096) {
    return UnavailableError("cannot read a key attribute from the PKCS#11 token (CKR " +
                            CkrHex(rv) + ")");
  }
  Bytes value(attr.ulValueLen);
  attr.pValue = value.data();
  rv = f->C_GetAttributeValue(session.get(), obj, &attr, 1);
  if (rv != CKR_OK || attr.ulValueLen > value.size()) {
    return UnavailableError("cannot read a key attribute from the PKCS#11 token (CKR " +
                            CkrHex(rv) + ")");
  }
  value.resize(attr.ulValueLen);
  return std::optional<Bytes>(std::move(value));
}

// Ed25519FromEcPoint makes a Verifier of a CKA_EC_POINT. PKCS#11 3.0 (section 2.3.5) has it as a
// DER OCTET STRING holding the 32-byte point; some tokens store the bare point.
Result<Verifier> Ed25519FromEcPoint(ByteView ec_point) {
  ByteView point = ec_point;
  if (ec_point.size() == 34 && ec_point[0] == 0x04 && ec_point[1] == 0x20) {
    point = ec_point.subspan(2);
  } else if (ec_point.size() != 32) {
    return InvalidArgumentError(
        "the token's Ed25519 public key (CKA_EC_POINT) is neither a 32-byte point nor a DER "
        "OCTET STRING holding one");
  }
  OsslPtr<EVP_PKEY> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, point.data(), point.size()));
  if (!pkey) {
    return OpenSslError(ErrorCode::kInvalidArgument, "the token's Ed25519 public key is invalid");
  }
  return SpkiVerifier(pkey.get());
}

Result<Verifier> EdPublicFromObject(CK_FUNCTION_LIST* f, const Session& session,
                                    CK_OBJECT_HANDLE obj) {
  VOUCH_ASSIGN_OR_RETURN(std::optional<Bytes> point, GetAttribute(f, session, obj, CKA_EC_POINT));
  if (!point.has_value()) {
    return InvalidArgumentError("the Ed25519 public key object on the token has no CKA_EC_POINT");
  }
  return Ed25519FromEcPoint(*point);
}

// EdPublicForPrivate finds the public half of the Ed25519 private key |priv|: the Ed25519 public
// key object with the same CKA_ID (and, among several, the same label). PKCS#11 private Edwards
// keys carry no CKA_EC_POINT, but some tokens add it anyway: that is the fallback.
Result<Verifier> EdPublicForPrivate(CK_FUNCTION_LIST* f, const Session& session,
                                    CK_OBJECT_HANDLE priv) {
  VOUCH_ASSIGN_OR_RETURN(std::optional<Bytes> id, GetAttribute(f, session, priv, CKA_ID));
  VOUCH_ASSIGN_OR_RETURN(std::optional<Bytes> label_bytes,
                         GetAttribute(f, session, priv, CKA_LABEL));
  std::optional<std::string> label;
  if (label_bytes.has_value()) {
    label = std::string(label_bytes->begin(), label_bytes->end());
  }
  std::vector<CK_OBJECT_HANDLE> pubs;
  if (id.has_value() && !id->empty()) {
    VOUCH_ASSIGN_OR_RETURN(pubs, FindEdKeys(f, session, CKO_PUBLIC_KEY, std::nullopt, id));
  }
  if (pubs.size() != 1 && label.has_value()) {
    VOUCH_ASSIGN_OR_RETURN(pubs, FindEdKeys(f, session, CKO_PUBLIC_KEY, label, id));
  }
  if (pubs.size() == 1) {
    return EdPublicFromObject(f, session, pubs[0]);
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<Bytes> point, GetAttribute(f, session, priv, CKA_EC_POINT));
  if (point.has_value()) {
    return Ed25519FromEcPoint(*point);
  }
  if (pubs.empty()) {
    return InvalidArgumentError(
        "the Ed25519 private key has no public key object with its id or label on the token");
  }
  return InvalidArgumentError(std::to_string(pubs.size()) +
                              " Ed25519 public key objects share the private key's id and label");
}

// Pkcs11EdSigner signs with an Ed25519 key on the token through CKM_EDDSA without parameters,
// which is pure Ed25519 (PKCS#11 3.0 section 2.3.14): the token gets the whole message.
class Pkcs11EdSigner final : public Signer {
 public:
  Pkcs11EdSigner(std::shared_ptr<Module> module, Session session, CK_OBJECT_HANDLE key,
                 Verifier pub)
      : module_(std::move(module)), session_(std::move(session)), key_(key), pub_(std::move(pub)) {}
  ~Pkcs11EdSigner() override {
    std::lock_guard<std::mutex> lock(module_->mu());
    session_.Close();
  }
  Pkcs11EdSigner(const Pkcs11EdSigner&) = delete;
  Pkcs11EdSigner& operator=(const Pkcs11EdSigner&) = delete;

  KeyAlgorithm algorithm() const override { return KeyAlgorithm::kEd25519; }
  const Verifier& PublicKey() const override { return pub_; }

  Result<Bytes> Sign(ByteView message) const override { return SignMessage(message); }

  Result<Bytes> SignDigest(const Digest&) const override {
    return InvalidArgumentError("Ed25519 keys sign the message itself, not a digest");
  }

  Result<Bytes> SignSource(ByteSource& source) const override {
    std::optional<ByteView> mapped = source.Map();
    if (!mapped) {
      return internal::Ed25519MapFailed(source);
    }
    return SignMessage(*mapped);
  }

 private:
  Result<Bytes> SignMessage(ByteView message) const {
    std::lock_guard<std::mutex> lock(module_->mu());
    CK_FUNCTION_LIST* f = module_->functions();
    CK_MECHANISM mech = {CKM_EDDSA, nullptr, 0};
    CK_RV rv = f->C_SignInit(session_.get(), &mech, key_);
    if (rv != CKR_OK) {
      return UnavailableError("the PKCS#11 token cannot start an Ed25519 signature (CKR " +
                              CkrHex(rv) + ")");
    }
    // Tokens may refuse a null data pointer even with length 0.
    static const CK_BYTE kNothing = 0;
    auto* data = const_cast<CK_BYTE*>(message.empty() ? &kNothing : message.data());
    Bytes sig(64);
    CK_ULONG len = sig.size();
    rv = f->C_Sign(session_.get(), data, message.size(), sig.data(), &len);
    if (rv == CKR_BUFFER_TOO_SMALL && len <= 1024) {
      // The operation stays active until C_Sign gets a buffer (section 5.2): finish it.
      sig.resize(len);
      rv = f->C_Sign(session_.get(), data, message.size(), sig.data(), &len);
    }
    if (rv != CKR_OK) {
      return UnavailableError("the PKCS#11 token failed to sign (CKR " + CkrHex(rv) + ")");
    }
    if (len != 64) {
      return UnavailableError("the PKCS#11 token returned a " + std::to_string(len) +
                              "-byte Ed25519 signature");
    }
    return sig;
  }

  std::shared_ptr<Module> module_;  // declared first: outlives session_
  Session session_;                 // this Signer's own session; key_ is valid in it
  CK_OBJECT_HANDLE key_;
  Verifier pub_;
};

// SignerForEdKey wraps the single private key in |keys| (whose session it takes). Call with the
// module lock held.
Result<std::unique_ptr<Signer>> SignerForEdKey(std::shared_ptr<Module> module, EdKeys keys) {
  CK_OBJECT_HANDLE key = keys.handles.at(0);
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, EdPublicForPrivate(module->functions(), keys.session, key));
  if (pub.algorithm() != KeyAlgorithm::kEd25519) {
    return InternalError("the Ed25519 key on the token has a non-Ed25519 public key");
  }
  return std::unique_ptr<Signer>(
      new Pkcs11EdSigner(std::move(module), std::move(keys.session), key, std::move(pub)));
}

std::string NoKeyMessage(std::string_view what, const std::string& redacted) {
  return "no " + std::string(what) + " matches " + redacted;
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

// RawGenerate creates the key pair in a new read-write session on |slot_id|. The module is already
// initialized by libp11 (and stays so while |module| lives), and the token is logged in: login
// state is shared by every session of the process (section 5.6), so this session needs neither.
Status RawGenerate(const Module& module, unsigned long slot_id, KeyAlgorithm alg,
                   const std::string& label, const Bytes& id) {
  CK_FUNCTION_LIST* f = module.functions();
  VOUCH_ASSIGN_OR_RETURN(Session session, OpenRawSession(module, slot_id, /*read_write=*/true));

  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  // DER OIDs for CKA_EC_PARAMS (namedCurve): prime256v1 1.2.840.10045.3.1.7, secp384r1
  // 1.3.132.0.34.
  static const CK_BYTE kP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const CK_BYTE kP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  // Edwards curves are named by CKA_EC_PARAMS too (PKCS#11 3.0 section 2.3.5): id-Ed25519,
  // 1.3.101.112 (RFC 8410), rather than the PrintableString "edwards25519" SoftHSM also takes.
  static const CK_BYTE kEd25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
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
    case KeyAlgorithm::kEd25519:
      mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
      pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(kEd25519), sizeof(kEd25519)});
      break;
    default:
      mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      pub.push_back({CKA_MODULUS_BITS, &bits, sizeof(bits)});
      pub.push_back({CKA_PUBLIC_EXPONENT, const_cast<CK_BYTE*>(kF4), sizeof(kF4)});
      break;
  }
  CK_OBJECT_HANDLE pub_h = 0;
  CK_OBJECT_HANDLE priv_h = 0;
  CK_RV rv = f->C_GenerateKeyPair(session.get(), &mech, pub.data(), pub.size(), priv.data(),
                                  priv.size(), &pub_h, &priv_h);
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
  // RSA, EC and Ed25519 keys counted together; then RSA and EC keys are opened through libp11,
  // Ed25519 keys through the raw session that found them.
  std::vector<TokenKeys> found;
  size_t n = 0;
  for (PKCS11_SLOT* slot : slots) {
    VOUCH_RETURN_IF_ERROR(EnsureLogin(slot, op.uri));
    VOUCH_ASSIGN_OR_RETURN(TokenKeys keys, FindOnSlot(*op.module, slot, op.uri, CKO_PRIVATE_KEY));
    size_t here = keys.rsa_ec + keys.ed.handles.size();
    if (here > 0) {
      n += here;
      found.push_back(std::move(keys));
    }
  }
  if (n == 0) {
    return InvalidArgumentError(NoKeyMessage("private key", op.redacted));
  }
  if (n > 1) {
    return Ambiguous(n, "private key", op.redacted);
  }
  TokenKeys& one = found[0];
  if (!one.ed.handles.empty()) {
    return SignerForEdKey(op.module, std::move(one.ed));
  }
  VOUCH_ASSIGN_OR_RETURN(PKCS11_KEY * key, LibP11Key(*op.module, one.slot, op.uri, true));
  return SignerForKey(op.module, key);
}

Result<Verifier> OpenPkcs11PublicKey(std::string_view uri) {
  VOUCH_ASSIGN_OR_RETURN(Opened op, Open(uri));
  if (op.uri.type.has_value() && *op.uri.type != "private" && *op.uri.type != "public") {
    return InvalidArgumentError("a public key URI must name a key, not type=" + *op.uri.type);
  }
  std::lock_guard<std::mutex> lock(op.module->mu());
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_SLOT*> slots,
                         MatchingTokens(*op.module, op.uri, op.redacted));
  // Public key objects first: reading them needs no login. RSA and EC keys come from libp11,
  // Ed25519 keys from raw sessions, counted together.
  std::vector<TokenKeys> found;
  size_t n = 0;
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  auto collect = [&](PKCS11_SLOT* slot) -> Status {
    VOUCH_ASSIGN_OR_RETURN(TokenKeys keys, FindOnSlot(*op.module, slot, op.uri, cls));
    size_t here = keys.rsa_ec + keys.ed.handles.size();
    if (here > 0) {
      n += here;
      found.push_back(std::move(keys));
    }
    return OkStatus();
  };
  if (!op.uri.type.has_value() || *op.uri.type == "public") {
    for (PKCS11_SLOT* slot : slots) {
      VOUCH_RETURN_IF_ERROR(collect(slot));
    }
  }
  // Then the private keys, which carry (or lead to) their public halves.
  if (n == 0 && (!op.uri.type.has_value() || *op.uri.type == "private")) {
    cls = CKO_PRIVATE_KEY;
    for (PKCS11_SLOT* slot : slots) {
      VOUCH_RETURN_IF_ERROR(EnsureLogin(slot, op.uri));
      VOUCH_RETURN_IF_ERROR(collect(slot));
    }
  }
  if (n == 0) {
    return InvalidArgumentError(NoKeyMessage("key", op.redacted));
  }
  if (n > 1) {
    return Ambiguous(n, "key", op.redacted);
  }
  const TokenKeys& one = found[0];
  if (!one.ed.handles.empty()) {
    CK_FUNCTION_LIST* f = op.module->functions();
    CK_OBJECT_HANDLE h = one.ed.handles[0];
    return cls == CKO_PUBLIC_KEY ? EdPublicFromObject(f, one.ed.session, h)
                                 : EdPublicForPrivate(f, one.ed.session, h);
  }
  VOUCH_ASSIGN_OR_RETURN(PKCS11_KEY * key,
                         LibP11Key(*op.module, one.slot, op.uri, cls == CKO_PRIVATE_KEY));
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, VerifierFromTokenKey(key));
  VOUCH_RETURN_IF_ERROR(CheckSupported(pub.algorithm()));
  return pub;
}

Result<std::unique_ptr<Signer>> GeneratePkcs11Key(std::string_view uri, KeyAlgorithm alg) {
  if (alg != KeyAlgorithm::kEcdsaP256 && alg != KeyAlgorithm::kEcdsaP384 &&
      alg != KeyAlgorithm::kEd25519 && alg != KeyAlgorithm::kRsa3072 &&
      alg != KeyAlgorithm::kRsa4096) {
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

  // Refuse to shadow anything: a key of any type with the same label or id, or a certificate
  // with the label. Keys are probed raw, so that Ed25519 keys (and others libp11 skips) count.
  {
    CK_FUNCTION_LIST* f = op.module->functions();
    VOUCH_ASSIGN_OR_RETURN(
        Session probe,
        OpenRawSession(*op.module, PKCS11_get_slotid_from_slot(slot), /*read_write=*/false));
    for (bool by_label : {true, false}) {
      if (!by_label && !op.uri.id.has_value()) {
        continue;
      }
      for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
        VOUCH_ASSIGN_OR_RETURN(
            std::vector<CK_OBJECT_HANDLE> keys,
            FindRawKeys(f, probe, cls, std::nullopt, by_label ? op.uri.object : std::nullopt,
                        by_label ? std::nullopt : op.uri.id));
        if (!keys.empty()) {
          return AlreadyExistsError("a key with that " + std::string(by_label ? "label" : "id") +
                                    " already exists on " + TokenName(slot) + ": " + op.redacted);
        }
      }
    }
  }
  // An RSA or EC key is opened through libp11 once made: refuse before making one it cannot list.
  if (alg != KeyAlgorithm::kEd25519) {
    VOUCH_RETURN_IF_ERROR(CheckListable(*op.module, slot, CKO_PRIVATE_KEY));
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
  if (alg == KeyAlgorithm::kEd25519) {
    VOUCH_ASSIGN_OR_RETURN(TokenKeys keys, FindOnSlot(*op.module, slot, created, CKO_PRIVATE_KEY));
    if (keys.ed.handles.size() != 1) {
      return UnavailableError("the generated key is not on " + TokenName(slot) + " (found " +
                              std::to_string(keys.ed.handles.size()) + ")");
    }
    return SignerForEdKey(op.module, std::move(keys.ed));
  }
  VOUCH_ASSIGN_OR_RETURN(std::vector<PKCS11_KEY*> keys, FindKeys(slot, created, true));
  if (keys.size() != 1) {
    return UnavailableError("the generated key is not on " + TokenName(slot) + " (found " +
                            std::to_string(keys.size()) + ")");
  }
  return SignerForKey(op.module, keys[0]);
}

}  // namespace vouch::keys
