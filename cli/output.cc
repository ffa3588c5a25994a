#include "output.h"

#include <chrono>
#include <iostream>

#include "vouch/attest/bundle.h"
#include "vouch/attest/statement.h"
#include "vouch/core/clock.h"

namespace vouch::cli {

OutputJson NewDocument() {
  OutputJson doc = OutputJson::object();
  doc["schemaVersion"] = 1;
  return doc;
}

void PrintDocument(const OutputJson& doc) { std::cout << doc.dump(2) << "\n"; }

// Signer is the one shape of "signer" and "key": every field always present, "" when it does
// not apply, so that a script reads them the same way for a key and for keyless.
OutputJson Signer(std::string_view type, const keys::Verifier& key, const std::string& identity,
                  const std::string& issuer, const std::string& ca) {
  OutputJson j = OutputJson::object();
  j["type"] = type;
  j["keyId"] = key.KeyId();
  j["algorithm"] = keys::KeyAlgorithmName(key.algorithm());
  j["publicKeyHint"] = attest::PublicKeyHintFromSpki(key.SpkiDer());
  j["identity"] = identity;
  j["issuer"] = issuer;
  j["certificateAuthority"] = ca;
  return j;
}

OutputJson KeySignerJson(const keys::Verifier& key) { return Signer("key", key, "", "", ""); }

OutputJson SignerJson(const BundleSigning& signing) {
  const sign::BundleSigner& s = *signing.signer;
  if (!s.keyless()) {
    return KeySignerJson(s.key().PublicKey());
  }
  return Signer("keyless", s.key().PublicKey(), signing.identity, signing.issuer,
                s.services().ca->url);
}

void AddWitnesses(OutputJson& doc, std::string_view bundle_json) {
  OutputJson entries = OutputJson::array();
  size_t timestamps = 0;
  Result<attest::Bundle> bundle = attest::ParseBundle(bundle_json);
  if (bundle.ok()) {
    const attest::VerificationMaterial& m = bundle->verification_material;
    for (const attest::TlogEntry& e : m.tlog_entries) {
      OutputJson je = OutputJson::object();
      je["logIndex"] = e.log_index;
      je["integratedTime"] =
          e.integrated_time == 0
              ? OutputJson(nullptr)
              : OutputJson(FormatRfc3339(TimePoint(std::chrono::seconds(e.integrated_time))));
      je["kind"] = e.kind;
      entries.push_back(std::move(je));
    }
    const auto tsa = nlohmann::json::parse(m.timestamp_verification_data, nullptr, false);
    if (tsa.is_object() && tsa.contains("rfc3161Timestamps") &&
        tsa["rfc3161Timestamps"].is_array()) {
      timestamps = tsa["rfc3161Timestamps"].size();
    }
  }
  doc["tlogEntries"] = std::move(entries);
  doc["timestamps"] = timestamps;
}

void AddLocation(OutputJson& doc, const std::string& location) {
  const size_t space = location.rfind(' ');
  const std::string where = space == std::string::npos ? location : location.substr(space + 1);
  const bool tag = location.rfind("tag ", 0) == 0;
  doc["referrer"] = tag ? OutputJson(nullptr) : OutputJson(where);
  doc["tag"] = tag ? OutputJson(where) : OutputJson(nullptr);
}

std::string PredicateTypeOf(std::string_view statement_json) {
  Result<attest::Statement> st = attest::Statement::Parse(statement_json);
  return st.ok() ? st->predicate_type() : std::string();
}

}  // namespace vouch::cli
