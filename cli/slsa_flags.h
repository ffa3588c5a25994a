// The SLSA expectation flags of verify-attestation and verify-blob-attestation: --builder-id,
// --source-uri, --source-ref and --max-age.
#pragma once

#include <cxxopts.hpp>

#include "vouch/core/status.h"
#include "vouch/verify/slsa.h"

namespace vouch::cli {

// AddSlsaOptions registers --builder-id, --source-uri, --source-ref and --max-age on |options|.
void AddSlsaOptions(cxxopts::Options& options);

// SlsaExpectationsFromFlags reads the flags that are present (absent ones stay empty) and sets
// `now` to the system clock; a --max-age that does not parse is kInvalidArgument.
Result<verify::SlsaExpectations> SlsaExpectationsFromFlags(const cxxopts::ParseResult& parsed);

}  // namespace vouch::cli
