#include <optional>
#include <string>
#include <utility>

#include "core/internal/ossl.h"
#include "vouch/core/digest.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/verify.h"

namespace vouch::verify {
namespace {

constexpr std::string_view kSignatureFailed = "signature does not verify with the given key";

std::string MiB(size_t n) { return std::to_string(n / (1024 * 1024)) + " MiB"; }

// CheckSignatureShape rejects a signature that cannot be a signature of the key's scheme before
// the artifact is read, so that "malformed" is reported as such rather than as "wrong key".
Status CheckSignatureShape(ByteView sig, const keys::Verifier& key) {
  auto malformed = [](const std::string& why) {
    return VerificationFailedError("signature is malformed: " + why);
  };
  if (sig.empty()) {
    return malformed("it is empty");
  }
  switch (key.algorithm()) {
    case keys::KeyAlgorithm::kEcdsaP256:
    case keys::KeyAlgorithm::kEcdsaP384:
    case keys::KeyAlgorithm::kEcdsaP521: {
      // Strict DER: it must parse as ECDSA-Sig-Value and re-encode to the same bytes
      // (formats.md pitfall 6: BER and non-minimal encodings are rejected).
      const unsigned char* p = sig.data();
      OsslPtr<ECDSA_SIG> parsed(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
      if (parsed == nullptr) {
        ClearOpenSslErrors();
        return malformed("not a DER-encoded ECDSA signature");
      }
      unsigned char* der = nullptr;
      int len = i2d_ECDSA_SIG(parsed.get(), &der);
      bool same = len > 0 && static_cast<size_t>(len) == sig.size() &&
                  ConstantTimeEquals(ByteView(der, static_cast<size_t>(len)), sig);
      OPENSSL_free(der);
      if (!same) {
        return malformed("not a DER-encoded ECDSA signature (trailing or non-minimal bytes)");
      }
      return OkStatus();
    }
    case keys::KeyAlgorithm::kEd25519:
      if (sig.size() != 64) {
        return malformed("an Ed25519 signature has 64 bytes, this one has " +
                         std::to_string(sig.size()));
      }
      return OkStatus();
    case keys::KeyAlgorithm::kRsa2048:
    case keys::KeyAlgorithm::kRsa3072:
    case keys::KeyAlgorithm::kRsa4096: {
      size_t want = key.algorithm() == keys::KeyAlgorithm::kRsa2048   ? 256
                    : key.algorithm() == keys::KeyAlgorithm::kRsa3072 ? 384
                                                                      : 512;
      if (sig.size() != want) {
        return malformed("an RSA signature for this key has " + std::to_string(want) +
                         " bytes, this one has " + std::to_string(sig.size()));
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

// HashedArtifact is what one pass over the artifact yields.
struct HashedArtifact {
  Status signature_status;       // the key's verdict on the signature
  std::optional<Digest> digest;  // the artifact in the bundle messageDigest's algorithm
};

// VerifyOnePass reads |artifact| once: it computes the key's prehash (or maps the file for
// Ed25519) and verifies |sig|, and when |extra| is set it also computes that digest of the same
// bytes for the messageDigest check.
Result<HashedArtifact> VerifyOnePass(ByteView sig, const keys::Verifier& key, ByteSource& artifact,
                                     std::optional<HashAlgorithm> extra) {
  HashedArtifact out;
  std::optional<HashAlgorithm> prehash =
      keys::PrehashAlgorithm(key.algorithm(), keys::SignatureScheme::kDefault);
  if (prehash.has_value()) {
    Digest d = Digest::Of({});
    if (extra.has_value() && *extra != *prehash) {
      attest::DigestingSource tee(artifact, *extra);
      VOUCH_ASSIGN_OR_RETURN(d, HashSource(tee, *prehash));
      out.digest = tee.Finish();
    } else {
      VOUCH_ASSIGN_OR_RETURN(d, HashSource(artifact, *prehash));
      if (extra.has_value()) {
        out.digest = d;
      }
    }
    out.signature_status = key.VerifyDigest(sig, d);
    return out;
  }
  if (!extra.has_value()) {
    out.signature_status = key.VerifySource(sig, artifact);
    return out;
  }
  attest::DigestingSource tee(artifact, *extra);
  out.signature_status = key.VerifySource(sig, tee);
  if (!out.signature_status.ok() && !IsVerificationFailed(out.signature_status)) {
    return out.signature_status;  // e.g. stdin cannot be mapped for Ed25519
  }
  out.digest = tee.Finish();
  return out;
}

// ReadCapped reads a bundle or signature file. Oversized input is a rejection (exit 1), not an
// operational error: a multi-megabyte "signature" is hostile or the wrong file.
Result<Bytes> ReadCapped(const std::string& path, size_t cap, std::string_view what) {
  Result<Bytes> data = ReadFile(path, cap);
  if (IsResourceExhausted(data.status())) {
    std::string limit = cap >= 1024 * 1024 ? MiB(cap) : std::to_string(cap / 1024) + " KiB";
    return VerificationFailedError(std::string(what) + " " + path + " is larger than " + limit +
                                   ": it is not a valid " + std::string(what));
  }
  return data;
}

// VerifyWithSigstore checks a message-signature bundle by the whole Sigstore procedure: keyless
// (identities and a trusted root), or a key with a trusted root (log entries checked too).
Status VerifyWithSigstore(const attest::Bundle& bundle, const VerifyBlobRequest& request,
                          const BlobSigstoreOptions& sigstore) {
  if (!bundle.IsMessageSignature()) {
    return VerificationFailedError("bundle holds a DSSE envelope, use verify-blob-attestation");
  }
  if (request.key != nullptr &&
      bundle.verification_material.kind != attest::VerificationMaterial::Kind::kPublicKey) {
    return VerificationFailedError(
        "bundle carries a certificate: verify it with --certificate-identity and "
        "--certificate-oidc-issuer (and --trusted-root), not --key");
  }
  if (request.key == nullptr && sigstore.trusted_root == nullptr) {
    return InvalidArgumentError(
        "no trusted root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT");
  }
  BundleVerifyOptions options;
  options.key = request.key;
  options.identities = sigstore.identities;
  options.trusted_root = sigstore.trusted_root;
  VOUCH_ASSIGN_OR_RETURN(auto source, OpenFileSource(request.artifact_path));
  Artifact artifact;
  artifact.source = source.get();
  return VerifyBundle(bundle, artifact, options).status();
}

}  // namespace

Result<Bytes> ParseSignatureFile(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      compact += c;
    }
  }
  if (compact.empty()) {
    return VerificationFailedError("signature file is malformed: it is empty");
  }
  Result<Bytes> sig = Base64Decode(compact, Base64Alphabet::kEither);
  if (!sig.ok()) {
    // A DER ECDSA signature written without base64 starts with a SEQUENCE tag.
    bool looks_binary = static_cast<unsigned char>(text[0]) == 0x30 && text.size() > 1 &&
                        static_cast<unsigned char>(text[1]) >= 0x80;
    return VerificationFailedError(
        std::string("signature file is malformed: it is not base64") +
        (looks_binary ? " (it looks like a raw binary signature: base64-encode it)" : ""));
  }
  return sig;
}

Status VerifySignatureAgainst(ByteView signature, const keys::Verifier& key, ByteSource& artifact) {
  VOUCH_RETURN_IF_ERROR(CheckSignatureShape(signature, key));
  VOUCH_ASSIGN_OR_RETURN(HashedArtifact h, VerifyOnePass(signature, key, artifact, std::nullopt));
  if (IsVerificationFailed(h.signature_status)) {
    return VerificationFailedError(std::string(kSignatureFailed) +
                                   ": the file was modified after signing, or the signature "
                                   "was made with a different key");
  }
  return h.signature_status;
}

Status VerifyBundleAgainst(const attest::Bundle& bundle, const keys::Verifier& key,
                           ByteSource& artifact) {
  const auto* ms = std::get_if<attest::MessageSignature>(&bundle.content);
  if (ms == nullptr) {
    return VerificationFailedError("bundle holds a DSSE envelope, use verify-blob-attestation");
  }
  const attest::VerificationMaterial& vm = bundle.verification_material;
  if (vm.kind == attest::VerificationMaterial::Kind::kPublicKey && !vm.public_key_hint.empty() &&
      !attest::HintMatches(vm.public_key_hint, key.SpkiDer())) {
    return VerificationFailedError(
        "bundle was signed with a different key: its public key hint "
        "is \"" +
        vm.public_key_hint + "\", the given key's is \"" + attest::PublicKeyHint(key) + "\"");
  }
  VOUCH_RETURN_IF_ERROR(CheckSignatureShape(ms->signature, key));

  std::optional<HashAlgorithm> md_alg;
  if (ms->message_digest.has_value()) {
    md_alg = ms->message_digest->Hash();
  }
  VOUCH_ASSIGN_OR_RETURN(HashedArtifact h, VerifyOnePass(ms->signature, key, artifact, md_alg));
  // The messageDigest is only a hint and is never what the signature is checked against, but a
  // bundle that names other content than the artifact is rejected (formats.md section 4.2). It
  // is checked first because it tells the user more than a failed signature does.
  if (h.digest.has_value()) {
    if (!ConstantTimeEquals(h.digest->bytes(), ms->message_digest->digest)) {
      return VerificationFailedError(
          "file does not match the bundle: its " +
          std::string(HashAlgorithmName(h.digest->algorithm())) +
          " digest differs from the bundle's messageDigest, so the file was modified after "
          "signing or is not the file that was signed");
    }
  }
  if (IsVerificationFailed(h.signature_status)) {
    if (h.digest.has_value()) {
      return VerificationFailedError(
          std::string(kSignatureFailed) +
          ": the file matches the bundle's digest, so the signature was made with a different "
          "key or has been altered");
    }
    return VerificationFailedError(std::string(kSignatureFailed) +
                                   ": the file was modified after signing, or the signature "
                                   "was made with a different key");
  }
  return h.signature_status;
}

Status VerifyBlob(const VerifyBlobRequest& request) { return VerifyBlob(request, {}); }

Status VerifyBlob(const VerifyBlobRequest& request, const BlobSigstoreOptions& sigstore) {
  const bool keyless = !sigstore.identities.empty();
  if ((request.key == nullptr) != keyless) {
    return InvalidArgumentError(
        "verify-blob needs exactly one of a public key and certificate identities");
  }
  if (keyless && request.signature_path.size() > 0) {
    return InvalidArgumentError("keyless verification needs a bundle, not a signature file");
  }
  if (request.bundle_path.empty() == request.signature_path.empty()) {
    return InvalidArgumentError("verify-blob needs exactly one of a bundle or a signature file");
  }
  const std::string& input =
      request.bundle_path.empty() ? request.signature_path : request.bundle_path;
  if (input == "-" && request.artifact_path == "-") {
    return InvalidArgumentError("the file and the bundle or signature cannot both be stdin");
  }
  // The small input is read and checked before the artifact, so a malformed bundle is reported
  // without reading a large file.
  if (!request.bundle_path.empty()) {
    VOUCH_ASSIGN_OR_RETURN(Bytes text,
                           ReadCapped(request.bundle_path, attest::kMaxBundleSize, "bundle file"));
    Result<attest::Bundle> bundle = attest::ParseBundle(AsChars(text));
    if (!bundle.ok()) {
      std::string why = bundle.status().message();
      if (why.rfind("bundle ", 0) == 0) {
        why.erase(0, 7);  // "bundle is malformed: bundle field ..." reads badly
      }
      return VerificationFailedError("bundle is malformed: " + why);
    }
    // A certificate bundle checked with only a key keeps the key-only behaviour: the key
    // verifies the signature and the certificate is not trusted for anything.
    if (keyless || sigstore.trusted_root != nullptr) {
      return VerifyWithSigstore(*bundle, request, sigstore);
    }
    VOUCH_ASSIGN_OR_RETURN(auto artifact, OpenFileSource(request.artifact_path));
    return VerifyBundleAgainst(*bundle, *request.key, *artifact);
  }
  VOUCH_ASSIGN_OR_RETURN(
      Bytes text, ReadCapped(request.signature_path, kMaxSignatureFileSize, "signature file"));
  VOUCH_ASSIGN_OR_RETURN(Bytes sig, ParseSignatureFile(AsChars(text)));
  VOUCH_ASSIGN_OR_RETURN(auto artifact, OpenFileSource(request.artifact_path));
  return VerifySignatureAgainst(sig, *request.key, *artifact);
}

}  // namespace vouch::verify
