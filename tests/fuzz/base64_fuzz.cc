// Fuzz target for vouch::Base64Decode (DSSE payloads and signatures, bundle bytes fields, PEM
// bodies). The decoder is strict, so every accepted text is canonical up to the alphabet and
// the optional padding. Invariants, for each of the three alphabet modes:
//  * re-encoding the decoded bytes gives the input, after mapping '-' '_' to '+' '/' and
//    adding the '=' padding (Base64Encode) or removing it (Base64UrlEncode);
//  * kEither accepts exactly what kStd or kUrl accepts, with the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/core/bytes.h"

namespace {

// StdPadded maps the URL-safe alphabet to the standard one and pads to a multiple of 4.
std::string StdPadded(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    }
  }
  while (out.size() % 4 != 0) {
    out.push_back('=');
  }
  return out;
}

// UrlUnpadded maps the standard alphabet to the URL-safe one and drops the padding.
std::string UrlUnpadded(std::string_view text) {
  std::string out(text);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return out;
}

void CheckCanonical(std::string_view text, const vouch::Bytes& decoded) {
  FUZZ_CHECK(vouch::Base64Encode(decoded) == StdPadded(text));
  FUZZ_CHECK(vouch::Base64UrlEncode(decoded) == UrlUnpadded(text));
  vouch::Result<vouch::Bytes> again = vouch::Base64Decode(vouch::Base64Encode(decoded));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == decoded);
  again = vouch::Base64Decode(vouch::Base64UrlEncode(decoded), vouch::Base64Alphabet::kUrl);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == decoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using vouch::Base64Alphabet;
  vouch::Result<vouch::Bytes> std_result = vouch::Base64Decode(text, Base64Alphabet::kStd);
  vouch::Result<vouch::Bytes> url_result = vouch::Base64Decode(text, Base64Alphabet::kUrl);
  vouch::Result<vouch::Bytes> either = vouch::Base64Decode(text, Base64Alphabet::kEither);
  FUZZ_CHECK(either.ok() == (std_result.ok() || url_result.ok()));
  if (std_result.ok()) {
    FUZZ_CHECK(*either == *std_result);
    CheckCanonical(text, *std_result);
  }
  if (url_result.ok()) {
    FUZZ_CHECK(*either == *url_result);
    CheckCanonical(text, *url_result);
  }
  if (either.ok()) {
    CheckCanonical(text, *either);
  }
  // The text codecs also include hex; cheap to cover here with the same bytes.
  vouch::Result<vouch::Bytes> hex = vouch::HexDecode(text);
  if (hex.ok()) {
    vouch::Result<vouch::Bytes> again = vouch::HexDecode(vouch::HexEncode(*hex));
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *hex);
    FUZZ_CHECK(vouch::HexEncode(*hex).size() == text.size());
  }
  return 0;
}
