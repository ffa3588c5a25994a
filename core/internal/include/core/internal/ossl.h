// OsslPtr<T>: RAII ownership of OpenSSL handles, and the OpenSSL error queue as a Status.
//
// Internal to vouch: modules link vouch::core_internal PRIVATELY and include this as
// "core/internal/ossl.h". No OpenSSL type appears in any public header.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch {

template <typename T>
struct OsslDeleter;

#define VOUCH_OSSL_DELETER(type, fn)          \
  template <>                                 \
  struct OsslDeleter<type> {                  \
    void operator()(type* p) const { fn(p); } \
  }

VOUCH_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
VOUCH_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
VOUCH_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
VOUCH_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
VOUCH_OSSL_DELETER(BIO, BIO_free_all);
VOUCH_OSSL_DELETER(X509, X509_free);
VOUCH_OSSL_DELETER(X509_STORE, X509_STORE_free);
VOUCH_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
VOUCH_OSSL_DELETER(X509_SIG, X509_SIG_free);
VOUCH_OSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free);
VOUCH_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
VOUCH_OSSL_DELETER(BIGNUM, BN_free);
VOUCH_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free);
VOUCH_OSSL_DELETER(ASN1_STRING, ASN1_STRING_free);  // also ASN1_UTF8STRING, ASN1_OCTET_STRING
VOUCH_OSSL_DELETER(GENERAL_NAMES, GENERAL_NAMES_free);
VOUCH_OSSL_DELETER(PKCS7, PKCS7_free);
VOUCH_OSSL_DELETER(TS_REQ, TS_REQ_free);
VOUCH_OSSL_DELETER(TS_RESP, TS_RESP_free);
VOUCH_OSSL_DELETER(TS_RESP_CTX, TS_RESP_CTX_free);
VOUCH_OSSL_DELETER(TS_TST_INFO, TS_TST_INFO_free);
VOUCH_OSSL_DELETER(OCSP_REQUEST, OCSP_REQUEST_free);
VOUCH_OSSL_DELETER(OCSP_RESPONSE, OCSP_RESPONSE_free);
VOUCH_OSSL_DELETER(OCSP_BASICRESP, OCSP_BASICRESP_free);
VOUCH_OSSL_DELETER(OCSP_CERTID, OCSP_CERTID_free);
VOUCH_OSSL_DELETER(X509_CRL, X509_CRL_free);
// Stacks own their elements.
inline void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
VOUCH_OSSL_DELETER(STACK_OF(X509), FreeX509Stack);
VOUCH_OSSL_DELETER(STACK_OF(SCT), SCT_LIST_free);

#undef VOUCH_OSSL_DELETER

// OsslPtr owns one OpenSSL object. Put a raw owning pointer into one on the line that creates it.
template <typename T>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T>>;

// OpenSslError drains the thread's OpenSSL error queue into a Status with |code| and |context|,
// leaving the queue empty. Never branch on the reason codes it contains.
inline Status OpenSslError(ErrorCode code, const std::string& context) {
  std::string msg = context;
  unsigned long err = 0;
  bool first = true;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    msg += first ? " (" : "; ";
    msg += buf;
    first = false;
  }
  if (!first) {
    msg += ")";
  }
  return Status(code, msg);
}

// ClearOpenSslErrors empties the queue after an expected failure.
inline void ClearOpenSslErrors() { ERR_clear_error(); }

// PublicKeyDer returns the DER SubjectPublicKeyInfo of |pkey| (borrowed; null is allowed). A key
// that does not encode (null, or a type OpenSSL cannot write) is kInvalidArgument.
inline Result<Bytes> PublicKeyDer(const EVP_PKEY* pkey) {
  int len = pkey == nullptr ? -1 : i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) {
    ClearOpenSslErrors();
    return InvalidArgumentError("the public key does not encode");
  }
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PUBKEY(pkey, &p) != len) {
    return OpenSslError(ErrorCode::kInternal, "encoding a public key");
  }
  return der;
}

}  // namespace vouch
