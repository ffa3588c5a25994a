// Fuzz target for TUF metadata (tuf/metadata.h, tuf/canonical_json.h): ParseMetadata as each of
// the four top-level roles, VerifyRole of a parsed root under itself, CheckFile.
// Invariants: parsed metadata has the role it was parsed as and a version of at least 1; its
// signed bytes (canonical JSON) do not depend on the input's formatting: "signed" written back
// by nlohmann and parsed again canonicalizes to the same bytes (canonical JSON itself is not
// always JSON: it keeps control characters raw, as in PEM keys); a root has all four roles, each
// with a threshold of at least 1; a timestamp names snapshot.json; a target has at least one hash.
// A parse that fails is a rejection (kVerificationFailed), never another code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "canonical_json.h"
#include "core/internal/json.h"
#include "fuzz_check.h"
#include "metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const vouch::ByteView input(data, size);
  for (std::string_view role : {"root", "timestamp", "snapshot", "targets"}) {
    vouch::Result<vouch::tuf::internal::Metadata> md =
        vouch::tuf::internal::ParseMetadata(input, role);
    if (!md.ok()) {
      FUZZ_CHECK(vouch::IsVerificationFailed(md.status()));
      continue;
    }
    FUZZ_CHECK(md->type == role);
    FUZZ_CHECK(md->version >= 1);
    vouch::Result<vouch::Json> doc = vouch::ParseJson(vouch::AsChars(input), "input");
    FUZZ_CHECK(doc.ok());
    vouch::Result<vouch::Json> again =
        vouch::ParseJson(vouch::DumpJson((*doc)["signed"]), "signed");
    FUZZ_CHECK(again.ok());
    vouch::Result<std::string> canonical = vouch::tuf::internal::CanonicalJson(*again);
    FUZZ_CHECK(canonical.ok() && *canonical == md->signed_bytes);
    if (role == "root") {
      FUZZ_CHECK(md->roles.size() == 4);
      for (const auto& [name, r] : md->roles) {
        FUZZ_CHECK(r.threshold >= 1);
      }
      vouch::Status st = vouch::tuf::internal::VerifyRole(*md, "root", *md);
      FUZZ_CHECK(st.ok() || vouch::IsVerificationFailed(st));
    } else if (role == "timestamp") {
      FUZZ_CHECK(md->meta.count("snapshot.json") == 1);
    } else if (role == "targets") {
      for (const auto& [name, t] : md->targets) {
        FUZZ_CHECK(!t.hashes.empty());
        vouch::Status st = vouch::tuf::internal::CheckFile(input, t.length, t.hashes, name);
        FUZZ_CHECK(st.ok() || vouch::IsVerificationFailed(st));
      }
    }
  }
  return 0;
}
