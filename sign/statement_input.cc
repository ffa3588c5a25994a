#include "statement_input.h"

#include <utility>

#include "vouch/core/file.h"
#include "vouch/sign/attest.h"

namespace vouch::sign::internal {

Result<StatementInput> ReadStatementInput(std::string_view command, std::string statement_path,
                                          std::string predicate_path, std::string predicate_type) {
  const std::string cmd(command);
  const bool has_statement = !statement_path.empty();
  const bool has_predicate = !predicate_path.empty() || !predicate_type.empty();
  if (has_statement == has_predicate) {
    return InvalidArgumentError(
        cmd + " needs either --predicate FILE with --type TYPE, or --statement FILE");
  }
  if (has_predicate && (predicate_path.empty() || predicate_type.empty())) {
    return InvalidArgumentError(cmd + " needs both --predicate FILE and --type TYPE");
  }
  StatementInput in;
  in.statement_path = std::move(statement_path);
  in.predicate_path = std::move(predicate_path);
  in.predicate_type = std::move(predicate_type);
  const std::string& path = has_statement ? in.statement_path : in.predicate_path;
  const char* what = has_statement ? "statement" : "predicate";
  Result<Bytes> data = ReadFile(path, kMaxPredicateSize);
  if (IsResourceExhausted(data.status())) {
    return InvalidArgumentError(std::string(what) + " file " + path + " is larger than 16 MiB");
  }
  VOUCH_ASSIGN_OR_RETURN(in.bytes, std::move(data));
  if (has_statement) {
    Result<attest::Statement> st = attest::Statement::Parse(AsChars(in.bytes));
    if (!st.ok()) {
      return st.status().WithContext("statement " + in.statement_path);
    }
    in.given = std::move(*st);
  }
  // Refuse what verification would refuse (an invalid SLSA provenance predicate) before the
  // subject is hashed or resolved and before anything is signed.
  Status valid = in.given ? attest::ValidatePredicate(*in.given)
                          : attest::ValidatePredicate(in.predicate_type, AsChars(in.bytes));
  if (!valid.ok()) {
    return valid.WithContext(std::string(what) + " " + path);
  }
  return in;
}

Result<StatementToSign> BuildStatementToSign(const StatementInput& input,
                                             const attest::ResourceDescriptor& subject,
                                             const Digest& digest,
                                             const std::string& subject_what) {
  if (input.given) {
    if (!attest::SubjectMatches(*input.given, digest)) {
      return InvalidArgumentError("statement " + input.statement_path +
                                  " has no subject with " + subject_what);
    }
    // Signed exactly as given.
    return StatementToSign{std::string(AsChars(input.bytes)), input.given->predicate_type()};
  }
  Result<attest::Statement> st =
      attest::Statement::Create({subject}, input.predicate_type, AsChars(input.bytes));
  if (!st.ok()) {
    return st.status().WithContext("predicate " + input.predicate_path);
  }
  return StatementToSign{st->Serialize(), input.predicate_type};
}

}  // namespace vouch::sign::internal
