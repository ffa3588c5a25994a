// `vouch attest-blob FILE --key KEY (--predicate F --type T | --statement F) --bundle OUT`:
// option parsing only; the work is sign::AttestBlob.
#include <cxxopts.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "vouch/attest/statement.h"
#include "vouch/sign/attest.h"

namespace vouch::cli {

int RunAttestBlob(int argc, char** argv) {
  cxxopts::Options options("vouch attest-blob",
                           "sign an in-toto attestation about a file, writing a Sigstore bundle "
                           "(v0.3) holding a DSSE envelope");
  options.custom_help(
      "FILE --key KEY (--predicate PRED.json --type TYPE | --statement STATEMENT.json) "
      "--bundle OUT.sigstore.json");
  options.positional_help("");
  options.add_options()("key", "private key file, or env://VAR", cxxopts::value<std::string>())(
      "predicate", "the predicate, a JSON object (at most 16 MiB)", cxxopts::value<std::string>())(
      "type",
      "predicate type: a URI or a short name (slsaprovenance = SLSA v1, slsaprovenance02, "
      "spdxjson, cyclonedx, vuln, openvex, vsa, link, custom)",
      cxxopts::value<std::string>())(
      "statement", "sign this complete in-toto statement instead (its subject must be FILE)",
      cxxopts::value<std::string>())("bundle", "write the Sigstore bundle to this file",
                                     cxxopts::value<std::string>())("h,help", "show this help")(
      "file", "the file the attestation is about", cxxopts::value<std::vector<std::string>>());
  AddPasswordOptions(options);
  options.parse_positional({"file"});
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (parsed.count("help") > 0) {
    std::cout << options.help()
              << "\nexit codes: 0 signed, 2 usage, predicate or key error, 3 file unreadable or "
                 "unwritable\n";
    return kExitOk;
  }
  std::vector<std::string> files;
  if (parsed.count("file") > 0) {
    files = parsed["file"].as<std::vector<std::string>>();
  }
  if (files.size() != 1) {
    return UsageError("attest-blob needs exactly one FILE");
  }
  if (parsed.count("key") == 0) {
    return UsageError("attest-blob needs --key KEY");
  }
  if (parsed.count("bundle") == 0) {
    return UsageError("attest-blob needs --bundle FILE");
  }
  sign::AttestBlobRequest request;
  request.artifact_path = files[0];
  request.bundle_path = parsed["bundle"].as<std::string>();
  if (parsed.count("statement") > 0) {
    if (parsed.count("predicate") > 0 || parsed.count("type") > 0) {
      return UsageError("attest-blob: --statement replaces --predicate and --type");
    }
    request.statement_path = parsed["statement"].as<std::string>();
  } else {
    if (parsed.count("predicate") == 0) {
      return UsageError("attest-blob needs --predicate FILE (or --statement FILE)");
    }
    if (parsed.count("type") == 0) {
      return UsageError("attest-blob needs --type TYPE with --predicate");
    }
    Result<std::string> type = attest::PredicateTypeFromName(parsed["type"].as<std::string>());
    if (!type.ok()) {
      return Fail(type.status().WithContext("--type"));
    }
    request.predicate_path = parsed["predicate"].as<std::string>();
    request.predicate_type = *type;
  }
  const std::string key_spec = parsed["key"].as<std::string>();
  Result<std::unique_ptr<keys::Signer>> signer = LoadSigner(parsed, key_spec);
  if (!signer.ok()) {
    return Fail(signer.status());
  }
  request.signer = signer->get();
  Result<sign::AttestBlobResult> result = sign::AttestBlob(request);
  if (!result.ok()) {
    return Fail(result.status());
  }
  std::cerr << "Attested " << request.artifact_path << " (" << result->digest.ToString()
            << "); wrote bundle " << request.bundle_path << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
