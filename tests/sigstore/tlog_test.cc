// Transparency-log checks (verify/sigstore/tlog.h): each negative test mutates one thing of an
// entry that verifies, and asserts the check that rejects it. Entries are built here with keys
// generated per run (a Rekor v1 log with an ECDSA P-256 key, a Rekor v2 log with Ed25519), so
// every byte of the body, SET, proof and checkpoint is under the test's control.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/internal/json.h"
#include "sigstore/tlog.h"
#include "vouch/attest/bundle.h"
#include "vouch/core/bytes.h"
#include "vouch/core/digest.h"
#include "vouch/keys/keys.h"

namespace vouch::verify::sigstore {
namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94";

std::unique_ptr<keys::Signer> NewKey(keys::KeyAlgorithm alg) {
  auto k = keys::Generate(alg);
  BOOST_REQUIRE(k.ok());
  return std::move(k).value();
}

Bytes Sign(const keys::Signer& s, std::string_view msg) {
  auto sig = s.Sign(AsBytes(msg));
  BOOST_REQUIRE(sig.ok());
  return *sig;
}

Bytes LeafHash(ByteView body) {
  Bytes in = {0};
  in.insert(in.end(), body.begin(), body.end());
  return Digest::Of(in).bytes();
}

Bytes NodeHash(ByteView l, ByteView r) {
  Bytes in = {1};
  in.insert(in.end(), l.begin(), l.end());
  in.insert(in.end(), r.begin(), r.end());
  return Digest::Of(in).bytes();
}

// TestLog is a transparency log whose key the test holds.
struct TestLog {
  std::unique_ptr<keys::Signer> signer;
  TransparencyLogInstance instance;

  TestLog(keys::KeyAlgorithm alg, std::string name) : signer(NewKey(alg)) {
    instance.key = std::make_shared<keys::Verifier>(signer->PublicKey());
    instance.key_details =
        alg == keys::KeyAlgorithm::kEd25519 ? "PKIX_ED25519" : "PKIX_ECDSA_P256_SHA_256";
    instance.log_id = Digest::Of(signer->PublicKey().SpkiDer()).bytes();
    instance.checkpoint_key_id = Bytes(instance.log_id.begin(), instance.log_id.begin() + 4);
    instance.checkpoint_key_name = name;
    instance.base_url = "https://" + name;
    instance.valid_for.start = TimePoint(std::chrono::seconds(1600000000));
  }

  // SignatureLine signs |text| as a signed-note line of this log (or under another name/key id).
  std::string SignatureLine(const std::string& text, const std::string& name,
                            ByteView key_id) const {
    Bytes blob(key_id.begin(), key_id.end());
    Bytes sig = Sign(*signer, text);
    blob.insert(blob.end(), sig.begin(), sig.end());
    return std::string(kEmDash) + " " + name + " " + Base64Encode(blob) + "\n";
  }
  std::string SignatureLine(const std::string& text) const {
    return SignatureLine(text, instance.checkpoint_key_name, instance.checkpoint_key_id);
  }
};

std::string NoteText(const std::string& origin, uint64_t size, ByteView root) {
  return origin + "\n" + std::to_string(size) + "\n" + Base64Encode(root) + "\n";
}

// Fixture: a user key signs "hello"; the hashedrekord 0.0.1 entry of that signature is leaf 1 of
// a 3-leaf tree in a Rekor v1 log, with a SET and a signed checkpoint.
struct V1Entry {
  TestLog log{keys::KeyAlgorithm::kEcdsaP256, "rekor.example.dev"};
  std::unique_ptr<keys::Signer> user = NewKey(keys::KeyAlgorithm::kEcdsaP256);
  std::string artifact = "hello";
  SignedContent content;
  TrustedRoot root;
  std::string body;
  Bytes l0 = Digest::Of(AsBytes("leaf zero")).bytes();
  Bytes l2 = Digest::Of(AsBytes("leaf two")).bytes();
  Bytes root_hash;
  int64_t integrated_time = 1700000000;
  int64_t log_index = 1234;

  V1Entry() {
    content.signature = Sign(*user, artifact);
    content.artifact_sha256 = Digest::Of(AsBytes(artifact));
    content.public_key_spki = user->PublicKey().SpkiDer();
    body = Body(content.artifact_sha256->Hex(), content.signature, user->PublicKey().ToPem());
    root_hash = NodeHash(NodeHash(l0, LeafHash(AsBytes(body))), l2);
    root.tlogs.push_back(log.instance);
  }

