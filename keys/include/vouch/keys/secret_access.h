// SecretAccessToken gates every export of private key material, so each one is greppable:
// search for "InsecureSecretAccess::Get()" to find every place secrets leave a key handle.
#pragma once

namespace vouch::keys {

class InsecureSecretAccess;

// SecretAccessToken is a proof that the caller deliberately asked to export secret material.
class SecretAccessToken {
 private:
  friend class InsecureSecretAccess;
  SecretAccessToken() = default;
};

// InsecureSecretAccess hands out tokens. Callers are the key-file writers and nothing else.
class InsecureSecretAccess {
 public:
  static SecretAccessToken Get() { return SecretAccessToken(); }
};

}  // namespace vouch::keys
