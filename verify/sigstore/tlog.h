// Transparency-log entries (private to verify): Rekor v1 and v2 body binding, signed entry
// timestamp, Merkle inclusion proof and signed checkpoint. formats.md 4.4, 5.4-5.7.
//
// Every check returns kVerificationFailed naming what failed ("inclusion proof: ...") when the
// entry is malformed or does not verify: log entries are evidence, and bad evidence is a
// rejection. Nothing here goes online: a missing proof is a failure, never a fetch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

// kMaxTlogEntries bounds the log entries of one bundle (sigstore-go allows 32).
inline constexpr size_t kMaxTlogEntries = 32;
// kMaxInclusionProofHashes bounds an inclusion proof: a tree of 2^64 leaves needs 64 hashes.
inline constexpr size_t kMaxInclusionProofHashes = 64;

// SignedContent is what a bundle says was signed, as the body of a log entry must record it.
struct SignedContent {
  // signature is the message signature, or the single DSSE signature.
  Bytes signature;
  // For a message signature: artifact_sha256 is the SHA-256 of the artifact (computed from the
  // bytes, or the digest the caller supplied). Unset for DSSE content.
  std::optional<Digest> artifact_sha256;
  // For DSSE content: the envelope's payload type and payload.
  bool dsse = false;
  std::string payload_type;
  Bytes payload;
  // The signer: the DER leaf certificate (keyless), else the DER SubjectPublicKeyInfo of the key.
  Bytes certificate_der;
  Bytes public_key_spki;
};

// VerifiedTlogEntry is what one entry establishes once every check passed.
struct VerifiedTlogEntry {
  const TransparencyLogInstance* log = nullptr;  // borrowed from the trusted root
  // integrated_time is set only when a signed entry timestamp verified over it (Rekor v1).
  std::optional<TimePoint> integrated_time;
  bool rekor_v2 = false;  // hashedrekord / dsse 0.0.2: no time, a TSA timestamp is needed
  bool inclusion_proof_verified = false;
};

// VerifyTlogEntry runs every check of formats.md 5.2 step 3 on |entry|, in order: the log is
// chosen by logId (and, for Rekor v1, must be valid at integratedTime); kindVersion agrees with
// the body; the body binds |content| (4.4); the SET verifies (5.4) when present; the inclusion
// proof (5.5) and its signed checkpoint (5.6) verify when present. |version| sets what is
// mandatory: v0.1 needs a SET, v0.2+ an inclusion proof with a checkpoint; a Rekor v2 entry
// always needs the proof. kVerificationFailed on any failure.
Result<VerifiedTlogEntry> VerifyTlogEntry(const attest::TlogEntry& entry,
                                          attest::BundleVersion version,
                                          const SignedContent& content, const TrustedRoot& root);

// VerifyBodyBinding checks that the decoded canonicalizedBody |body| is a |kind| |kind_version|
// entry recording |content|: hashedrekord 0.0.1 and 0.0.2, dsse 0.0.1 and 0.0.2, intoto 0.0.2.
// Any other kind, or a body whose apiVersion/kind disagree, is kVerificationFailed.
Status VerifyBodyBinding(ByteView body, std::string_view kind, std::string_view kind_version,
                         const SignedContent& content);

// SignedEntryTimestampPayload returns the RFC 8785 canonical JSON a Rekor v1 SET signs:
// {"body":<std b64 of body>,"integratedTime":N,"logID":"<hex log id>","logIndex":N}.
std::string SignedEntryTimestampPayload(ByteView body, int64_t integrated_time, ByteView log_id,
                                        int64_t log_index);

// VerifyInclusionProof checks the RFC 6962 / 9162 proof that the leaf hash
// SHA-256(0x00 || |body|) is leaf |index| of the tree of |tree_size| leaves with |root_hash|.
Status VerifyInclusionProof(ByteView body, uint64_t index, uint64_t tree_size,
                            const std::vector<Bytes>& hashes, ByteView root_hash);

// Checkpoint is the body of a signed note (C2SP tlog-checkpoint).
struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  Bytes root_hash;
};

// kMaxNoteSignatures bounds the signature lines of a signed note, as golang.org/x/mod/sumdb/note
// does: each line of the log's own key costs a signature verification.
inline constexpr size_t kMaxNoteSignatures = 100;

// NoteSignature is one signature line of a signed note: "— <name> <base64(key id || sig)>".
struct NoteSignature {
  std::string name;
  Bytes key_id;     // the first 4 bytes of the decoded blob
  Bytes signature;  // the rest (at least one byte)
};

// SignedNote is a signed note (C2SP signed-note) split into its text and signature lines.
struct SignedNote {
  std::string text;  // everything up to the last blank line, ending with its newline
  std::vector<NoteSignature> signatures;
};

// ParseSignedNote splits |envelope| at its last blank line into text and signature lines. The
// text must hold no control character but newline; every signature line must start with an em
// dash and a space, name a key (no space in the name) and carry std base64 of at least five
// bytes, and end with a newline; at most kMaxNoteSignatures lines. kVerificationFailed
// ("checkpoint: ...") otherwise. Nothing is verified.
Result<SignedNote> ParseSignedNote(std::string_view envelope);

// ParseCheckpointText reads a checkpoint note text (C2SP tlog-checkpoint): an origin line, the
// tree size in decimal without leading zeros, the std base64 of a 32-byte root hash, then
// optional extension lines. kVerificationFailed ("checkpoint: ...") otherwise.
Result<Checkpoint> ParseCheckpointText(std::string_view text);

// VerifyCheckpoint checks the signed note |envelope| with |log|'s key: the note is split by
// ParseSignedNote; signature lines whose (name, key id) are not |log|'s are ignored (witness
// cosignatures); at least one line must be |log|'s and every such line must verify. Then the text
// must be a checkpoint (ParseCheckpointText), which is returned.
Result<Checkpoint> VerifyCheckpoint(std::string_view envelope, const TransparencyLogInstance& log);

}  // namespace vouch::verify::sigstore
