// TUF metadata (spec section 4): parsing of the four top-level roles and the signature threshold
// check. Everything a repository sent is hostile until VerifyRole says otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/keys/keys.h"

namespace vouch::tuf::internal {

// PublicKey is one entry of a root's "keys". |verifier| is empty for a key type vouch does not
// know: such a key is kept (a role may list it) but can never count towards a threshold.
struct PublicKey {
  std::optional<keys::Verifier> verifier;
  keys::SignatureScheme scheme = keys::SignatureScheme::kDefault;
};

// Role is a root's "roles" entry: who may sign and how many must.
struct Role {
  std::vector<std::string> keyids;
  uint64_t threshold = 0;
};

// MetaFile is a timestamp or snapshot "meta" entry; TargetFile a targets "targets" entry. An
// empty |hashes| means none given.
struct MetaFile {
  uint64_t version = 0;
  std::optional<uint64_t> length;
  std::map<std::string, std::string> hashes;
};
struct TargetFile {
  uint64_t length = 0;
  std::map<std::string, std::string> hashes;
};

struct Signature {
  std::string keyid;
  Bytes sig;
};

// Metadata is one parsed metadata file. The role-specific members are filled for their role
// only.
struct Metadata {
  std::string type;  // "root", "timestamp", "snapshot" or "targets"
  uint64_t version = 0;
  TimePoint expires;
  // signed_bytes is the canonical JSON of "signed": what the signatures cover.
  std::string signed_bytes;
  std::vector<Signature> signatures;

  // root
  std::map<std::string, PublicKey> keys;
  std::map<std::string, Role> roles;
  bool consistent_snapshot = false;
  // timestamp ("snapshot.json") and snapshot ("targets.json", delegated roles)
  std::map<std::string, MetaFile> meta;
  // targets
  std::map<std::string, TargetFile> targets;
  bool has_delegations = false;
};

// ParseMetadata parses |data| as metadata of |role| ("_type" must match, spec_version must be
// 1.x). Malformed input is kVerificationFailed naming |role|: a repository that sends it is
// rejected like one that sends a bad signature.
Result<Metadata> ParseMetadata(ByteView data, std::string_view role);

// VerifyRole checks that |md| carries at least the threshold of valid signatures of |role| as
// |root| defines it. Each key counts once: a key id listed twice, a signature repeated, or two
// key ids of the same public key add nothing. Short of the threshold is kVerificationFailed
// "<role> version V: N of the M required signatures of the root version R's <role> keys".
Status VerifyRole(const Metadata& root, std::string_view role, const Metadata& md);

// SameRoleKeys reports whether |a| and |b| give |role| the same keys and threshold.
bool SameRoleKeys(const Metadata& a, const Metadata& b, std::string_view role);

// CheckExpiry fails with kVerificationFailed "<role> version V expired at T" when |md| expired at
// or before |now| (spec 5.3.10, 5.4.4, 5.5.6, 5.6.6: the freeze attack).
Status CheckExpiry(const Metadata& md, TimePoint now);

// CheckFile checks |data| against a length and hashes (sha256, sha384, sha512) from trusted
// metadata: a different length or hash, or a hash algorithm vouch does not compute, is
// kVerificationFailed naming |what|.
Status CheckFile(ByteView data, std::optional<uint64_t> length,
                 const std::map<std::string, std::string>& hashes, std::string_view what);

}  // namespace vouch::tuf::internal
