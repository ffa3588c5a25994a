// Private to the registry module: the Repository that reads through registries.conf mirrors.
#pragma once

#include <memory>
#include <vector>

#include "vouch/registry/client.h"
#include "vouch/registry/registries_conf.h"

namespace vouch::registry::internal {

struct MirroredEndpoint {
  Endpoint endpoint;
  std::unique_ptr<Repository> repo;
};

// NewMirroredRepository returns the repository |ref| names, read from |endpoints| in order
// (each only for the identifiers Endpoint::Serves; the last, the primary, always) until one
// answers, and written to the last one only. |endpoints| must not be empty.
std::unique_ptr<Repository> NewMirroredRepository(Reference ref,
                                                  std::vector<MirroredEndpoint> endpoints);

}  // namespace vouch::registry::internal
