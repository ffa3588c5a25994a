#include "vouch/keys/key_ref.h"

#include <string>

#include "vouch/keys/kms_plugin.h"
#include "vouch/keys/pkcs11.h"

namespace vouch::keys {
namespace {

constexpr std::string_view kEnvScheme = "env://";

Result<SecretString> ReadPem(std::string_view spec) {
  if (spec.empty()) {
    return InvalidArgumentError("no key given: pass --key FILE, env://VAR, pkcs11:… or NAME://ID");
  }
  Result<SecretString> pem = ReadKeySpec(std::string(spec));
  if (!pem.ok() && IsResourceExhausted(pem.status())) {
    // An oversized key file is a bad --key argument (exit 2), not an I/O failure (exit 3).
    return InvalidArgumentError(pem.status().message() + " (too large to be a key file)");
  }
  return pem;
}

Result<std::unique_ptr<Signer>> SignerFromPem(std::string_view spec, const SecretString& pem,
                                              const PasswordSource& password) {
  SecretString secret;
  if (IsEncryptedPem(pem.view())) {
    VOUCH_ASSIGN_OR_RETURN(secret, password(IsCosignPem(pem.view())));
  }
  Result<std::unique_ptr<Signer>> signer = LoadSignerPem(pem.view(), secret);
  if (!signer.ok()) {
    return signer.status().WithContext("key " + std::string(spec));
  }
  return signer;
}

}  // namespace

KeyRefKind ClassifyKeyRef(std::string_view spec) {
  if (IsPkcs11Uri(spec)) {
    return KeyRefKind::kPkcs11;
  }
  if (spec.substr(0, kEnvScheme.size()) == kEnvScheme) {
    return KeyRefKind::kEnv;
  }
  if (ParseKmsPluginRef(spec).has_value()) {
    return KeyRefKind::kKmsPlugin;
  }
  return KeyRefKind::kFile;
}

std::string_view KeyRefKindName(KeyRefKind kind) {
  switch (kind) {
    case KeyRefKind::kFile:
      return "file";
    case KeyRefKind::kEnv:
      return "env";
    case KeyRefKind::kPkcs11:
      return "pkcs11";
    case KeyRefKind::kKmsPlugin:
      return "kms-plugin";
  }
  return "file";
}

Result<std::unique_ptr<Signer>> OpenSigner(std::string_view spec, const PasswordSource& password) {
  switch (ClassifyKeyRef(spec)) {
    case KeyRefKind::kPkcs11:
      return OpenPkcs11Signer(spec);
    case KeyRefKind::kKmsPlugin:
      return OpenKmsPluginSigner(*ParseKmsPluginRef(spec));
    case KeyRefKind::kFile:
    case KeyRefKind::kEnv:
      break;
  }
  VOUCH_ASSIGN_OR_RETURN(SecretString pem, ReadPem(spec));
  return SignerFromPem(spec, pem, password);
}

Result<Verifier> OpenVerifier(std::string_view spec, const PasswordSource& password) {
  switch (ClassifyKeyRef(spec)) {
    case KeyRefKind::kPkcs11:
      return OpenPkcs11PublicKey(spec);
    case KeyRefKind::kKmsPlugin:
      return KmsPluginPublicKey(*ParseKmsPluginRef(spec));
    case KeyRefKind::kFile:
    case KeyRefKind::kEnv:
      break;
  }
  VOUCH_ASSIGN_OR_RETURN(SecretString pem, ReadPem(spec));
  if (IsPrivateKeyPem(pem.view())) {
    VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer, SignerFromPem(spec, pem, password));
    return signer->PublicKey();
  }
  Result<Verifier> v = Verifier::FromPem(pem.view());
  if (!v.ok()) {
    return v.status().WithContext("key " + std::string(spec));
  }
  return v;
}

}  // namespace vouch::keys
