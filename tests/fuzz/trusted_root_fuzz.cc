// Fuzz target for vouch::verify::ParseTrustedRoot (Sigstore trusted_root.json), the JSON Lines
// form LoadTrustedRoots reads (core JsonDocuments, then one root per line), and ParseManagedKeys
// (npm keys.json, which shares the public-key reader).
// Invariants: a parsed root has a supported media type and the digest of its text; every log has
// a key, a 4-byte checkpoint key id and a 32-byte log id (SHA-256 of its key, or for a Rekor v2
// tlog the signed-note key hash) that FindTlogs / FindCtlogs find it by; every authority has
// a non-empty chain; every window ends after it starts, and logs' windows have a start. A text
// that parses as one root is one JSON Lines document, and parses to the same root there; JSON
// Lines documents are non-blank pieces of the text, in order. Managed keys have an id and a key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/internal/json.h"
#include "fuzz_check.h"
#include "vouch/core/clock.h"
#include "vouch/core/digest.h"
#include "vouch/verify/sigstore.h"
#include "vouch/verify/trusted_root.h"

namespace {

using vouch::verify::TransparencyLogInstance;
using vouch::verify::TrustedRoot;

void CheckWindow(const vouch::verify::ValidityWindow& w, bool start_required) {
  FUZZ_CHECK(!start_required || w.start != vouch::TimePoint::min());
  FUZZ_CHECK(!w.end || *w.end >= w.start);
}

void CheckLogs(const std::vector<TransparencyLogInstance>& logs, bool is_ct,
               const TrustedRoot& root) {
  for (const TransparencyLogInstance& log : logs) {
    FUZZ_CHECK(log.key != nullptr);
    FUZZ_CHECK(log.checkpoint_key_id.size() == 4);
    // Both log id derivations are SHA-256 digests.
    FUZZ_CHECK(log.log_id.size() == 32);
    FUZZ_CHECK(!is_ct || !log.rekor_v2);
    CheckWindow(log.valid_for, true);
    std::vector<const TransparencyLogInstance*> found =
        is_ct ? root.FindCtlogs(log.log_id) : root.FindTlogs(log.log_id);
    FUZZ_CHECK(std::find(found.begin(), found.end(), &log) != found.end());
  }
}

void CheckRoot(const TrustedRoot& root, std::string_view text) {
  FUZZ_CHECK(root.digest == vouch::Digest::Of(vouch::AsBytes(text)));
  FUZZ_CHECK(!root.media_type.empty());
  CheckLogs(root.tlogs, false, root);
  CheckLogs(root.ctlogs, true, root);
  for (const auto* cas : {&root.certificate_authorities, &root.timestamp_authorities}) {
    for (const vouch::verify::CertificateAuthority& ca : *cas) {
      FUZZ_CHECK(!ca.chain_der.empty());
      for (const vouch::Bytes& der : ca.chain_der) {
        FUZZ_CHECK(!der.empty());
      }
      CheckWindow(ca.valid_for, false);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto root = vouch::verify::ParseTrustedRoot(text);
  if (root.ok()) {
    CheckRoot(**root, text);
  } else {
    FUZZ_CHECK(vouch::IsInvalidArgument(root.status()));
  }

  std::vector<vouch::JsonDocument> docs = vouch::JsonDocuments(text);
  if (root.ok()) {
    FUZZ_CHECK(docs.size() == 1 && docs[0].line == 0 && docs[0].text == text);
  }
  size_t prev_line = 0;
  for (const vouch::JsonDocument& doc : docs) {
    FUZZ_CHECK(doc.text.data() >= text.data() &&
               doc.text.data() + doc.text.size() <= text.data() + text.size());
    FUZZ_CHECK(doc.text.find('\n') == std::string_view::npos || docs.size() == 1);
    FUZZ_CHECK(docs.size() == 1 || doc.line > prev_line);
    prev_line = doc.line;
    auto one = vouch::verify::ParseTrustedRoot(doc.text);
    if (one.ok()) {
      CheckRoot(**one, doc.text);
    }
  }

  for (std::string_view usage : {"", "npm:signatures"}) {
    auto keys = vouch::verify::ParseManagedKeys(text, usage);
    if (!keys.ok()) {
      FUZZ_CHECK(vouch::IsInvalidArgument(keys.status()));
      continue;
    }
    FUZZ_CHECK(!keys->empty());
    for (const vouch::verify::ManagedKey& k : *keys) {
      FUZZ_CHECK(!k.key_id.empty() && k.key != nullptr);
      FUZZ_CHECK(usage.empty() || k.usage == usage);
      CheckWindow(k.valid_for, false);
    }
  }
  return 0;
}
