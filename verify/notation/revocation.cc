// Certificate revocation for Notation's revocation check: OCSP (RFC 6960) at the responders a
// certificate's AIA names, else the CRLs (RFC 5280) of its distribution points, fetched over
// vouch's HTTP transport and kept in an on-disk cache until their nextUpdate. Requests,
// responses, CRLs and their signatures are OpenSSL's (OCSP_*, X509_CRL_*).
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/internal/ossl.h"
#include "sigstore/certificate.h"
#include "vouch/core/file.h"
#include "vouch/registry/transport.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

// kMaxOcspResponse and kMaxCrl cap what a responder or distribution point may send.
constexpr uint64_t kMaxOcspResponse = 1 << 20;
constexpr uint64_t kMaxCrl = 16 << 20;
// kClockSkew is the leeway on OCSP thisUpdate / nextUpdate (OpenSSL's usual 5 minutes).
constexpr long kClockSkewSeconds = 300;

std::string Subject(X509* x) { return sigstore::NameText(X509_get_subject_name(x)); }

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::vector<std::string> OcspUrls(X509* x) {
  std::vector<std::string> out;
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(x);
  for (int i = 0; urls != nullptr && i < sk_OPENSSL_STRING_num(urls); ++i) {
    out.emplace_back(sk_OPENSSL_STRING_value(urls, i));
  }
  X509_email_free(urls);
  return out;
}

std::vector<std::string> CrlUrls(X509* x) {
  std::vector<std::string> out;
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(x, NID_crl_distribution_points, nullptr, nullptr));
  ClearOpenSslErrors();
  for (int i = 0; points != nullptr && i < sk_DIST_POINT_num(points); ++i) {
    DIST_POINT* dp = sk_DIST_POINT_value(points, i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) {
      continue;  // only full names
    }
    GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
      if (n->type == GEN_URI) {
        const ASN1_STRING* s = n->d.uniformResourceIdentifier;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
  }
  CRL_DIST_POINTS_free(points);
  return out;
}

