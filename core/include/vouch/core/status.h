// vouch::Status and vouch::Result<T>: the one error type of every vouch library API.
//
// Nothing throws across a vouch API. A function that can fail returns a Status (no value) or a
// Result<T> (a value or a non-OK Status). The ErrorCode set is small and closed: Abseil's canonical
// codes plus kVerificationFailed, so that "the signature or policy rejected this" is never
// confused with "the network is down". The CLI maps codes to exit statuses in one place
// (cli/exit_code.h): kOk -> 0, kVerificationFailed -> 1, kInvalidArgument -> 2, anything else -> 3.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vouch {

// ErrorCode names the category of a failure. Callers branch on the category, never on messages.
enum class ErrorCode {
  kOk = 0,
  // The caller's input is wrong: bad flag, malformed key file, wrong password. Exit 2.
  kInvalidArgument,
  // A file, manifest, blob or key the caller named does not exist.
  kNotFound,
  // The target exists and the caller asked not to overwrite it.
  kAlreadyExists,
  // The operating system or the registry refused access (EACCES, HTTP 403).
  kPermissionDenied,
  // Credentials are missing or were refused (HTTP 401, token server refused).
  kUnauthenticated,
  // A size cap was hit (oversized response or file), or a quota ran out.
  kResourceExhausted,
  // The operation cannot run in the current state (e.g. no TTY to prompt for a password).
  kFailedPrecondition,
  // A concurrent writer won a race that retries did not resolve.
  kAborted,
  // Transient failure: connection refused or reset, 5xx, throttling past the retry bound.
  kUnavailable,
  // A deadline passed before the operation finished.
  kDeadlineExceeded,
  // Bytes do not match their digest, or a body was truncated: content is corrupt.
  kDataLoss,
  // The feature is not supported (e.g. an unsupported key algorithm).
  kUnimplemented,
  // A broken invariant or an unexpected library failure.
  kInternal,
  // A signature, attestation or policy check ran and rejected the input. Exit 1.
  kVerificationFailed,
};

// ErrorCodeName returns the stable lower_snake name of |code| ("verification_failed"), as used in
// JSON output.
std::string_view ErrorCodeName(ErrorCode code);

// Status is OK or an (ErrorCode, message) pair. Cheap to copy when OK.
class [[nodiscard]] Status {
 public:
  // Status() is OK. Prefer OkStatus() at call sites for readability.
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // ToString returns "<code name>: <message>", or "ok".
  std::string ToString() const;

  // WithContext returns a copy whose message is prefixed with |context| and ": ". OK stays OK.
  Status WithContext(std::string_view context) const;

  // IgnoreError explicitly discards a Status (for best-effort cleanup paths).
  void IgnoreError() const {}

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status DataLossError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status VerificationFailedError(std::string message);

inline bool IsInvalidArgument(const Status& s) { return s.code() == ErrorCode::kInvalidArgument; }
inline bool IsNotFound(const Status& s) { return s.code() == ErrorCode::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.code() == ErrorCode::kAlreadyExists; }
inline bool IsUnavailable(const Status& s) { return s.code() == ErrorCode::kUnavailable; }
inline bool IsDataLoss(const Status& s) { return s.code() == ErrorCode::kDataLoss; }
inline bool IsResourceExhausted(const Status& s) {
  return s.code() == ErrorCode::kResourceExhausted;
}
inline bool IsVerificationFailed(const Status& s) {
  return s.code() == ErrorCode::kVerificationFailed;
}

// Result<T> holds either a T or a non-OK Status. "OK without a value" cannot be represented:
// constructing a Result from an OK Status is a programming error and becomes kInternal.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) {
      v_ = InternalError("Result constructed from an OK Status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }

  // status returns OK when a value is held, else the error.
  Status status() const { return ok() ? OkStatus() : std::get<Status>(v_); }

  // value() requires ok(); check first. operator* and -> are shorthands.
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vouch

// VOUCH_RETURN_IF_ERROR(expr) returns the Status of |expr| from the enclosing function when it is
// not OK. |expr| may be a Status or a Result<T>.
#define VOUCH_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    auto vouch_status_or_result_ = (expr);                    \
    if (!vouch_status_or_result_.ok()) {                      \
      return ::vouch::internal::ToStatus(vouch_status_or_result_); \
    }                                                         \
  } while (false)

#define VOUCH_CONCAT_INNER_(a, b) a##b
#define VOUCH_CONCAT_(a, b) VOUCH_CONCAT_INNER_(a, b)

// VOUCH_ASSIGN_OR_RETURN(lhs, expr) evaluates the Result |expr|; on error it returns the Status,
// else it moves the value into |lhs| (which may be a declaration: `auto x`).
#define VOUCH_ASSIGN_OR_RETURN(lhs, expr) \
  VOUCH_ASSIGN_OR_RETURN_IMPL_(VOUCH_CONCAT_(vouch_result_, __LINE__), lhs, expr)
#define VOUCH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) {                                   \
    return tmp.status();                             \
  }                                                  \
  lhs = std::move(tmp).value()

namespace vouch::internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace vouch::internal