  static std::string Body(const std::string& hex, ByteView sig, const std::string& pem) {
    return R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":")" +
           hex + R"("}},"signature":{"content":")" + Base64Encode(sig) +
           R"(","publicKey":{"content":")" + Base64Encode(AsBytes(pem)) + R"("}}}})";
  }

  std::string Checkpoint(uint64_t size = 3) const {
    std::string text = NoteText("rekor.example.dev - 42", size, root_hash);
    return text + "\n" + log.SignatureLine(text);
  }

  Bytes Set(const std::string& b, int64_t t, int64_t index) const {
    return Sign(*log.signer,
                SignedEntryTimestampPayload(AsBytes(b), t, log.instance.log_id, index));
  }

  // Json returns the entry; the parts default to the valid ones.
  Json Entry() const {
    Json e = {
        {"logIndex", std::to_string(log_index)},
        {"logId", {{"keyId", Base64Encode(log.instance.log_id)}}},
        {"kindVersion", {{"kind", "hashedrekord"}, {"version", "0.0.1"}}},
        {"integratedTime", std::to_string(integrated_time)},
        {"inclusionPromise",
         {{"signedEntryTimestamp", Base64Encode(Set(body, integrated_time, log_index))}}},
        {"inclusionProof",
         {{"logIndex", "1"},
          {"rootHash", Base64Encode(root_hash)},
          {"treeSize", "3"},
          {"hashes", {Base64Encode(l0), Base64Encode(l2)}},
          {"checkpoint", {{"envelope", Checkpoint()}}}}},
        {"canonicalizedBody", Base64Encode(AsBytes(body))}};
    return e;
  }

  Result<VerifiedTlogEntry> Verify(const Json& e,
                                   attest::BundleVersion v = attest::BundleVersion::kV03) const {
    attest::TlogEntry entry;
    entry.log_index = std::stoll(e["logIndex"].get<std::string>());
    entry.integrated_time =
        e.contains("integratedTime") ? std::stoll(e["integratedTime"].get<std::string>()) : 0;
    entry.kind = e["kindVersion"]["kind"].get<std::string>();
    entry.kind_version = e["kindVersion"]["version"].get<std::string>();
    entry.json = DumpJson(e);
    return VerifyTlogEntry(entry, v, content, root);
  }
};

void ExpectRejected(const Status& st, const std::string& why) {
  BOOST_CHECK_MESSAGE(IsVerificationFailed(st), "expected verification_failed, got " << st.ToString());
  BOOST_CHECK_MESSAGE(st.message().find(why) != std::string::npos,
                      "expected \"" << why << "\" in: " << st.message());
}

BOOST_AUTO_TEST_SUITE(tlog)

BOOST_AUTO_TEST_CASE(valid_v1_entry_verifies) {
  V1Entry f;
  auto r = f.Verify(f.Entry());
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_CHECK(r->integrated_time == TimePoint(std::chrono::seconds(f.integrated_time)));
  BOOST_CHECK(r->inclusion_proof_verified);
  BOOST_CHECK(!r->rekor_v2);
  BOOST_CHECK(r->log != nullptr);
}

BOOST_AUTO_TEST_CASE(set_payload_is_canonical_json) {
  Bytes id = {0xab, 0xcd};
  BOOST_CHECK_EQUAL(SignedEntryTimestampPayload(AsBytes("hi"), 17, id, 5),
                    R"({"body":"aGk=","integratedTime":17,"logID":"abcd","logIndex":5})");
}

BOOST_AUTO_TEST_CASE(inclusion_proof_off_by_one_hash) {
  V1Entry f;
  std::vector<Bytes> hashes = {f.l0, f.l2};
  BOOST_CHECK(VerifyInclusionProof(AsBytes(f.body), 1, 3, hashes, f.root_hash).ok());
  Bytes flipped = f.l0;
  flipped[31] ^= 1;
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 1, 3, {flipped, f.l2}, f.root_hash),
                 "computed root hash differs");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 1, 3, {f.l0}, f.root_hash),
                 "too few hashes");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 1, 3, {f.l0, f.l2, f.l2}, f.root_hash),
                 "more hashes");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 2, 3, hashes, f.root_hash),
                 "inclusion proof");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 0, 3, hashes, f.root_hash),
                 "computed root hash differs");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 3, 3, hashes, f.root_hash),
                 "not inside the tree");
  // Through the whole entry: one hash changed.
  Json e = f.Entry();
  e["inclusionProof"]["hashes"][1] = Base64Encode(f.l0);
  ExpectRejected(f.Verify(e).status(), "inclusion proof");
}

