// Transparency-log entries (private to verify): Rekor v1 and v2 body binding, signed entry
// timestamp, Merkle inclusion proof and signed checkpoint. formats.md 4.4, 5.4-5.7.
#pragma once

#include <optional>

#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/clock.h"
#include "vouch/core/status.h"
#include "vouch/verify/trusted_root.h"

namespace vouch::verify::sigstore {

// (Designed by the transparency-log author.)

}  // namespace vouch::verify::sigstore
