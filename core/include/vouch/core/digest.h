// Content digests: the "<algorithm>:<encoded>" strings of OCI and Sigstore, and streaming hashes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/file.h"
#include "vouch/core/status.h"

namespace vouch {

// HashAlgorithm lists the hashes vouch computes.
enum class HashAlgorithm { kSha256, kSha384, kSha512 };

// HashAlgorithmName returns "sha256", "sha384" or "sha512".
std::string_view HashAlgorithmName(HashAlgorithm alg);
// HashSize returns the digest length in bytes (32, 48, 64).
size_t HashSize(HashAlgorithm alg);

// Digest is a parsed content digest. Only sha256, sha384 and sha512 are representable; the
// encoded part is lowercase hex of exactly HashSize() bytes (OCI image-spec descriptor.md).
class Digest {
 public:
  // Parse accepts "sha256:<64 lowercase hex>" (and sha384/sha512 likewise). Uppercase hex, other
  // lengths and other algorithms are kInvalidArgument.
  static Result<Digest> Parse(std::string_view text);
  // FromBytes wraps raw digest bytes; |bytes| must have HashSize(alg) bytes.
  static Result<Digest> FromBytes(HashAlgorithm alg, ByteView bytes);
  // Of hashes |data|.
  static Digest Of(ByteView data, HashAlgorithm alg = HashAlgorithm::kSha256);

  HashAlgorithm algorithm() const { return alg_; }
  const Bytes& bytes() const { return bytes_; }
  std::string Hex() const { return HexEncode(bytes_); }
  // ToString returns "sha256:<hex>".
  std::string ToString() const;

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.alg_ == b.alg_ && a.bytes_ == b.bytes_;
  }

 private:
  Digest(HashAlgorithm alg, Bytes bytes) : alg_(alg), bytes_(std::move(bytes)) {}
  HashAlgorithm alg_;
  Bytes bytes_;
};

// Hasher computes a digest incrementally. Not copyable.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm alg);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(ByteView data);
  // Finish returns the digest; the hasher must not be used afterwards.
  Digest Finish();

 private:
  struct Impl;
  HashAlgorithm alg_;
  std::unique_ptr<Impl> impl_;
};

// kStreamBufferSize is the fixed buffer every streaming hash uses: memory does not grow with the
// input size.
inline constexpr size_t kStreamBufferSize = 1 << 20;

// HashSource reads |source| to its end with a fixed buffer and returns its digest.
Result<Digest> HashSource(ByteSource& source, HashAlgorithm alg);

}  // namespace vouch
