// Checker: the validator's primitives. parse.cc walks the policy's JSON tree with them; each
// records what is wrong as a finding located by JSON pointer and carries on, so that one run
// reports every problem.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "internal.h"

namespace vouch::policy::internal {

class Checker {
 public:
  // Checker appends its findings to |doc|.findings; both arguments must outlive it.
  Checker(const ParseOptions& options, Document& doc) : options_(options), doc_(doc) {}

  // Error records an error at |path|; Warn records a warning.
  void Error(const std::string& path, std::string message);
  void Warn(const std::string& path, std::string message);

  // Object checks that |j| is an object and that it has no field outside |known|.
  bool Object(const Json& j, const std::string& path,
              std::initializer_list<std::string_view> known) {
    return Object(j, path, std::span<const std::string_view>(known.begin(), known.size()));
  }
  bool Object(const Json& j, const std::string& path, std::span<const std::string_view> known);

  // String returns the string field |field| of object |obj|: nullopt when absent (an error
  // when |required|) or of the wrong type (an error). Empty strings are errors.
  std::optional<std::string> String(const Json& obj, const std::string& path,
                                    std::string_view field, bool required);

  // StringList returns an array-of-strings field (absent: nullopt, an error when |required|;
  // |non_empty|: an empty array is an error). Bad elements are reported and skipped.
  std::optional<std::vector<std::string>> StringList(const Json& obj, const std::string& path,
                                                     std::string_view field, bool required,
                                                     bool non_empty);

  // Int returns the integer field |field| (absent: nullopt, an error when |required|).
  std::optional<int64_t> Int(const Json& obj, const std::string& path, std::string_view field,
                             bool required);

  // Enum returns the index of the string field's value in |names|, or nullopt (error reported
  // when present but not one of them; |what| names the kind of value in the message).
  std::optional<size_t> Enum(const Json& obj, const std::string& path, std::string_view field,
                             std::initializer_list<std::string_view> names, std::string_view what);

  // Exclusive reports an error unless at most one (|exactly_one|: exactly one) of |fields| is
  // present, and returns the present field (or "").
  std::string Exclusive(const Json& obj, const std::string& path,
                        std::initializer_list<std::string_view> fields, bool exactly_one);

  // CheckRegexp reports an error when |re| does not compile (vouch/core/regexp.h: RE2, Go
  // syntax), and a warning when it is not anchored: identities are matched unanchored, as cosign
  // matches them, so "acme/app" also trusts "https://evil.example/acme/app". Absent: nothing.
  void CheckRegexp(const std::optional<std::string>& re, const std::string& path);

  // Resolve resolves a path written in the policy against ParseOptions::base_dir.
  std::string Resolve(const std::string& p) const;

  // FileMustExist checks a referenced file when files are loaded.
  void FileMustExist(const std::string& resolved, const std::string& path);

  const ParseOptions& options() const { return options_; }

 private:
  // Field returns |field| of |obj|, or null when absent (an error when |required|); an explicit
  // null counts as absent unless the field is required.
  const Json* Field(const Json& obj, const std::string& path, std::string_view field,
                    bool required);

  const ParseOptions& options_;
  Document& doc_;
};

}  // namespace vouch::policy::internal