BOOST_AUTO_TEST_CASE(wrong_tree_size) {
  V1Entry f;
  // A size whose tree has another shape needs another number of hashes. (Size 4 has the same
  // shape for leaf 1: only the checkpoint binds the size, checked below.)
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 1, 5, {f.l0, f.l2}, f.root_hash),
                 "too few hashes");
  ExpectRejected(VerifyInclusionProof(AsBytes(f.body), 1, 2, {f.l0, f.l2}, f.root_hash),
                 "more hashes");
  Json big = f.Entry();
  big["inclusionProof"]["treeSize"] = "5";
  ExpectRejected(f.Verify(big).status(), "inclusion proof");
  // The proof is right, the checkpoint names another size.
  Json e = f.Entry();
  e["inclusionProof"]["checkpoint"]["envelope"] = f.Checkpoint(4);
  ExpectRejected(f.Verify(e).status(), "checkpoint: tree size 4 differs");
  // The checkpoint names another root.
  Json e2 = f.Entry();
  std::string text = NoteText("rekor.example.dev - 42", 3, f.l0);
  e2["inclusionProof"]["checkpoint"]["envelope"] = text + "\n" + f.log.SignatureLine(text);
  ExpectRejected(f.Verify(e2).status(), "checkpoint: root hash differs");
}

BOOST_AUTO_TEST_CASE(checkpoint_signed_by_unknown_key) {
  V1Entry f;
  TestLog other(keys::KeyAlgorithm::kEcdsaP256, "rekor.example.dev");
  std::string text = NoteText("rekor.example.dev - 42", 3, f.root_hash);
  // Another key under its own key id: not the log's, so no signature of the log at all.
  ExpectRejected(VerifyCheckpoint(text + "\n" + other.SignatureLine(text), f.log.instance).status(),
                 "no signature by the log's key");
  // Another key claiming the log's name and key id: the log's line does not verify.
  ExpectRejected(
      VerifyCheckpoint(text + "\n" +
                           other.SignatureLine(text, "rekor.example.dev",
                                               f.log.instance.checkpoint_key_id),
                       f.log.instance)
          .status(),
      "does not verify");
  // The log's key id under another name is not the log either.
  ExpectRejected(
      VerifyCheckpoint(text + "\n" +
                           f.log.SignatureLine(text, "rekor.other.dev",
                                               f.log.instance.checkpoint_key_id),
                       f.log.instance)
          .status(),
      "no signature by the log's key");
  // No signature lines at all.
  ExpectRejected(VerifyCheckpoint(text + "\n", f.log.instance).status(),
                 "no signature by the log's key");
}

BOOST_AUTO_TEST_CASE(checkpoint_witness_lines_ignored) {
  V1Entry f;
  TestLog witness(keys::KeyAlgorithm::kEd25519, "witness.example");
  std::string text = NoteText("rekor.example.dev - 42", 3, f.root_hash) + "Timestamp: 1\n";
  std::string note = text + "\n" + witness.SignatureLine(text) + f.log.SignatureLine(text) +
                     witness.SignatureLine(text, "witness.example/w2", Bytes{1, 2, 3, 4});
  auto cp = VerifyCheckpoint(note, f.log.instance);
  BOOST_REQUIRE_MESSAGE(cp.ok(), cp.status().ToString());
  BOOST_CHECK_EQUAL(cp->origin, "rekor.example.dev - 42");
  BOOST_CHECK_EQUAL(cp->tree_size, 3u);
  BOOST_CHECK(cp->root_hash == f.root_hash);
  // The signature covers the text: an extension line changed after signing fails.
  std::string changed = note;
  changed.replace(changed.find("Timestamp: 1"), 12, "Timestamp: 2");
  ExpectRejected(VerifyCheckpoint(changed, f.log.instance).status(), "does not verify");
  // A signature line needs the em dash.
  std::string no_dash = text + "\n-" + f.log.SignatureLine(text).substr(kEmDash.size());
  ExpectRejected(VerifyCheckpoint(no_dash, f.log.instance).status(), "em dash");
}

BOOST_AUTO_TEST_CASE(checkpoint_missing_parts) {
  V1Entry f;
  for (const std::string& text :
       {std::string("rekor.example.dev - 42\n3\n"), std::string("3\n") + Base64Encode(f.root_hash) + "\n",
        std::string("rekor.example.dev - 42\nthree\n") + Base64Encode(f.root_hash) + "\n"}) {
    Status st = VerifyCheckpoint(text + "\n" + f.log.SignatureLine(text), f.log.instance).status();
    BOOST_CHECK_MESSAGE(IsVerificationFailed(st), text);
  }
}

