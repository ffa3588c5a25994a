#include "vouch/core/digest.h"

#include <openssl/evp.h>

#include <vector>

#include "core/internal/ossl.h"

namespace vouch {
namespace {

const EVP_MD* Md(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::string_view HashAlgorithmName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return "sha256";
    case HashAlgorithm::kSha384: return "sha384";
    case HashAlgorithm::kSha512: return "sha512";
  }
  return "sha256";
}

size_t HashSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return 32;
    case HashAlgorithm::kSha384: return 48;
    case HashAlgorithm::kSha512: return 64;
  }
  return 32;
}

Result<Digest> Digest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("digest \"" + std::string(text.substr(0, 80)) +
                                "\" has no algorithm prefix");
  }
  std::string_view alg_name = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  HashAlgorithm alg;
  if (alg_name == "sha256") {
    alg = HashAlgorithm::kSha256;
  } else if (alg_name == "sha384") {
    alg = HashAlgorithm::kSha384;
  } else if (alg_name == "sha512") {
    alg = HashAlgorithm::kSha512;
  } else {
    return InvalidArgumentError("unsupported digest algorithm \"" +
                                std::string(alg_name.substr(0, 32)) + "\"");
  }
  if (hex.size() != 2 * HashSize(alg)) {
    return InvalidArgumentError("digest has the wrong length for " + std::string(alg_name));
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return InvalidArgumentError("digest must be lowercase hex");
    }
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes bytes, HexDecode(hex));
  return Digest(alg, std::move(bytes));
}

Result<Digest> Digest::FromBytes(HashAlgorithm alg, ByteView bytes) {
  if (bytes.size() != HashSize(alg)) {
    return InvalidArgumentError("digest bytes have the wrong length");
  }
  return Digest(alg, Bytes(bytes.begin(), bytes.end()));
}

Digest Digest::Of(ByteView data, HashAlgorithm alg) {
  Hasher h(alg);
  h.Update(data);
  return h.Finish();
}

std::string Digest::ToString() const {
  return std::string(HashAlgorithmName(alg_)) + ":" + Hex();
}

struct Hasher::Impl {
  OsslPtr<EVP_MD_CTX> ctx{EVP_MD_CTX_new()};
};

Hasher::Hasher(HashAlgorithm alg) : alg_(alg), impl_(std::make_unique<Impl>()) {
  // Failure here means OpenSSL cannot allocate or lacks SHA-2: a true invariant.
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx.get(), Md(alg), nullptr) != 1) {
    std::abort();
  }
}

Hasher::~Hasher() = default;

void Hasher::Update(ByteView data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    std::abort();
  }
}

Digest Hasher::Finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1) {
    std::abort();
  }
  out.resize(len);
  return *Digest::FromBytes(alg_, out);
}

Result<Digest> HashSource(ByteSource& source, HashAlgorithm alg) {
  Hasher h(alg);
  std::vector<uint8_t> buf(kStreamBufferSize);
  for (;;) {
    VOUCH_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) {
      break;
    }
    h.Update(ByteView(buf.data(), n));
  }
  return h.Finish();
}

}  // namespace vouch
