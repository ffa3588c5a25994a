// Fuzz target for vouch::Digest::Parse ("<alg>:<hex>" content digests from manifests, bundles
// and command lines). Invariant: an input that parses is already canonical, so ToString()
// reproduces it byte for byte, and ToString()/FromBytes() parse back to an equal digest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vouch::Result<vouch::Digest> d = vouch::Digest::Parse(text);
  if (!d.ok()) {
    return 0;
  }
  FUZZ_CHECK(d->bytes().size() == vouch::HashSize(d->algorithm()));
  const std::string s = d->ToString();
  FUZZ_CHECK(s == text);
  FUZZ_CHECK(s == std::string(vouch::HashAlgorithmName(d->algorithm())) + ":" + d->Hex());
  vouch::Result<vouch::Digest> again = vouch::Digest::Parse(s);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *d);
  vouch::Result<vouch::Digest> from_bytes = vouch::Digest::FromBytes(d->algorithm(), d->bytes());
  FUZZ_CHECK(from_bytes.ok());
  FUZZ_CHECK(*from_bytes == *d);
  return 0;
}