BOOST_AUTO_TEST_CASE(set_over_changed_body) {
  V1Entry f;
  // The same content, serialized differently: the binding still holds, the SET does not.
  Json e = f.Entry();
  std::string spaced = " " + f.body;
  e["canonicalizedBody"] = Base64Encode(AsBytes(spaced));
  ExpectRejected(f.Verify(e).status(), "signed entry timestamp does not verify");
  // Another integrated time or global log index under the same SET.
  Json t = f.Entry();
  t["integratedTime"] = std::to_string(f.integrated_time + 1);
  ExpectRejected(f.Verify(t).status(), "signed entry timestamp does not verify");
  Json i = f.Entry();
  i["logIndex"] = std::to_string(f.log_index + 1);
  ExpectRejected(f.Verify(i).status(), "signed entry timestamp does not verify");
  // The SET signs the global index, not the proof's leaf index.
  Json p = f.Entry();
  p["inclusionPromise"]["signedEntryTimestamp"] =
      Base64Encode(f.Set(f.body, f.integrated_time, 1));
  ExpectRejected(f.Verify(p).status(), "signed entry timestamp does not verify");
}

BOOST_AUTO_TEST_CASE(body_binding_mismatch) {
  V1Entry f;
  auto other = NewKey(keys::KeyAlgorithm::kEcdsaP256);
  const std::string pem = f.user->PublicKey().ToPem();
  BOOST_CHECK(VerifyBodyBinding(AsBytes(f.body), "hashedrekord", "0.0.1", f.content).ok());
  std::string hash = V1Entry::Body(Digest::Of(AsBytes("other")).Hex(), f.content.signature, pem);
  ExpectRejected(VerifyBodyBinding(AsBytes(hash), "hashedrekord", "0.0.1", f.content),
                 "artifact hash does not match");
  std::string sig = V1Entry::Body(f.content.artifact_sha256->Hex(), Sign(*other, f.artifact), pem);
  ExpectRejected(VerifyBodyBinding(AsBytes(sig), "hashedrekord", "0.0.1", f.content),
                 "logged signature is not the bundle's");
  std::string key = V1Entry::Body(f.content.artifact_sha256->Hex(), f.content.signature,
                                  other->PublicKey().ToPem());
  ExpectRejected(VerifyBodyBinding(AsBytes(key), "hashedrekord", "0.0.1", f.content),
                 "different public key");
  ExpectRejected(VerifyBodyBinding(AsBytes(f.body), "hashedrekord", "0.0.2", f.content),
                 "kindVersion says hashedrekord 0.0.2");
  ExpectRejected(VerifyBodyBinding(AsBytes(f.body), "dsse", "0.0.1", f.content),
                 "kindVersion says dsse");
  ExpectRejected(VerifyBodyBinding(AsBytes("not json"), "hashedrekord", "0.0.1", f.content),
                 "not JSON");
  // Through the entry: the kindVersion disagrees with the body.
  Json e = f.Entry();
  e["kindVersion"]["version"] = "0.0.2";
  ExpectRejected(f.Verify(e).status(), "kindVersion");
}

BOOST_AUTO_TEST_CASE(version_rules_and_log_choice) {
  V1Entry f;
  Json no_set = f.Entry();
  no_set.erase("inclusionPromise");
  ExpectRejected(f.Verify(no_set, attest::BundleVersion::kV01).status(),
                 "needs a signed entry timestamp");
  auto r = f.Verify(no_set, attest::BundleVersion::kV03);
  BOOST_REQUIRE(r.ok());
  BOOST_CHECK(!r->integrated_time.has_value());  // no SET: not a verified time

  Json no_checkpoint = f.Entry();
  no_checkpoint["inclusionProof"].erase("checkpoint");
  ExpectRejected(f.Verify(no_checkpoint).status(), "no checkpoint");
  // A proof whose root no checkpoint signature covers proves nothing, even beside a SET, in a
  // v0.1 bundle too (sigstore-go and sigstore-js agree).
  ExpectRejected(f.Verify(no_checkpoint, attest::BundleVersion::kV01).status(), "no checkpoint");

  Json no_proof = f.Entry();
  no_proof.erase("inclusionProof");
  ExpectRejected(f.Verify(no_proof, attest::BundleVersion::kV02).status(), "no inclusion proof");

  Json unknown = f.Entry();
  unknown["logId"]["keyId"] = Base64Encode(Digest::Of(AsBytes("x")).bytes());
  ExpectRejected(f.Verify(unknown).status(), "not in the trusted root");

  V1Entry late;
  late.root.tlogs[0].valid_for.start = TimePoint(std::chrono::seconds(late.integrated_time + 1));
  ExpectRejected(late.Verify(late.Entry()).status(), "not valid at the entry's integrated time");
}

