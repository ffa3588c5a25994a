// Sigstore trust material from a trusted_root.json (protobuf-specs sigstore_trustroot.proto,
// formats.md section 5.1): certificate authorities, transparency logs, CT logs and timestamp
// authorities, each with its closed validity window. Verification never goes online: this file
// is the only source of trust for keyless signatures, log entries and timestamps.
//
// Changes to the lead's first declaration (all additive):
// - ValidityWindow::start may be TimePoint::min() ("no start"), only for CAs and TSAs.
// - TransparencyLogInstance gains |scheme| (the signature scheme keyDetails names),
//   |checkpoint_key_name| (the signed-note key name: the host of baseUrl) and |rekor_v2| (true
//   when logId is the Rekor v2 signed-note derivation rather than SHA-256 of the SPKI).
// - TrustedRoot gains FindTlogs / FindCtlogs (lookup by logId bytes) and kMaxTrustedRootSize.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::verify {

// ValidityWindow is a closed interval [start, end]; no end means open-ended. A CA or TSA entry
// without validFor (or without its start) has start == TimePoint::min(): unbounded below.
struct ValidityWindow {
  TimePoint start = TimePoint::min();
  std::optional<TimePoint> end;
  bool Contains(TimePoint t) const { return t >= start && (!end || t <= *end); }
};

// TransparencyLogInstance is one Rekor (tlogs) or CT log (ctlogs) key.
struct TransparencyLogInstance {
  std::string base_url;
  std::string key_details;  // e.g. "PKIX_ECDSA_P256_SHA_256", "PKIX_ED25519"
  // key is the log's public key (PKCS#1 RSA keys are converted to SubjectPublicKeyInfo).
  std::shared_ptr<const keys::Verifier> key;
  // scheme is the signature scheme keyDetails names for |key| (ECDSA with its hash, Ed25519,
  // RSA PKCS#1 v1.5 or PSS with SHA-256). Pass it to keys::Verifier::Verify.
  keys::SignatureScheme scheme = keys::SignatureScheme::kDefault;
  Bytes log_id;  // logId.keyId as decoded bytes (32 bytes)
  // rekor_v2 is true for a Rekor v2 (rekor-tiles) log: its logId is
  // SHA-256(checkpoint_key_name || 0x0A || 0x01 || Ed25519 key) rather than SHA-256(SPKI).
  // Always false for ctlogs.
  bool rekor_v2 = false;
  // checkpoint_key_name is the signed-note key name: the host (with port, if any) of base_url,
  // e.g. "rekor.sigstore.dev", "log2025-1.rekor.sigstore.dev".
  std::string checkpoint_key_name;
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
  std::vector<Bytes> chain_der;  // DER certificates, each checked to parse; never empty
  ValidityWindow valid_for;
  std::string operator_name;
};

struct TrustedRoot {
  // digest is SHA-256 of the JSON it was parsed from: what a cache of decisions made with this
  // root is keyed by.
  Digest digest = Digest::Of({});
  std::string media_type;
  std::vector<TransparencyLogInstance> tlogs;
  std::vector<CertificateAuthority> certificate_authorities;
  std::vector<TransparencyLogInstance> ctlogs;
  std::vector<CertificateAuthority> timestamp_authorities;

  // FindTlogs returns the tlogs entries whose log_id equals |log_id| (several instances may share
  // one key with different windows), in file order; empty when none.
  std::vector<const TransparencyLogInstance*> FindTlogs(ByteView log_id) const;
  // FindCtlogs is FindTlogs over ctlogs.
  std::vector<const TransparencyLogInstance*> FindCtlogs(ByteView log_id) const;
};

// kMaxTrustedRootSize caps the trusted_root.json read from disk (the public-good root is ~10 KiB).
inline constexpr size_t kMaxTrustedRootSize = 4 * 1024 * 1024;

// ParseTrustedRoot parses trusted_root.json. Accepted media types: the legacy
// "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "...trustedroot.v0.1+json" and
// "...trustedroot.v0.2+json". Rejected with kInvalidArgument naming the field (a malformed root is
// a usage error, exit 2): an unknown or missing media type; a tlog or ctlog without
// validFor.start, with a key that does not parse or does not fit its keyDetails, an unknown
// keyDetails, or a logId that is not SHA-256 of the SPKI (ctlogs, Rekor v1) nor the Rekor v2
// derivation (Ed25519 tlogs); a CA or TSA without certificates or with a malformed certificate;
// a window whose end precedes its start. Expired instances are kept.
Result<std::shared_ptr<const TrustedRoot>> ParseTrustedRoot(std::string_view json);

// LoadTrustedRoot reads |path| (capped at kMaxTrustedRootSize) and parses it. An empty |path|
// means $VOUCH_TRUSTED_ROOT; when that is unset too the result is kInvalidArgument "no trusted
// root: pass --trusted-root FILE or set VOUCH_TRUSTED_ROOT". An unreadable file keeps its I/O code.
Result<std::shared_ptr<const TrustedRoot>> LoadTrustedRoot(const std::string& path);

}  // namespace vouch::verify