Result<OsslPtr<X509_CRL>> ParseCrl(ByteView data, const std::string& what) {
  const unsigned char* p = data.data();
  OsslPtr<X509_CRL> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
  if (crl == nullptr) {
    ClearOpenSslErrors();
    OsslPtr<BIO> bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    crl.reset(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  if (crl == nullptr) {
    ClearOpenSslErrors();
    return UnavailableError(what + " is not a CRL");
  }
  return crl;
}

bool Current(X509_CRL* crl, TimePoint now) {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
  time_t t = ToTimeT(now);
  return next == nullptr || X509_cmp_time(next, &t) > 0;
}

}  // namespace

struct RevocationChecker::Impl {
  RevocationOptions options;
  std::unique_ptr<registry::Transport> transport;
  std::vector<std::pair<std::string, OsslPtr<X509_CRL>>> files;  // offline CRLs, by path
  Status files_status = OkStatus();
  mutable std::mutex cache_mu;  // serializes cache writes (readers see whole files: atomic renames)

  Result<Bytes> Http(const std::string& method, const std::string& url, Bytes body,
                     const std::string& content_type, uint64_t cap) const {
    if (options.offline) {
      return UnavailableError("offline: " + url + " was not asked");
    }
    registry::HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = std::move(body);
    if (!content_type.empty()) {
      req.headers.Set("Content-Type", content_type);
    }
    req.max_response_bytes = cap;
    Result<registry::HttpResponse> resp = transport->RoundTrip(req);
    if (!resp.ok()) {
      return UnavailableError(url + ": " + resp.status().message());
    }
    if (resp->status != 200) {
      return UnavailableError(url + " answered HTTP " + std::to_string(resp->status));
    }
    return std::move(resp->body);
  }

  Status Ocsp(X509* cert, X509* issuer, const std::string& url, TimePoint now) const;
  Status Crl(X509* cert, X509* issuer, const std::string& url, TimePoint now) const;
  Result<OsslPtr<X509_CRL>> LoadCrl(X509* issuer, const std::string& url, TimePoint now) const;
};

Status RevocationChecker::Impl::Ocsp(X509* cert, X509* issuer, const std::string& url,
                                     TimePoint now) const {
  OsslPtr<OCSP_REQUEST> req(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, cert, issuer);
  if (req == nullptr || id == nullptr || OCSP_request_add0_id(req.get(), id) == nullptr ||
      OCSP_request_add1_nonce(req.get(), nullptr, -1) != 1) {
    OCSP_CERTID_free(id);
    return OpenSslError(ErrorCode::kInternal, "building an OCSP request");
  }
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(req.get(), &der);
  if (len <= 0) {
    return OpenSslError(ErrorCode::kInternal, "encoding an OCSP request");
  }
  Bytes body(der, der + len);
  OPENSSL_free(der);
  VOUCH_ASSIGN_OR_RETURN(Bytes answer,
                         Http("POST", url, std::move(body), "application/ocsp-request",
                              kMaxOcspResponse));
  const unsigned char* p = answer.data();
  OsslPtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(answer.size())));
  if (resp == nullptr || OCSP_response_status(resp.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    ClearOpenSslErrors();
    return UnavailableError("the OCSP responder " + url + " gave no successful response");
  }
  OsslPtr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
  if (basic == nullptr || OCSP_check_nonce(req.get(), basic.get()) == 0) {
    ClearOpenSslErrors();
    return UnavailableError("the OCSP response of " + url + " is not an answer to this request");
  }
  // The responder is the issuer itself or a responder it delegated to (OCSP signing EKU).
  OsslPtr<X509_STORE> store(X509_STORE_new());
  OsslPtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  if (store == nullptr || untrusted == nullptr || X509_STORE_add_cert(store.get(), issuer) != 1 ||
      !sk_X509_push(untrusted.get(), X509_dup(issuer))) {
    return OpenSslError(ErrorCode::kInternal, "preparing the OCSP signer check");
  }
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  if (OCSP_basic_verify(basic.get(), untrusted.get(), store.get(), 0) != 1) {
    ClearOpenSslErrors();
    return UnavailableError("the OCSP response of " + url + " is not signed by the issuer");
  }
  OsslPtr<OCSP_CERTID> wanted(OCSP_cert_to_id(nullptr, cert, issuer));
  int status = -1, reason = -1;
  ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (wanted == nullptr || OCSP_resp_find_status(basic.get(), wanted.get(), &status, &reason,
                                                 &revoked_at, &this_update, &next_update) != 1) {
    ClearOpenSslErrors();
    return UnavailableError("the OCSP response of " + url + " says nothing of the certificate");
  }
  (void)now;  // OCSP_check_validity compares with the current time, which is |now| in practice
  if (OCSP_check_validity(this_update, next_update, kClockSkewSeconds, -1) != 1) {
    ClearOpenSslErrors();
    return UnavailableError("the OCSP response of " + url + " is not current");
  }
  if (status == V_OCSP_CERTSTATUS_REVOKED) {
    return VerificationFailedError("certificate \"" + Subject(cert) + "\" is revoked (OCSP " +
                                   url + ")");
  }
  if (status != V_OCSP_CERTSTATUS_GOOD) {
    return UnavailableError("the OCSP responder " + url + " does not know the certificate");
  }
  return OkStatus();
}

