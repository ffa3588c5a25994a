// Sigstore trust material from a trusted_root.json (protobuf-specs sigstore_trustroot.proto,
// formats.md section 5.1): certificate authorities, transparency logs, CT logs and timestamp
// authorities, each with its closed validity window. Verification never goes online: this file
// is the only source of trust for keyless signatures, log entries and timestamps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::verify {

// ValidityWindow is a closed interval [start, end]; no end means open-ended.
struct ValidityWindow {
  TimePoint start{};
  std::optional<TimePoint> end;
  bool Contains(TimePoint t) const { return t >= start && (!end || t <= *end); }
};

// TransparencyLogInstance is one Rekor (tlogs) or CT log (ctlogs) key.
struct TransparencyLogInstance {
  std::string base_url;
  std::string key_details;  // e.g. "PKIX_ECDSA_P256_SHA_256", "PKIX_ED25519"
  // key is the log's public key (PKCS#1 RSA keys are converted to SubjectPublicKeyInfo).
  std::shared_ptr<const keys::Verifier> key;
  Bytes log_id;  // logId.keyId as decoded bytes (32 bytes)
  // checkpoint_key_id is the 4-byte signed-note key id: SHA-256(SPKI)[:4] for v1 logs, the
  // first 4 bytes of log_id for Rekor v2 (or checkpointKeyId when the root gives it).
  Bytes checkpoint_key_id;
  std::string operator_name;  // v0.2 "operator", may be empty
  ValidityWindow valid_for;
};

// CertificateAuthority is one Fulcio CA or timestamp authority: a chain whose last certificate is
// the trust anchor (it may be an intermediate), leaf-most first.
struct CertificateAuthority {
  std::string uri;
  std::string subject_common_name;
  std::string subject_organization;
  std::vector<Bytes> chain_der;
  ValidityWindow valid_for;
  std::string operator_name;
};

struct TrustedRoot {
  std::string media_type;
  std::vector<TransparencyLogInstance> tlogs;
  std::vector<CertificateAuthority> certificate_authorities;
  std::vector<TransparencyLogInstance> ctlogs;
  std::vector<CertificateAuthority> timestamp_authorities;
};

// ParseTrustedRoot parses trusted_root.json. Accepted media types: the legacy
// "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "...trustedroot.v0.1+json" and
// "...trustedroot.v0.2+json". A missing validFor.start on any instance, a key that does not parse,
// an unknown keyDetails, a malformed certificate or an unknown media type is kInvalidArgument
// naming the field (a malformed root is a usage error, exit 2).
Result<std::shared_ptr<const TrustedRoot>> ParseTrustedRoot(std::string_view json);

// LoadTrustedRoot reads |path| (size-capped) and parses it. An empty |path| means
// $VOUCH_TRUSTED_ROOT; when that is unset too the result is kInvalidArgument "no trusted root: pass
// --trusted-root FILE or set VOUCH_TRUSTED_ROOT". An unreadable file keeps its I/O code.
Result<std::shared_ptr<const TrustedRoot>> LoadTrustedRoot(const std::string& path);

}  // namespace vouch::verify
