// The one mapping from Status to the process exit code (style rule 15, ninja ExitStatus).
#pragma once

#include "vouch/core/status.h"

namespace vouch::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;     // verification or policy rejected
inline constexpr int kExitUsage = 2;        // usage error: bad flags, bad key file, bad password
inline constexpr int kExitOperational = 3;  // network, registry, I/O

// ExitCodeFor maps a Status: only kOk is 0; kVerificationFailed is 1; kInvalidArgument and
// kFailedPrecondition (e.g. no TTY for a password prompt) are 2; everything else is 3.
int ExitCodeFor(const Status& status);

// Fail prints "vouch: <message>" to stderr and returns ExitCodeFor(status).
int Fail(const Status& status);

// Finish ends a command with |status|: kExitOk when it is OK, else Fail(status).
int Finish(const Status& status);

// WithVerificationContext prefixes a rejection (kVerificationFailed) with "verification
// failed: " so the message says what the exit code 1 means; other statuses pass unchanged.
Status WithVerificationContext(const Status& status);

// UsageError prints "vouch: <message>" and a hint to use --help, and returns kExitUsage.
int UsageError(const std::string& message);

}  // namespace vouch::cli
