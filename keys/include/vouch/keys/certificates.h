// Certificate chains as files hold them: PEM "CERTIFICATE" blocks read to DER. Used to sign with
// a certificate chain (Notation) and by the verifiers reading cosign's certificate annotations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch::keys {

// kMaxChainCertificates caps the certificates of one PEM chain.
inline constexpr size_t kMaxChainCertificates = 16;

// ParsePemCertificates decodes every "CERTIFICATE" PEM block of |pem| to DER, in order; text
// between blocks is ignored. No block, another block type, a block that is not one DER X.509
// certificate, or more than kMaxChainCertificates is kInvalidArgument naming |what|.
Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem, std::string_view what);

// EncodePemCertificate returns |der| as one "CERTIFICATE" PEM block (64-column lines), the form
// a Rekor v1 entry records a signer's certificate in. The bytes are not parsed.
std::string EncodePemCertificate(ByteView der);

}  // namespace vouch::keys
