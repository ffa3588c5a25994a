// The JSON documents of the commands that sign, attest, copy or write keys (`--output json`);
// verifications render through vouch/verify/render.h. Every document is an object starting
// with "schemaVersion": 1, and docs/output.md documents each shape: a field added there and here
// together, a field removed or retyped only with a new schemaVersion.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sigstore_flags.h"
#include "vouch/keys/keys.h"

namespace vouch::cli {

using OutputJson = nlohmann::ordered_json;

// NewDocument returns {"schemaVersion": 1}, the start of every document.
OutputJson NewDocument();

// PrintDocument writes |doc| to stdout, indented, with a final newline.
void PrintDocument(const OutputJson& doc);

// KeySignerJson describes a key: {"type": "key", "keyId", "algorithm", "publicKeyHint",
// "identity": "", "issuer": "", "certificateAuthority": ""}.
OutputJson KeySignerJson(const keys::Verifier& key);

// SignerJson describes who signs with |signing|: KeySignerJson for a key, else the same fields
// with "type": "keyless", the ephemeral key, and the identity, issuer and Fulcio URL.
OutputJson SignerJson(const BundleSigning& signing);

// AddWitnesses adds to |doc| what the Sigstore bundle |bundle_json| holds beyond the signature:
// "tlogEntries" ([{"logIndex", "integratedTime" (RFC 3339, or null for Rekor v2), "kind"}]) and
// "timestamps" (how many RFC 3161 timestamps). A bundle that does not parse adds empty ones: it
// is the one the command has just written.
void AddWitnesses(OutputJson& doc, std::string_view bundle_json);

// AddLocation adds where a signature went, from sign's location string ("referrer sha256:…",
// "notation referrer sha256:…" or "tag sha256-….sig"): "referrer" (the referrer manifest's
// digest) and "tag", one of them null.
void AddLocation(OutputJson& doc, const std::string& location);

// PredicateTypeOf returns the predicateType of the in-toto statement |statement_json| (one the
// command has just signed), or "" when it does not parse.
std::string PredicateTypeOf(std::string_view statement_json);

}  // namespace vouch::cli
