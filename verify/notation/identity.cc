// Trusted identities: RFC 4514 distinguished names and the x509.subject match of a leaf
// certificate (trust-store-trust-policy.md, "trustedIdentities").
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/internal/ossl.h"
#include "sigstore/certificate.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {


bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// Value decodes one attribute value: escapes (\X for a special character, \HH for a byte),
// leading and trailing unescaped spaces dropped; an unescaped '=' is an error, as in the LDAP
// parser notation uses.
Result<std::string> Value(std::string_view raw) {
  std::string out;
  size_t keep = 0;  // out's length up to the last escaped or non-space character
  size_t first = raw.find_first_not_of(' ');
  raw.remove_prefix(first == std::string_view::npos ? raw.size() : first);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\') {
      unsigned byte = 0;
      if (i + 2 < raw.size() && IsHex(raw[i + 1]) && IsHex(raw[i + 2])) {
        std::from_chars(raw.data() + i + 1, raw.data() + i + 3, byte, 16);
        out += static_cast<char>(byte);
        i += 2;
      } else if (i + 1 < raw.size()) {
        out += raw[++i];
      } else {
        return InvalidArgumentError("a distinguished name ends with a lone '\\'");
      }
      keep = out.size();
      continue;
    }
    if (c == '=') {
      return InvalidArgumentError("an attribute value holds an unescaped '='");
    }
    out += c;
    if (c != ' ') {
      keep = out.size();
    }
  }
  out.resize(keep);
  return out;
}

// SplitUnescaped splits |text| at unescaped |sep| characters.
std::vector<std::string_view> SplitUnescaped(std::string_view text, std::string_view seps) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (seps.find(text[i]) != std::string_view::npos) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

Result<DistinguishedName> ParseDistinguishedName(std::string_view text) {
  DistinguishedName dn;
  if (TrimSpaces(text).empty()) {
    return InvalidArgumentError("the distinguished name is empty");
  }
  for (std::string_view rdn : SplitUnescaped(text, ",;")) {
    if (SplitUnescaped(rdn, "+").size() > 1) {
      return InvalidArgumentError("distinguished name \"" + std::string(text) +
                                  "\" has a multi-valued RDN");
    }
    size_t eq = rdn.find('=');
    std::string_view type = eq == std::string_view::npos ? "" : TrimSpaces(rdn.substr(0, eq));
    if (type.empty()) {
      return InvalidArgumentError("distinguished name \"" + std::string(text) +
                                  "\" has an RDN without an attribute type");
    }
    Result<std::string> value = Value(rdn.substr(eq + 1));
    if (!value.ok()) {
      return InvalidArgumentError("distinguished name \"" + std::string(text) +
                                  "\": " + value.status().message());
    }
    if (!dn.emplace(std::string(type), std::move(value).value()).second) {
      return InvalidArgumentError("distinguished name \"" + std::string(text) +
                                  "\" repeats the attribute " + std::string(type));
    }
  }
  return dn;
}

Status MatchTrustedIdentity(ByteView leaf_der, const std::vector<std::string>& identities) {
  if (std::find(identities.begin(), identities.end(), "*") != identities.end()) {
    return OkStatus();
  }
  VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> leaf, sigstore::ParseCertificateDer(leaf_der, "leaf"));
  const std::string subject = sigstore::NameText(X509_get_subject_name(leaf.get()));
  Result<DistinguishedName> have = ParseDistinguishedName(subject);
  if (!have.ok()) {
    return VerificationFailedError("the signing certificate's subject \"" + subject +
                                   "\" cannot be matched: " + have.status().message());
  }
  for (const std::string& id : identities) {
    if (id.compare(0, kX509SubjectPrefix.size(), kX509SubjectPrefix) != 0) {
      continue;
    }
    Result<DistinguishedName> want = ParseDistinguishedName(id.substr(kX509SubjectPrefix.size()));
    if (!want.ok()) {
      continue;  // the policy parser refuses these; a hand-built statement just never matches
    }
    bool all = std::all_of(want->begin(), want->end(), [&](const auto& kv) {
      auto it = have->find(kv.first);
      return it != have->end() && it->second == kv.second;
    });
    if (all) {
      return OkStatus();
    }
  }
  return VerificationFailedError("the signing certificate's subject \"" + subject +
                                 "\" is not among the trusted identities");
}

}  // namespace vouch::verify::notation
