// Private to the attest module: the one JSON writer for in-toto ResourceDescriptors, used for
// statement subjects (statement.cc) and SLSA resolvedDependencies (provenance.cc).
#pragma once

#include "core/internal/json.h"
#include "vouch/attest/statement.h"

namespace vouch::attest::internal {

// ResourceDescriptorJson writes |rd| with only its set fields, digests in sorted key order and
// annotations from annotations_json (which must be a JSON object: else kInvalidArgument).
Result<OrderedJson> ResourceDescriptorJson(const ResourceDescriptor& rd);

}  // namespace vouch::attest::internal
