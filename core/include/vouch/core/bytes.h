// Byte buffers and the text codecs every wire format needs: hex and base64 (RFC 4648).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/status.h"

namespace vouch {

// Bytes is an owned byte buffer; ByteView a borrowed, read-only view of one.
using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// AsBytes views the characters of |s| as bytes (no copy; |s| must outlive the view).
inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// AsChars views bytes as characters (no copy).
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string ToString(ByteView b) { return std::string(AsChars(b)); }

// HexEncode returns lowercase hex.
std::string HexEncode(ByteView data);
// HexDecode accepts upper- and lowercase hex of even length; anything else is kInvalidArgument.
Result<Bytes> HexDecode(std::string_view hex);

// Base64Encode returns standard base64 (RFC 4648 section 4) with '=' padding.
std::string Base64Encode(ByteView data);
// Base64UrlEncode returns URL-safe base64 (section 5) without padding.
std::string Base64UrlEncode(ByteView data);

enum class Base64Alphabet {
  kStd,     // '+' '/' only
  kUrl,     // '-' '_' only
  kEither,  // either alphabet (not mixed), as DSSE verifiers must accept
};

// Base64Decode decodes strictly: characters outside the alphabet, misplaced or excess padding,
// and non-zero trailing bits are kInvalidArgument. Padding is optional. No whitespace allowed.
Result<Bytes> Base64Decode(std::string_view text, Base64Alphabet alphabet = Base64Alphabet::kStd);

// ConstantTimeEquals compares two buffers without leaking where they differ (lengths may leak).
bool ConstantTimeEquals(ByteView a, ByteView b);

// SecureWipe overwrites |data| with zeros in a way the compiler cannot elide.
void SecureWipe(void* data, size_t size);

// SecretString is a std::string-like holder for passwords and other secrets that wipes its
// storage when destroyed or reassigned. It is move-only so that copies are explicit (Clone()).
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  ~SecretString() { Wipe(); }
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) {
    other.Wipe();
  }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      Wipe();
      value_ = std::move(other.value_);
      other.Wipe();
    }
    return *this;
  }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  SecretString Clone() const { return SecretString(value_); }
  std::string_view view() const { return value_; }
  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }

 private:
  void Wipe() {
    if (!value_.empty()) {
      SecureWipe(value_.data(), value_.size());
    }
    value_.clear();
  }
  std::string value_;
};

}  // namespace vouch
