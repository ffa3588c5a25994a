// Fuzz target for vouch::attest::Statement::Parse (in-toto statements: verified DSSE payloads).
// Invariants: a statement that parses serializes to JSON that parses to an equal statement
// (type, subjects, predicate type and predicate text), serializing that again gives the same
// text, and every subject keeps the validation rules (a digest is present).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vouch/attest/statement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using vouch::attest::Statement;
  vouch::Result<Statement> st = Statement::Parse(text);
  if (!st.ok()) {
    return 0;
  }
  FUZZ_CHECK(!st->subjects().empty());
  for (const vouch::attest::ResourceDescriptor& rd : st->subjects()) {
    FUZZ_CHECK(!rd.digest.empty());
  }
  const std::string json = st->Serialize();
  vouch::Result<Statement> again = Statement::Parse(json);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->type() == st->type());
  FUZZ_CHECK(again->subjects() == st->subjects());
  FUZZ_CHECK(again->predicate_type() == st->predicate_type());
  FUZZ_CHECK(again->predicate_json() == st->predicate_json());
  FUZZ_CHECK(again->Serialize() == json);
  // Create from the parsed parts goes through the same rules and must agree.
  vouch::Result<Statement> created =
      Statement::Create(st->subjects(), st->predicate_type(), st->predicate_json(), st->type());
  FUZZ_CHECK(created.ok());
  FUZZ_CHECK(created->Serialize() == json);
  // The annotation reader must not fail on anything but non-string values.
  for (const vouch::attest::ResourceDescriptor& rd : st->subjects()) {
    (void)vouch::attest::StringAnnotations(rd);
  }
  (void)vouch::attest::ValidatePredicate(*st);
  return 0;
}
