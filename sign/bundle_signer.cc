#include "vouch/sign/bundle_signer.h"

#include <openssl/x509.h>

#include <ctime>
#include <utility>

#include "core/internal/json.h"
#include "core/internal/ossl.h"
#include "vouch/sign/fulcio.h"
#include "vouch/sign/rekor.h"
#include "vouch/sign/timestamp.h"

namespace vouch::sign {
namespace {

// SignatureBytes is what logs and TSAs witness: the message signature, or the DSSE signature.
ByteView SignatureBytes(const attest::Bundle& bundle) {
  if (const auto* m = std::get_if<attest::MessageSignature>(&bundle.content)) {
    return m->signature;
  }
  return std::get<attest::DsseEnvelope>(bundle.content).signatures.front().sig;
}

Result<std::string> TimestampsJson(registry::Transport& transport,
                                   const std::vector<ServiceEndpoint>& tsas, ByteView signature) {
  OrderedJson list = OrderedJson::array();
  for (const ServiceEndpoint& tsa : tsas) {
    VOUCH_ASSIGN_OR_RETURN(Bytes response, RequestSignedTimestamp(transport, tsa.url, signature));
    OrderedJson one = OrderedJson::object();
    one["signedTimestamp"] = Base64Encode(response);
    list.push_back(std::move(one));
  }
  OrderedJson out = OrderedJson::object();
  out["rfc3161Timestamps"] = std::move(list);
  return DumpJson(out);
}

// CertificateCurrent fails once the leaf has expired: a signature made after it cannot be
// verified (its log time or timestamp falls outside the certificate), so nothing is sealed.
// promote holds the certificate while it evaluates and copies, which may take longer than
// Fulcio's ten minutes.
Status CertificateCurrent(const Bytes& leaf) {
  const unsigned char* p = leaf.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(leaf.size())));
  if (x == nullptr) {
    return InternalError("the Fulcio certificate cannot be read back");
  }
  const time_t now = std::time(nullptr);
  if (X509_cmp_time(X509_get0_notAfter(x.get()), const_cast<time_t*>(&now)) < 0) {
    return DeadlineExceededError(
        "the Fulcio certificate expired before the signature was made (it lives minutes); "
        "sign again");
  }
  return OkStatus();
}

}  // namespace

BundleSigner::BundleSigner(const keys::Signer& key, SigstoreServices services,
                           std::shared_ptr<registry::Transport> transport)
    : key_(&key), services_(std::move(services)), transport_(std::move(transport)) {}

BundleSigner::BundleSigner(std::unique_ptr<keys::Signer> owned, std::vector<Bytes> chain,
                           SigstoreServices services,
                           std::shared_ptr<registry::Transport> transport)
    : owned_(std::move(owned)),
      key_(owned_.get()),
      chain_(std::move(chain)),
      services_(std::move(services)),
      transport_(std::move(transport)) {}

Result<std::unique_ptr<BundleSigner>> BundleSigner::Keyless(
    const IdentityToken& token, SigstoreServices services,
    std::shared_ptr<registry::Transport> transport) {
  if (!services.ca.has_value()) {
    return InvalidArgumentError(
        "keyless signing needs a certificate authority: --fulcio-url or a signing config");
  }
  if (services.tlogs.empty() && services.tsas.empty()) {
    return InvalidArgumentError(
        "keyless signing needs a transparency log or a timestamp authority to prove when it "
        "signed (the certificate lives minutes): --rekor-url, --timestamp-server-url or a "
        "signing config");
  }
  if (transport == nullptr) {
    return InvalidArgumentError("keyless signing needs a transport");
  }
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<keys::Signer> ephemeral,
                         keys::Generate(keys::KeyAlgorithm::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> chain,
                         RequestSigningCertificate(*transport, *services.ca, token, *ephemeral));
  return std::unique_ptr<BundleSigner>(new BundleSigner(
      std::move(ephemeral), std::move(chain), std::move(services), std::move(transport)));
}

std::string BundleSigner::DsseKeyId() const {
  return keyless() ? std::string() : attest::PublicKeyHint(key_->PublicKey());
}

Result<attest::DsseEnvelope> BundleSigner::SignEnvelope(std::string_view payload_type,
                                                        ByteView payload) const {
  return attest::SignEnvelope(payload_type, payload, *key_, DsseKeyId());
}

Result<attest::Bundle> BundleSigner::Seal(
    std::variant<attest::MessageSignature, attest::DsseEnvelope> content) const {
  attest::Bundle bundle;
  bundle.media_type = std::string(attest::kBundleMediaTypeV03New);
  bundle.version = attest::BundleVersion::kV03;
  attest::VerificationMaterial& vm = bundle.verification_material;
  if (keyless()) {
    VOUCH_RETURN_IF_ERROR(CertificateCurrent(chain_.front()));
    vm.kind = attest::VerificationMaterial::Kind::kCertificate;
    vm.certificates = {chain_.front()};
  } else {
    vm.kind = attest::VerificationMaterial::Kind::kPublicKey;
    vm.public_key_hint = attest::PublicKeyHint(key_->PublicKey());
  }
  bundle.content = std::move(content);
  if ((!services_.tlogs.empty() || !services_.tsas.empty()) && transport_ == nullptr) {
    return InvalidArgumentError("witnessing a signature needs a transport");
  }
  const LogVerifier verifier{&key_->PublicKey(), keyless() ? chain_.front() : Bytes()};
  for (const ServiceEndpoint& log : services_.tlogs) {
    VOUCH_ASSIGN_OR_RETURN(attest::TlogEntry entry,
                           UploadToLog(*transport_, log, bundle, verifier));
    vm.tlog_entries.push_back(std::move(entry));
  }
  if (!services_.tsas.empty()) {
    VOUCH_ASSIGN_OR_RETURN(vm.timestamp_verification_data,
                           TimestampsJson(*transport_, services_.tsas, SignatureBytes(bundle)));
  }
  return bundle;
}

Status RequireUnwitnessed(const BundleSigner& signer, std::string_view command) {
  if (!signer.Witnessed()) {
    return OkStatus();
  }
  return InvalidArgumentError(std::string(command) +
                              ": keyless signing, transparency log uploads and Sigstore "
                              "timestamps are for --format bundle (the cosign v3 form)");
}

Result<const BundleSigner*> SignerOf(const BundleSigner* bundle_signer, const keys::Signer* key,
                                     std::optional<BundleSigner>& storage, std::string_view what) {
  if (bundle_signer != nullptr) {
    return bundle_signer;
  }
  if (key == nullptr) {
    return InvalidArgumentError(std::string(what) + " needs a signing key");
  }
  storage.emplace(*key);
  return &*storage;
}

}  // namespace vouch::sign
