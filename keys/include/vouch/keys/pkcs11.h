// PKCS#11 signing keys: a Signer whose private key stays on a token (an HSM, a smart card,
// SoftHSM), named by an RFC 7512 "pkcs11:" URI.
//
// A URI names the token and the key with path attributes and says how to reach them with query
// attributes, all percent-decoded (RFC 7512 section 2.3):
//
//   pkcs11:token=vouch;object=release-key;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so
//
// Path attributes used: `token`, `manufacturer`, `model`, `serial`, `slot-id`,
// `slot-manufacturer`, `slot-description` (which token), and `object` (the key's label), `id`
// (its CKA_ID bytes) and `type` (`private` or `public`). Other well-formed attributes, including
// vendor ones ("x-..."), `library-*` and `module-name`, are ignored as RFC 7512 allows.
// Query attributes used: `module-path`, `pin-value`, `pin-source` (a file path or a `file:` URI;
// the file is read with the kMaxKeyFileSize cap and one trailing newline is stripped).
//
// The module is `module-path`, else $VOUCH_PKCS11_MODULE. The PIN is `pin-value`, else the file
// `pin-source` names, else $VOUCH_PKCS11_PIN; it is asked for only when the token needs a login.
// No PIN and no `pin-value` appears in any error message: messages quote the URI only through
// RedactedPkcs11Uri.
//
// Supported keys: ECDSA P-256 (SHA-256) and P-384 (SHA-384) with DER signatures, and RSA 2048,
// 3072 and 4096 with PKCS#1 v1.5 and SHA-256, through libp11; and pure Ed25519 (CKK_EC_EDWARDS
// keys, CKM_EDDSA, PKCS#11 3.0), through the module's own function list, because libp11 0.4.12
// has no EdDSA. The signatures are the same as the in-process Signer's.
//
// Keys are looked up and counted without libp11 (C_FindObjects), RSA, EC and Ed25519 together.
// libp11 0.4.12 lists a token's keys all at once and fails on the first key type it does not
// know, so on a token that also holds Ed25519 (or other) keys its RSA and EC keys cannot be
// opened: kFailedPrecondition, which says so. Keep Ed25519 keys on a token of their own.
//
// Sessions and logins belong to the process, not to one Signer (PKCS#11 section 5.6): every
// Signer on the same module shares one loaded module, and once a token is logged in, further
// Signers on it reuse that login without checking their PIN again. The module is finalized when
// the last Signer and Verifier-producing call on it is done.
//
// Errors, so that the CLI exits 2 for a bad --key and 3 for a failing token:
//   kInvalidArgument     malformed URI, no module given, module cannot load, no token or key
//                        matches, several keys match, no PIN when one is needed, wrong PIN,
//                        unsupported key type, an Ed25519 key without a readable public half
//                        (no public key object with its CKA_ID and no CKA_EC_POINT), `type`
//                        other than private/public
//   kFailedPrecondition  the token's user PIN is locked; an RSA or EC key on a token that also
//                        holds keys libp11 0.4.12 cannot list (see above)
//   kAlreadyExists       GeneratePkcs11Key: the label or id is already used on the token
//   kNotFound, kPermissionDenied, kResourceExhausted
//                        the `pin-source` file cannot be read (as core/file.h maps them)
//   kUnavailable         the token fails during signing or key generation
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {

// kPkcs11ModuleEnv names the environment variable that gives the module when the URI has no
// `module-path`.
inline constexpr std::string_view kPkcs11ModuleEnv = "VOUCH_PKCS11_MODULE";
// kPkcs11PinEnv names the environment variable that gives the PIN when the URI has neither
// `pin-value` nor `pin-source`.
inline constexpr std::string_view kPkcs11PinEnv = "VOUCH_PKCS11_PIN";

// IsPkcs11Uri returns true when |spec| starts with "pkcs11:" (RFC 7512 section 3: the scheme is
// case-insensitive), i.e. when a --key argument names a token key rather than a file. It does not
// check the rest of the syntax.
bool IsPkcs11Uri(std::string_view spec);

// RedactedPkcs11Uri returns |uri| with every `pin-value` attribute removed (in the query or,
// malformed, in the path; names compared case-insensitively and after percent-decoding), so that
// a URI can be echoed in messages and logs. Everything else is returned unchanged, even when the
// URI is malformed.
std::string RedactedPkcs11Uri(std::string_view uri);

// OpenPkcs11Signer opens the private key that |uri| names and logs in to its token when the token
// requires it. The key never leaves the token. For RSA and EC keys, Sign, SignDigest and
// SignSource hash in process (SignSource with a fixed buffer) and send only the digest to the
// token. For Ed25519 keys, Sign and SignSource send the whole message to the token (CKM_EDDSA);
// SignSource maps the source and fails with kInvalidArgument on pipes and stdin, and SignDigest is
// kInvalidArgument, as for the in-process Ed25519 Signer. Exactly one private key must match;
// `type=public` is kInvalidArgument. PublicKey() is built from the token's public key
// (SubjectPublicKeyInfo DER; for Ed25519 the CKA_EC_POINT of the public key object with the same
// CKA_ID). Signing failures on the token are kUnavailable. See the file comment for the other
// error codes.
//
// The returned Signer keeps the module loaded until it is destroyed (an Ed25519 Signer also keeps
// its own read-only session open, closed on destruction). Its calls are serialized with
// every other Signer on the same module by a lock, so it may be used from several threads.
Result<std::unique_ptr<Signer>> OpenPkcs11Signer(std::string_view uri);

// OpenPkcs11PublicKey returns the public key that |uri| names. It looks at public key objects
// first, without logging in; when none matches (or `type=private`) and the token requires a login,
// it logs in (a PIN is then needed) and derives the public key from the matching private key.
// Exactly one key must match. Errors as OpenPkcs11Signer.
Result<Verifier> OpenPkcs11PublicKey(std::string_view uri);

// GeneratePkcs11Key creates a key pair of |alg| (kEcdsaP256, kEcdsaP384, kEd25519, kRsa3072 or
// kRsa4096; anything else is kInvalidArgument) on the token |uri| names, logging in first, and
// returns its Signer. Ed25519 uses CKM_EC_EDWARDS_KEY_PAIR_GEN with CKA_EC_PARAMS the DER OID
// 1.3.101.112; a token without that mechanism fails with kUnavailable. An RSA or EC key on a token
// that also holds keys libp11 cannot list is refused before anything is made
// (kFailedPrecondition). The pair is labelled with the URI's `object` and given its `id`; without
// `id`, a random 8-byte id is chosen (from OpenSSL's generator) so that the private and public
// halves stay paired. `object` is required (kInvalidArgument without it). When a key (of any type)
// or a certificate with that label, or a key with that id, already exists on the token, nothing is
// created and the result is kAlreadyExists. The private key is created sensitive and not
// extractable.
Result<std::unique_ptr<Signer>> GeneratePkcs11Key(std::string_view uri, KeyAlgorithm alg);

}  // namespace vouch::keys
