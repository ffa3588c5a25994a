// Private to the sign module: the user's attestation input (--statement FILE, or --predicate FILE
// with --type TYPE), shared by attest-blob and attest.
#pragma once

#include <optional>
#include <string>

#include "vouch/attest/statement.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/core/status.h"

namespace vouch::sign::internal {

// StatementInput is that input, read and checked before the subject's digest is known.
struct StatementInput {
  std::string statement_path;
  std::string predicate_path;
  std::string predicate_type;
  Bytes bytes;                               // the file's exact bytes
  std::optional<attest::Statement> given;    // set for --statement
};

// ReadStatementInput checks that exactly one of the two forms is given (messages name
// |command|), reads the file (at most 16 MiB: kInvalidArgument past that), parses a given
// statement and checks the predicate with attest::ValidatePredicate (an invalid SLSA provenance
// predicate is its kInvalidArgument, in the context "predicate PATH" or "statement PATH").
Result<StatementInput> ReadStatementInput(std::string_view command, std::string statement_path,
                                          std::string predicate_path, std::string predicate_type);

// StatementToSign returns the statement JSON to sign and its predicate type: a given statement
// exactly as read, after checking that a subject carries |digest| (else kInvalidArgument
// "... has no subject with |subject_what|"); else a new statement about |subject|.
struct StatementToSign {
  std::string json;
  std::string predicate_type;
};
Result<StatementToSign> BuildStatementToSign(const StatementInput& input,
                                             const attest::ResourceDescriptor& subject,
                                             const Digest& digest,
                                             const std::string& subject_what);

}  // namespace vouch::sign::internal
