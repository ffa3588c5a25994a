// PEM certificate chains (vouch/keys/certificates.h), decoded by OpenSSL's PEM reader.
#include "vouch/keys/certificates.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

#include "core/internal/ossl.h"
#include "key_internal.h"

namespace vouch::keys {

Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem, std::string_view what) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return InternalError("out of memory");
  }
  std::vector<Bytes> out;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      ClearOpenSslErrors();  // end of input (or trailing text)
      break;
    }
    std::string type = name;
    Bytes der(data, data + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (type != "CERTIFICATE") {
      return InvalidArgumentError(std::string(what) + " holds a PEM \"" + type +
                                  "\", not a certificate");
    }
    const unsigned char* p = der.data();
    OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (x == nullptr || p != der.data() + der.size()) {
      ClearOpenSslErrors();
      return InvalidArgumentError(std::string(what) + " is not a DER X.509 certificate");
    }
    if (out.size() == kMaxChainCertificates) {
      return InvalidArgumentError(std::string(what) + " holds more than 16 certificates");
    }
    out.push_back(std::move(der));
  }
  if (out.empty()) {
    return InvalidArgumentError(std::string(what) + " holds no PEM certificate");
  }
  return out;
}

std::string EncodePemCertificate(ByteView der) {
  // A certificate is public: the SecretString EncodePem writes into is only its buffer.
  return std::string(internal::EncodePem("CERTIFICATE", der).view());
}

}  // namespace vouch::keys
