// The flags that name what attest and attest-blob sign: --predicate FILE with --type TYPE, or a
// complete in-toto statement with --statement FILE.
#pragma once

#include <cxxopts.hpp>
#include <string>
#include <string_view>

#include "vouch/core/status.h"

namespace vouch::cli {

// AddPredicateOptions registers --predicate, --type and --statement on |options|.
void AddPredicateOptions(cxxopts::Options& options);

// PredicateFlags is what the flags name: a predicate file and its predicateType URI, or (with
// both of those empty) a statement file.
struct PredicateFlags {
  std::string predicate_path;
  std::string predicate_type;  // short names ("slsaprovenance") already mapped to their URI
  std::string statement_path;
};

// PredicateFromFlags reads the flags. --statement excludes --predicate and --type; without it
// both are needed. Those rules are kInvalidArgument messages starting with |command|; an unknown
// --type short name is attest::PredicateTypeFromName's kInvalidArgument, in the context "--type".
Result<PredicateFlags> PredicateFromFlags(const cxxopts::ParseResult& parsed,
                                          std::string_view command);

}  // namespace vouch::cli
