// BundleSigner: who signs a Sigstore bundle and what vouches for the signature. Every command
// that writes a bundle (sign-blob, attest-blob, sign, attest, promote's VSA, sign-bundle) signs
// its content through one, so the verification material and the witnesses are decided in one
// place:
//  * a key: verificationMaterial.publicKey.hint, DSSE keyid = the hint;
//  * keyless: an ephemeral P-256 key that lives only in memory, certified by Fulcio for the
//    identity of an OIDC token; verificationMaterial.certificate (the leaf), DSSE keyid "".
// Witnesses, after signing: one entry in each transparency log and one RFC 3161 timestamp from
// each TSA of the chosen services (services.h), each over the signature just made. Sealing a
// bundle contacts the services and writes nothing, so a failed upload leaves nothing behind.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/attest/dsse.h"
#include "vouch/core/bytes.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/identity_token.h"
#include "vouch/sign/services.h"

namespace vouch::sign {

class BundleSigner {
 public:
  // A key signer (borrowed; must outlive this object) witnessed by |services|' logs and TSAs
  // (services.ca is ignored). |transport| is required when there is a log or TSA.
  explicit BundleSigner(const keys::Signer& key, SigstoreServices services = {},
                        std::shared_ptr<registry::Transport> transport = nullptr);

  // Keyless generates an ephemeral P-256 key, proves possession of it to services.ca (Fulcio)
  // with |token| and keeps the certificate chain it returns. A keyless signature needs a log or
  // a TSA to give it a verified time: without either it is kInvalidArgument, as is a missing CA.
  // Fulcio failures keep their codes (fulcio.h).
  static Result<std::unique_ptr<BundleSigner>> Keyless(const IdentityToken& token,
                                                       SigstoreServices services,
                                                       std::shared_ptr<registry::Transport> transport);

  BundleSigner(const BundleSigner&) = delete;
  BundleSigner& operator=(const BundleSigner&) = delete;

  const keys::Signer& key() const { return *key_; }
  bool keyless() const { return !chain_.empty(); }
  // certificate_chain is Fulcio's chain (DER, leaf first); empty for a key.
  const std::vector<Bytes>& certificate_chain() const { return chain_; }
  const SigstoreServices& services() const { return services_; }
  // Witnessed reports whether bundles get more than a key hint: a certificate, a log entry or a
  // timestamp. Only Sigstore bundles can carry those.
  bool Witnessed() const {
    return keyless() || !services_.tlogs.empty() || !services_.tsas.empty();
  }

  // DsseKeyId is the keyid of DSSE signatures: the key's publicKey hint, "" under a certificate
  // (as cosign and sigstore-js write).
  std::string DsseKeyId() const;

  // SignEnvelope signs |payload| as a DSSE envelope with DsseKeyId().
  Result<attest::DsseEnvelope> SignEnvelope(std::string_view payload_type, ByteView payload) const;

  // Seal builds the v0.3 bundle of |content| (signed by key()): the verification material, then
  // one entry per log (UploadToLog) and one timestamp per TSA (RequestSignedTimestamp). Errors
  // from a service keep their codes and name the service.
  Result<attest::Bundle> Seal(std::variant<attest::MessageSignature, attest::DsseEnvelope> content) const;

 private:
  BundleSigner(std::unique_ptr<keys::Signer> owned, std::vector<Bytes> chain,
               SigstoreServices services, std::shared_ptr<registry::Transport> transport);

  std::unique_ptr<keys::Signer> owned_;  // the ephemeral key (keyless)
  const keys::Signer* key_ = nullptr;
  std::vector<Bytes> chain_;
  SigstoreServices services_;
  std::shared_ptr<registry::Transport> transport_;
};

// SignerOf is the BundleSigner of a request that takes either: |bundle_signer| when set, else a
// key-only one for |key| built in |storage|. Both null is kInvalidArgument "<what> needs a
// signing key".
Result<const BundleSigner*> SignerOf(const BundleSigner* bundle_signer, const keys::Signer* key,
                                     std::optional<BundleSigner>& storage, std::string_view what);

}  // namespace vouch::sign
