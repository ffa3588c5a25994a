// Fuzz target for transparency-log checkpoints (verify/sigstore/tlog.h): ParseSignedNote,
// ParseCheckpointText and VerifyCheckpoint against a fixed Ed25519 log ("log.example", the
// throwaway key below; the corpus holds notes it signed).
// Invariants: a parsed note has a text ending in a newline without control characters, at most
// kMaxNoteSignatures signatures, each with a name without spaces, a 4-byte key id and a
// non-empty signature; writing the note back (text, blank line, "— name base64" lines) parses to
// the same note. A parsed checkpoint has an origin and a 32-byte root hash, and its lines written
// back parse to the same checkpoint. VerifyCheckpoint accepts only what both parsers accept, and
// returns the checkpoint of the note's text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "sigstore/tlog.h"
#include "vouch/core/bytes.h"
#include "vouch/keys/keys.h"

namespace {

using vouch::verify::sigstore::Checkpoint;
using vouch::verify::sigstore::SignedNote;

// Ed25519 SubjectPublicKeyInfo of the corpus's throwaway log key.
constexpr std::string_view kLogSpkiHex =
    "302a300506032b6570032100097fc1d17f5977c36bf78770b99ffc1f8fdd96a0a33193ceedee958180d70aaa";

const vouch::verify::TransparencyLogInstance& Log() {
  static const vouch::verify::TransparencyLogInstance* log = [] {
    auto* l = new vouch::verify::TransparencyLogInstance;
    vouch::Bytes spki = *vouch::HexDecode(kLogSpkiHex);
    l->key =
        std::make_shared<const vouch::keys::Verifier>(*vouch::keys::Verifier::FromSpkiDer(spki));
    l->scheme = vouch::keys::SignatureScheme::kEd25519;
    l->checkpoint_key_name = "log.example";
    l->log_id = vouch::Digest::Of(spki).bytes();
    l->checkpoint_key_id.assign(l->log_id.begin(), l->log_id.begin() + 4);
    return l;
  }();
  return *log;
}

bool SameNote(const SignedNote& a, const SignedNote& b) {
  if (a.text != b.text || a.signatures.size() != b.signatures.size()) {
    return false;
  }
  for (size_t i = 0; i < a.signatures.size(); ++i) {
    if (a.signatures[i].name != b.signatures[i].name ||
        a.signatures[i].key_id != b.signatures[i].key_id ||
        a.signatures[i].signature != b.signatures[i].signature) {
      return false;
    }
  }
  return true;
}

bool SameCheckpoint(const Checkpoint& a, const Checkpoint& b) {
  return a.origin == b.origin && a.tree_size == b.tree_size && a.root_hash == b.root_hash;
}

void CheckCheckpointText(std::string_view text) {
  vouch::Result<Checkpoint> cp = vouch::verify::sigstore::ParseCheckpointText(text);
  if (!cp.ok()) {
    FUZZ_CHECK(vouch::IsVerificationFailed(cp.status()));
    return;
  }
  FUZZ_CHECK(!cp->origin.empty() && cp->origin.find('\n') == std::string::npos);
  FUZZ_CHECK(cp->root_hash.size() == 32);
  const std::string written = cp->origin + "\n" + std::to_string(cp->tree_size) + "\n" +
                              vouch::Base64Encode(cp->root_hash) + "\n";
  vouch::Result<Checkpoint> again = vouch::verify::sigstore::ParseCheckpointText(written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameCheckpoint(*again, *cp));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view envelope(reinterpret_cast<const char*>(data), size);
  CheckCheckpointText(envelope);

  vouch::Result<SignedNote> note = vouch::verify::sigstore::ParseSignedNote(envelope);
  vouch::Result<Checkpoint> verified = vouch::verify::sigstore::VerifyCheckpoint(envelope, Log());
  if (!note.ok()) {
    FUZZ_CHECK(vouch::IsVerificationFailed(note.status()));
    FUZZ_CHECK(!verified.ok());
    return 0;
  }
  FUZZ_CHECK(!note->text.empty() && note->text.back() == '\n');
  for (char c : note->text) {
    auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(c == '\n' || (u >= 0x20 && u != 0x7F));
  }
  FUZZ_CHECK(note->signatures.size() <= vouch::verify::sigstore::kMaxNoteSignatures);
  std::string written = note->text + "\n";
  for (const vouch::verify::sigstore::NoteSignature& sig : note->signatures) {
    FUZZ_CHECK(!sig.name.empty() && sig.name.find(' ') == std::string::npos &&
               sig.name.find('\n') == std::string::npos);
    FUZZ_CHECK(sig.key_id.size() == 4 && !sig.signature.empty());
    vouch::Bytes blob = sig.key_id;
    blob.insert(blob.end(), sig.signature.begin(), sig.signature.end());
    written += "\xE2\x80\x94 " + sig.name + " " + vouch::Base64Encode(blob) + "\n";
  }
  vouch::Result<SignedNote> again = vouch::verify::sigstore::ParseSignedNote(written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameNote(*again, *note));

  CheckCheckpointText(note->text);
  if (verified.ok()) {
    vouch::Result<Checkpoint> cp = vouch::verify::sigstore::ParseCheckpointText(note->text);
    FUZZ_CHECK(cp.ok());
    FUZZ_CHECK(SameCheckpoint(*cp, *verified));
  } else {
    FUZZ_CHECK(vouch::IsVerificationFailed(verified.status()));
  }
  return 0;
}
