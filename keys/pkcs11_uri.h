// RFC 7512 PKCS#11 URI parsing for the keys module (pkcs11.cc) and its tests. Internal: not part
// of the public API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vouch/core/bytes.h"
#include "vouch/core/status.h"

namespace vouch::keys::internal {

// Pkcs11Uri holds the attributes of a "pkcs11:" URI that vouch uses, percent-decoded. An absent
// attribute is nullopt; a present but empty one ("object=") is an empty value.
struct Pkcs11Uri {
  // Path attributes (RFC 7512 section 2.3) that select the token.
  std::optional<std::string> token;         // CK_TOKEN_INFO label
  std::optional<std::string> manufacturer;  // CK_TOKEN_INFO manufacturerID
  std::optional<std::string> model;         // CK_TOKEN_INFO model
  std::optional<std::string> serial;        // CK_TOKEN_INFO serialNumber
  std::optional<std::string> slot_manufacturer;
  std::optional<std::string> slot_description;
  std::optional<uint64_t> slot_id;  // decimal CK_SLOT_ID
  // Path attributes that select the object.
  std::optional<std::string> object;  // CKA_LABEL
  std::optional<Bytes> id;            // CKA_ID
  std::optional<std::string> type;    // "private", "public", "cert", "secret-key" or "data"
  // Query attributes.
  std::optional<std::string> module_path;
  std::optional<std::string> pin_source;
  std::optional<SecretString> pin_value;
};

// ParsePkcs11Uri parses |uri| per RFC 7512 section 2.3. Malformed input is kInvalidArgument: a
// missing "pkcs11:" scheme, an empty attribute (";;", a trailing "&"), an attribute without "=",
// a name outside [A-Za-z0-9_-] or not starting with a letter, a character outside the path or query
// character sets, a bad percent-encoding, a repeated attribute, a `type` outside the five RFC
// values, or a `slot-id` that is not a decimal number. Well-formed attributes that vouch does not
// use are ignored. Error messages never contain the `pin-value`.
Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view uri);


}  // namespace vouch::keys::internal
