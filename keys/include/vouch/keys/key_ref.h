// Key references: what a --key value names, and opening it as a Signer or a Verifier.
//
// Every command that takes a key accepts the same forms, decided here and nowhere else:
//   pkcs11:token=…;object=…?module-path=…   a key on a PKCS#11 token (RFC 7512; pkcs11.h)
//   NAME://KEY-ID                           a key behind the sigstore KMS plugin sigstore-kms-NAME
//                                           (kms_plugin.h), as cosign runs them
//   env://VAR                               a PEM key in the environment variable VAR
//   anything else                           a PEM key file
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::keys {

// KeyRefKind is the form of a key reference.
enum class KeyRefKind {
  kFile,       // a path
  kEnv,        // env://VAR
  kPkcs11,     // pkcs11:…
  kKmsPlugin,  // NAME://KEY-ID
};

// ClassifyKeyRef returns the form of |spec|. It never fails: whatever is not one of the URI forms
// is a file path, and opening it reports what is wrong.
KeyRefKind ClassifyKeyRef(std::string_view spec);

// KeyRefKindName returns "file", "env", "pkcs11" or "kms-plugin" (as `vouch key info` shows it).
std::string_view KeyRefKindName(KeyRefKind kind);

// PasswordSource returns the password of an encrypted key file. It is called only when the key
// needs one; |cosign_key| says the file is a cosign key (whose users keep its password in
// COSIGN_PASSWORD).
using PasswordSource = std::function<Result<SecretString>(bool cosign_key)>;

// OpenSigner opens the private key |spec| names. Token and plugin keys never leave their home:
// the Signer signs through them. Errors name the reference (a PKCS#11 PIN never appears) and use
// the codes of the back end: kInvalidArgument for a reference that names nothing usable,
// kUnavailable / kDeadlineExceeded when a token or plugin fails while working.
Result<std::unique_ptr<Signer>> OpenSigner(std::string_view spec, const PasswordSource& password);

// OpenVerifier opens the public key |spec| names. For a file, a private key is accepted too (its
// public half is used, as cosign does), asking |password| only when the file is encrypted.
Result<Verifier> OpenVerifier(std::string_view spec, const PasswordSource& password);

}  // namespace vouch::keys
