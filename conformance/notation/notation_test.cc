// Notation conformance (${VOUCH_VECTORS}/notation): notation-go and notation-core-go's
// envelopes, trust stores and trust policies with the verdicts their README and cases.json
// transcribe from the upstream tests.
//
//  * verification_cases: each envelope through `vouch verify-notation --output json` as a user
//    runs it (trust policy document in a file, the case's trust store folder, the descriptor or
//    the blob), expecting exit 0 / 1, the failing check, and the checks the level only logged.
//  * trustpolicy-cases.json: documents valid / invalid, levels with overrides, statement
//    selection; cases.json trusted_identity_cases and truststore_cases: through the library.
// Each family prints its counts.
#define BOOST_TEST_MODULE vouch_conformance_notation
#include <boost/test/unit_test.hpp>
#include <iostream>
#include <string>

#include "core/internal/json.h"
#include "sigstore/cosign_legacy.h"
#include "testutil/testutil.h"
#include "vouch/core/file.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::notation {
namespace {

std::string Dir() { return testing::VectorsDir() + "/notation"; }

Json Cases(const std::string& file) {
  Result<Json> j = ParseJson(testing::ReadText(Dir() + "/" + file), file);
  BOOST_REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

// Argv builds the verify-notation command line of one verification case.
std::vector<std::string> Argv(const Json& c, const testing::TempDir& tmp) {
  const std::string policy = tmp.File(c["id"].get<std::string>() + ".json");
  testing::WriteText(policy, c["trust_policy"].dump());
  std::vector<std::string> argv = {"verify-notation", "--output", "json",
                                   "--signature", Dir() + "/" + c["envelope"].get<std::string>(),
                                   "--trust-policy", policy,
                                   "--trust-store", Dir() + "/" + c["truststore_root"].get<std::string>()};
  const Json& against = c["verify_against"];
  if (c["kind"] == "blob") {
    std::string blob;
    if (against.contains("blob")) {
      blob = Dir() + "/" + against["blob"].get<std::string>();
    } else {
      blob = tmp.File(c["id"].get<std::string>() + ".blob");  // another blob of the same size
      testing::WriteText(blob, "example blov");
    }
    argv.push_back(blob);
    argv.insert(argv.end(), {"--policy-name", c["policy_name"].get<std::string>()});
    argv.insert(argv.end(),
                {"--media-type", against["descriptor"]["mediaType"].get<std::string>()});
  } else {
    Json d = against["descriptor"];
    d.erase("annotations");
    const std::string ref = c["artifact_reference"].is_string()
                                ? c["artifact_reference"].get<std::string>()
                                : "example.com/any/repository@" + d["digest"].get<std::string>();
    argv.insert(argv.end(), {"--descriptor", d.dump(), "--reference", ref});
  }
  if (c.contains("user_metadata") && c["user_metadata"].is_object()) {
    for (const auto& [k, v] : c["user_metadata"].items()) {
      argv.insert(argv.end(), {"-m", k + "=" + v.get<std::string>()});
    }
  }
  return argv;
}

// Judge checks one case's run; returns "" when it meets the expectation, else why not.
std::string Judge(const Json& c, const testing::RunResult& r) {
  const bool pass = c["expected"] == "pass";
  if (r.exit_code != (pass ? 0 : 1)) {
    return "exit " + std::to_string(r.exit_code) + " (want " + (pass ? "0" : "1") + "): " + r.out +
           r.err;
  }
  Result<Json> out = ParseJson(r.out, "output");
  if (!out.ok()) {
    return "output is not JSON: " + r.out + r.err;
  }
  if (!pass && (*out)["failingCheck"] != c["failing_check"]) {
    return "failing check " + (*out)["failingCheck"].dump() + ", want " +
           c["failing_check"].dump() + ": " + (*out)["reason"].dump();
  }
  for (const Json& want : c["logged_failures"]) {
    bool found = false;
    for (const Json& line : (*out)["logged"]) {
      found = found || line.get<std::string>().rfind(want.get<std::string>() + ":", 0) == 0;
    }
    if (!found) {
      return "the level did not log " + want.dump() + ": " + (*out)["logged"].dump();
    }
  }
  return "";
}

BOOST_AUTO_TEST_CASE(every_verification_case_gives_its_verdict_through_the_cli) {
  Json cases = Cases("cases.json")["verification_cases"];
  BOOST_REQUIRE_EQUAL(cases.size(), 75u);
  testing::TempDir tmp;
  size_t agree = 0, passes = 0;
  for (const Json& c : cases) {
    testing::RunResult r = testing::Vouch(Argv(c, tmp));
    std::string why = Judge(c, r);
    BOOST_CHECK_MESSAGE(why.empty(), c["id"].get<std::string>() << ": " << why);
    agree += why.empty() ? 1 : 0;
    passes += (why.empty() && c["expected"] == "pass") ? 1 : 0;
  }
  std::cout << "notation verification cases: " << agree << "/" << cases.size()
            << " give their documented verdict (" << passes << " verified, " << agree - passes
            << " rejected with the documented check)\n";
}

BOOST_AUTO_TEST_CASE(trust_policy_documents_levels_and_selection) {
  Json all = Cases("trustpolicy-cases.json");
  size_t docs = 0, levels = 0, selections = 0;
  for (const Json& c : all["document_cases"]) {
    DocumentKind kind = c["kind"] == "blob" ? DocumentKind::kBlob : DocumentKind::kOci;
    Result<TrustPolicyDocument> d = ParseTrustPolicy(c["document"].dump(), kind);
    bool ok = d.ok() == (c["expected"] == "valid");
    BOOST_CHECK_MESSAGE(ok, c["id"].get<std::string>()
                                << " " << c["document"]["trustPolicies"].dump().substr(0, 300)
                                << ": " << (d.ok() ? "accepted" : d.status().message()));
    docs += ok ? 1 : 0;
  }
  for (const Json& c : all["level_cases"]) {
    Result<VerificationLevel> l = ParseVerificationLevel(c["signatureVerification"].dump());
    bool ok = l.ok() == (c["expected"] == "valid");
    if (ok && l.ok()) {
      for (size_t i = 0; i < kCheckCount; ++i) {
        std::string name(CheckName(static_cast<Check>(i)));
        ok = ok && c["actions"][name] == ActionName(l->actions[i]);
      }
    }
    BOOST_CHECK_MESSAGE(ok, c["signatureVerification"].dump());
    levels += ok ? 1 : 0;
  }
  for (const Json& c : all["selection_cases"]) {
    const bool blob = c.value("kind", "oci") == "blob";
    Result<TrustPolicyDocument> d =
        ParseTrustPolicy(c["document"].dump(), blob ? DocumentKind::kBlob : DocumentKind::kOci);
    BOOST_REQUIRE_MESSAGE(d.ok(), c["id"] << ": " << d.status().ToString());
    Result<const Statement*> s = OkStatus();
    if (blob) {
      s = SelectBlob(*d, c["policy_name"].is_string() ? c["policy_name"].get<std::string>() : "");
    } else {
      std::string ref = c["artifact_reference"].get<std::string>();
      s = SelectOci(*d, ref.substr(0, ref.find('@')));
    }
    bool ok = c["expected_policy"].is_null() ? !s.ok()
                                             : s.ok() && (*s)->name == c["expected_policy"];
    BOOST_CHECK_MESSAGE(ok, c["id"].get<std::string>());
    selections += ok ? 1 : 0;
  }
  std::cout << "notation trust policy documents: " << docs << "/" << all["document_cases"].size()
            << ", levels: " << levels << "/" << all["level_cases"].size()
            << ", selection: " << selections << "/" << all["selection_cases"].size() << "\n";
}

BOOST_AUTO_TEST_CASE(trusted_identities_and_trust_stores) {
  Json all = Cases("cases.json");
  size_t ids = 0, stores = 0;
  for (const Json& c : all["trusted_identity_cases"]) {
    std::vector<std::string> identities = c["trusted_identities"].get<std::vector<std::string>>();
    std::string pem = testing::ReadText(Dir() + "/" + c["leaf_cert"].get<std::string>());
    Result<std::vector<Bytes>> der = sigstore::ParsePemCertificates(pem, "leaf");
    BOOST_REQUIRE_MESSAGE(der.ok(), der.status().ToString());
    Status m = MatchTrustedIdentity(der->at(0), identities);
    bool ok = m.ok() == (c["expected"] == "match");
    BOOST_CHECK_MESSAGE(ok, c["id"].get<std::string>() << ": " << m.ToString());
    ids += ok ? 1 : 0;
  }
  size_t scheme_rows = 0;
  for (const Json& c : all["truststore_cases"]) {
    if (c.contains("signing_scheme")) {
      ++scheme_rows;  // "tsa stores serve notary.x509 only": the verifier's rule, not the store's
      continue;
    }
    TrustStore store(Dir() + "/" + c["truststore_root"].get<std::string>());
    std::vector<std::string> specs = c["store"].is_array()
                                         ? c["store"].get<std::vector<std::string>>()
                                         : std::vector<std::string>{c["store"].get<std::string>()};
    bool loads = true;
    std::string why;
    for (const std::string& spec : specs) {
      Result<std::vector<Bytes>> certs = store.Load(spec);
      loads = loads && certs.ok();
      why += certs.ok() ? "" : certs.status().message();
    }
    bool ok = loads == (c["expected"] == "load");
    BOOST_CHECK_MESSAGE(ok, c["id"].get<std::string>() << ": " << (loads ? "loaded" : why));
    stores += ok ? 1 : 0;
  }
  BOOST_CHECK_EQUAL(scheme_rows, 1u);
  std::cout << "notation trusted identities: " << ids << "/" << all["trusted_identity_cases"].size()
            << ", trust stores: " << stores << "/" << all["truststore_cases"].size() - scheme_rows
            << " (the row on signing schemes is the verifier's rule)\n";
}

}  // namespace
}  // namespace vouch::verify::notation
