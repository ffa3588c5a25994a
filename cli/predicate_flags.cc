#include "predicate_flags.h"

#include "vouch/attest/statement.h"

namespace vouch::cli {

void AddPredicateOptions(cxxopts::Options& options) {
  options.add_options()("predicate", "the predicate, a JSON object (at most 16 MiB)",
                        cxxopts::value<std::string>())(
      "type",
      "predicate type: a URI or a short name (slsaprovenance = SLSA v1, slsaprovenance02, "
      "spdxjson, cyclonedx, vuln, openvex, vsa, link, custom)",
      cxxopts::value<std::string>())(
      "statement",
      "sign this complete in-toto statement as is instead (its subject must be the "
      "artifact)",
      cxxopts::value<std::string>());
}

Result<PredicateFlags> PredicateFromFlags(const cxxopts::ParseResult& parsed,
                                          std::string_view command) {
  const bool predicate = parsed.count("predicate") > 0;
  const bool type = parsed.count("type") > 0;
  PredicateFlags out;
  if (parsed.count("statement") > 0) {
    if (predicate || type) {
      return InvalidArgumentError(std::string(command) +
                                  " takes --statement or --predicate with --type, not both");
    }
    out.statement_path = parsed["statement"].as<std::string>();
    return out;
  }
  if (!predicate) {
    return InvalidArgumentError(std::string(command) +
                                " needs --predicate FILE and --type TYPE, or --statement FILE");
  }
  if (!type) {
    return InvalidArgumentError(std::string(command) + " needs --type TYPE with --predicate");
  }
  out.predicate_path = parsed["predicate"].as<std::string>();
  Result<std::string> uri = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
  if (!uri.ok()) {
    return uri.status().WithContext("--type");
  }
  out.predicate_type = *uri;
  return out;
}

}  // namespace vouch::cli
