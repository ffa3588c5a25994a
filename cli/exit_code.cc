#include "exit_code.h"

#include <iostream>

namespace vouch::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk:
      return kExitOk;
    case ErrorCode::kVerificationFailed:
      return kExitRejected;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitOperational;
  }
}

int Fail(const Status& status) {
  std::cerr << "vouch: " << status.message() << "\n";
  return ExitCodeFor(status);
}

int Finish(const Status& status) { return status.ok() ? kExitOk : Fail(status); }

Status WithVerificationContext(const Status& status) {
  return IsVerificationFailed(status) ? status.WithContext("verification failed") : status;
}

int UsageError(const std::string& message) {
  std::cerr << "vouch: " << message << "\n(run with --help for usage)\n";
  return kExitUsage;
}

}  // namespace vouch::cli