// A Rekor v2 log: Ed25519 checkpoint, hashedrekord 0.0.2, no SET and no integrated time.
BOOST_AUTO_TEST_CASE(rekor_v2_entry) {
  TestLog log(keys::KeyAlgorithm::kEd25519, "log2025-1.rekor.example.dev");
  auto user = NewKey(keys::KeyAlgorithm::kEcdsaP256);
  SignedContent content;
  content.signature = Sign(*user, "hello");
  content.artifact_sha256 = Digest::Of(AsBytes("hello"));
  content.public_key_spki = user->PublicKey().SpkiDer();
  Json body = {{"apiVersion", "0.0.2"},
               {"kind", "hashedrekord"},
               {"spec",
                {{"hashedRekordV002",
                  {{"data",
                    {{"algorithm", "SHA2_256"},
                     {"digest", Base64Encode(content.artifact_sha256->bytes())}}},
                   {"signature",
                    {{"content", Base64Encode(content.signature)},
                     {"verifier",
                      {{"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                       {"publicKey", {{"rawBytes", Base64Encode(content.public_key_spki)}}}}}}}}}}}};
  std::string b = DumpJson(body);
  Bytes root_hash = LeafHash(AsBytes(b));  // a one-leaf tree
  std::string text = NoteText("log2025-1.rekor.example.dev", 1, root_hash);
  Json e = {{"logIndex", "7"},
            {"logId", {{"keyId", Base64Encode(log.instance.log_id)}}},
            {"kindVersion", {{"kind", "hashedrekord"}, {"version", "0.0.2"}}},
            {"inclusionProof",
             {{"logIndex", "0"},
              {"rootHash", Base64Encode(root_hash)},
              {"treeSize", "1"},
              {"checkpoint", {{"envelope", text + "\n" + log.SignatureLine(text)}}}}},
            {"canonicalizedBody", Base64Encode(AsBytes(b))}};
  TrustedRoot root;
  root.tlogs.push_back(log.instance);
  attest::TlogEntry entry;
  entry.log_index = 7;
  entry.kind = "hashedrekord";
  entry.kind_version = "0.0.2";
  entry.json = DumpJson(e);
  auto r = VerifyTlogEntry(entry, attest::BundleVersion::kV03, content, root);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_CHECK(r->rekor_v2);
  BOOST_CHECK(!r->integrated_time.has_value());  // the caller must find a TSA time

  // A Rekor v2 entry needs its proof (no online fallback) and, having no SET, cannot stand in a
  // v0.1 bundle.
  Json no_proof = e;
  no_proof.erase("inclusionProof");
  entry.json = DumpJson(no_proof);
  ExpectRejected(VerifyTlogEntry(entry, attest::BundleVersion::kV03, content, root).status(),
                 "no inclusion proof");
  entry.json = DumpJson(e);
  ExpectRejected(VerifyTlogEntry(entry, attest::BundleVersion::kV01, content, root).status(),
                 "needs a signed entry timestamp");
  // An Ed25519 checkpoint signed by another key under the log's name and key id.
  TestLog impostor(keys::KeyAlgorithm::kEd25519, "log2025-1.rekor.example.dev");
  Json forged = e;
  forged["inclusionProof"]["checkpoint"]["envelope"] =
      text + "\n" +
      impostor.SignatureLine(text, "log2025-1.rekor.example.dev", log.instance.checkpoint_key_id);
  entry.json = DumpJson(forged);
  ExpectRejected(VerifyTlogEntry(entry, attest::BundleVersion::kV03, content, root).status(),
                 "checkpoint: the signature of log2025-1.rekor.example.dev does not verify");

  // DSSE content logged as hashedrekord 0.0.2 records SHA-256 of the PAE, not of the artifact.
  SignedContent dsse;
  dsse.dsse = true;
  dsse.payload_type = "application/vnd.in-toto+json";
  dsse.payload = ToBytes("{}");
  dsse.signature = content.signature;
  dsse.public_key_spki = content.public_key_spki;
  ExpectRejected(VerifyBodyBinding(AsBytes(b), "hashedrekord", "0.0.2", dsse),
                 "hashedrekord digest does not match");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::verify::sigstore