Result<OsslPtr<X509_CRL>> RevocationChecker::Impl::LoadCrl(X509* issuer, const std::string& url,
                                                           TimePoint now) const {
  VOUCH_RETURN_IF_ERROR(files_status);
  for (const auto& [path, crl] : files) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) == 0) {
      return OsslPtr<X509_CRL>(X509_CRL_dup(crl.get()));
    }
  }
  const std::string cache =
      options.crl_cache_dir.empty()
          ? ""
          : options.crl_cache_dir + "/" + Digest::Of(AsBytes(url)).Hex() + ".crl";
  if (!cache.empty() && PathExists(cache)) {
    Result<Bytes> cached = ReadFile(cache, kMaxCrl);
    if (cached.ok()) {
      Result<OsslPtr<X509_CRL>> crl = ParseCrl(*cached, cache);
      if (crl.ok() && Current(crl->get(), now)) {
        return crl;
      }
    }
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes fetched, Http("GET", url, {}, "", kMaxCrl));
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509_CRL> crl, ParseCrl(fetched, "the CRL at " + url));
  if (!cache.empty()) {
    std::lock_guard<std::mutex> lock(cache_mu);
    std::error_code ec;
    std::filesystem::create_directories(options.crl_cache_dir, ec);
    (void)WriteFileAtomic(cache, fetched, 0644, WriteMode::kOverwrite);  // a cache: best effort
  }
  return crl;
}

Status RevocationChecker::Impl::Crl(X509* cert, X509* issuer, const std::string& url,
                                    TimePoint now) const {
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509_CRL> crl, LoadCrl(issuer, url, now));
  EVP_PKEY* key = X509_get0_pubkey(issuer);  // borrowed
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer)) != 0 ||
      key == nullptr || X509_CRL_verify(crl.get(), key) != 1) {
    ClearOpenSslErrors();
    return UnavailableError("the CRL at " + url + " is not signed by the certificate's issuer");
  }
  if (!Current(crl.get(), now)) {
    return UnavailableError("the CRL at " + url + " is past its nextUpdate");
  }
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_cert(crl.get(), &entry, cert) == 1) {
    return VerificationFailedError("certificate \"" + Subject(cert) + "\" is revoked (CRL " +
                                   url + ")");
  }
  return OkStatus();
}

RevocationChecker::RevocationChecker(RevocationOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.crl_cache_dir.empty()) {
    impl_->options.crl_cache_dir = DefaultCrlCacheDir();
  }
  registry::CurlTransportOptions t;
  t.connect_timeout = impl_->options.timeout;
  t.request_timeout = impl_->options.timeout;
  impl_->transport = registry::NewCurlTransport(t);
  for (const std::string& path : impl_->options.crl_files) {
    Result<Bytes> data = ReadFile(path, kMaxCrl);
    Result<OsslPtr<X509_CRL>> crl =
        data.ok() ? ParseCrl(*data, path) : Result<OsslPtr<X509_CRL>>(data.status());
    if (!crl.ok()) {
      impl_->files_status = crl.status();
      continue;
    }
    impl_->files.emplace_back(path, std::move(crl).value());
  }
}

RevocationChecker::~RevocationChecker() = default;

Status RevocationChecker::Check(const std::vector<Bytes>& chain_der, TimePoint now) const {
  std::vector<OsslPtr<X509>> chain;
  for (const Bytes& der : chain_der) {
    VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> x, sigstore::ParseCertificateDer(der, "certificate"));
    chain.push_back(std::move(x));
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    X509* cert = chain[i].get();
    X509* issuer = chain[i + 1].get();
    std::vector<std::string> ocsp = OcspUrls(cert), crls = CrlUrls(cert);
    if (ocsp.empty() && crls.empty()) {
      continue;  // not revocable
    }
    Status last = OkStatus();
    bool known = false;
    for (const std::string& url : ocsp) {
      last = impl_->Ocsp(cert, issuer, url, now);
      if (last.ok() || IsVerificationFailed(last)) {
        known = true;
        break;
      }
    }
    for (size_t j = 0; !known && j < crls.size(); ++j) {
      last = impl_->Crl(cert, issuer, crls[j], now);
      known = last.ok() || IsVerificationFailed(last);
    }
    if (IsVerificationFailed(last)) {
      return last;
    }
    if (!known) {
      return UnavailableError("the revocation status of \"" + Subject(cert) +
                              "\" could not be checked: " + last.message());
    }
  }
  return OkStatus();
}

std::string DefaultCrlCacheDir() {
  std::string base = XdgBaseDir("XDG_CACHE_HOME", ".cache");
  return base.empty() ? "" : base + "/vouch/crl";
}

}  // namespace vouch::verify::notation
