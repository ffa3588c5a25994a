// Notation trust stores: x509/{ca,signingAuthority,tsa}/NAME/ folders of certificates
// (trust-store-trust-policy.md, "Trust store").
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/internal/ossl.h"
#include "sigstore/certificate.h"
#include "sigstore/cosign_legacy.h"
#include "vouch/core/file.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

namespace fs = std::filesystem;

// kMaxStoreFileSize caps one certificate file; kMaxStoreFiles the files of one store.
constexpr size_t kMaxStoreFileSize = 1 << 20;
constexpr size_t kMaxStoreFiles = 1024;

bool IsCa(X509* x) { return X509_check_ca(x) != 0; }

// SelfSigned: its own issuer, and its own key verifies its signature (whatever its key usage:
// a self-signed signing certificate may be trusted directly).
bool SelfSigned(X509* x) {
  EVP_PKEY* key = X509_get0_pubkey(x);  // borrowed
  bool ok = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(x)) == 0 &&
            key != nullptr && X509_verify(x, key) == 1;
  ClearOpenSslErrors();
  return ok;
}

// CertificatesOf reads one file: PEM blocks, else one DER certificate.
Result<std::vector<Bytes>> CertificatesOf(const std::string& path, const std::string& what) {
  VOUCH_ASSIGN_OR_RETURN(Bytes data, ReadFile(path, kMaxStoreFileSize));
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN") != std::string_view::npos) {
    Result<std::vector<Bytes>> pem = sigstore::ParsePemCertificates(text, what);
    if (!pem.ok()) {
      return InvalidArgumentError(pem.status().message());
    }
    return pem;
  }
  if (!sigstore::ParseCertificateDer(data, what).ok()) {
    return InvalidArgumentError(what + " is neither PEM nor a DER certificate");
  }
  return std::vector<Bytes>{std::move(data)};
}

Status CheckStoreCertificate(StoreType type, ByteView der, const std::string& what) {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, sigstore::ParseCertificateDer(der, what));
  if (type == StoreType::kTsa) {
    if (!IsCa(x.get()) || !SelfSigned(x.get())) {
      return InvalidArgumentError(what + " is not a self-issued root CA certificate");
    }
    return OkStatus();
  }
  if (!IsCa(x.get()) && !SelfSigned(x.get())) {
    return InvalidArgumentError(what + " is neither a CA nor a self-signed certificate");
  }
  return OkStatus();
}

Result<StoreType> ParseStoreType(std::string_view type) {
  if (type == "ca") {
    return StoreType::kCa;
  }
  if (type == "signingAuthority") {
    return StoreType::kSigningAuthority;
  }
  if (type == "tsa") {
    return StoreType::kTsa;
  }
  return InvalidArgumentError("unsupported trust store type \"" + std::string(type) + "\"");
}

}  // namespace

void TrustStore::Preload(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) {
    preloaded_.insert_or_assign(spec, Read(spec));
  }
}

Result<std::vector<Bytes>> TrustStore::Load(std::string_view spec) const {
  if (auto it = preloaded_.find(spec); it != preloaded_.end()) {
    return it->second;
  }
  return Read(spec);
}

Result<std::vector<Bytes>> TrustStore::Read(std::string_view spec) const {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("trust store \"" + std::string(spec) +
                                "\" is missing its separator (the form is TYPE:NAME)");
  }
  std::string type(spec.substr(0, colon)), name(spec.substr(colon + 1));
  VOUCH_ASSIGN_OR_RETURN(StoreType kind, ParseStoreType(type));
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return InvalidArgumentError("trust store name \"" + name + "\" is not a plain name");
  }
  const fs::path dir = fs::path(root_) / "x509" / type / name;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) {
    return NotFoundError("trust store " + std::string(spec) + " does not exist (" + dir.string() +
                         ")");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    fs::file_status st = it->symlink_status(ec);
    if (fs::is_symlink(st)) {
      return InvalidArgumentError("trust store " + std::string(spec) + " holds a symlink (" +
                                  it->path().filename().string() + "): refused");
    }
    if (fs::is_regular_file(st)) {
      files.push_back(it->path());
    }
    if (files.size() > kMaxStoreFiles) {
      return ResourceExhaustedError("trust store " + std::string(spec) + " holds over 1024 files");
    }
  }
  if (ec) {
    return UnavailableError("reading trust store " + std::string(spec) + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<Bytes> certs;
  for (const fs::path& f : files) {
    const std::string what = "certificate file " + f.filename().string() + " of trust store " +
                             std::string(spec);
    VOUCH_ASSIGN_OR_RETURN(std::vector<Bytes> in_file, CertificatesOf(f.string(), what));
    for (Bytes& der : in_file) {
      VOUCH_RETURN_IF_ERROR(CheckStoreCertificate(kind, der, what));
      certs.push_back(std::move(der));
    }
  }
  if (certs.empty()) {
    return InvalidArgumentError("trust store " + std::string(spec) + " holds no certificate");
  }
  return certs;
}

std::string DefaultNotationDir() {
  std::string base = XdgBaseDir("XDG_CONFIG_HOME", ".config");
  return base.empty() ? "" : base + "/notation";
}

}  // namespace vouch::verify::notation
