// slsa-verifier conformance: the container_workflow_dispatch OCI layout (slsa-verifier commit
// aaf98fd7, cli/slsa-verifier/testdata/gha_generic_container/v2.1.0) holds an image index and a
// cosign `.att` manifest whose single DSSE layer carries an in-toto v0.1 statement with SLSA v0.2
// provenance from slsa-github-generator's container workflow.
//
// The test reads that attestation through vouch's registry client (an oci: reference, every
// manifest and blob digest-checked), parses envelope and statement, normalizes the provenance and
// applies every builder/source/ref row of the README's policy table (from upstream
// main_regression_test.go Test_runVerifyGHAArtifactImage) with the upstream expected result.
//
// The DSSE signature is keyless (Fulcio certificate, chain and Rekor SET in the layer
// annotations): keyless_signature verifies it offline through the legacy-signature verifier
// (verify/sigstore/cosign_legacy.h) against the pinned production trusted root: the SET with the
// production Rekor key (a dsse 0.0.1 entry binding the envelope), the Fulcio chain at the SET's
// time, the SCT and the workflow identity. The layout's blob digests are checked by the registry
// client.
#define BOOST_TEST_MODULE vouch_conformance_slsa_verifier
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

#include "core/internal/json.h"
#include "sigstore/cosign_legacy.h"
#include "testutil/testutil.h"
#include "vouch/attest/dsse.h"
#include "vouch/attest/provenance.h"
#include "vouch/attest/statement.h"
#include "vouch/registry/client.h"
#include "vouch/registry/manifest.h"
#include "vouch/registry/reference.h"
#include "vouch/verify/slsa.h"

namespace vouch::verify {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kBuilder =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
    "generator_container_slsa3.yml";
const std::string kSource = "github.com/slsa-framework/example-package";

std::string VectorDir() { return testing::VectorsDir() + "/slsa-verifier-container"; }

std::string ImageDigest() {
  std::string d = testing::ReadText(VectorDir() + "/container_workflow_dispatch.digest");
  while (!d.empty() && (d.back() == '\n' || d.back() == ' ')) {
    d.pop_back();
  }
  return d;
}

// LoadAttestation finds the cosign attestations manifest (index.json entry annotated
// kind=dev.cosignproject.cosign/atts, the `sha256-<image>.att` tag of a registry) and returns the
// statement in its DSSE layer.
struct AttLayer {
  attest::DsseEnvelope envelope;
  std::map<std::string, std::string> annotations;
};

AttLayer LoadAttLayer() {
  const std::string layout = VectorDir() + "/container_workflow_dispatch";
  Json index = *ParseJson(testing::ReadText(layout + "/index.json"), "index.json");
  std::string att_digest;
  for (const Json& m : index["manifests"]) {
    if (m.contains("annotations") &&
        m["annotations"].value("kind", "") == "dev.cosignproject.cosign/atts") {
      att_digest = m["digest"].get<std::string>();
    }
  }
  BOOST_REQUIRE_MESSAGE(!att_digest.empty(), "no cosign atts manifest in " << layout);

  registry::Client client{registry::ClientOptions{}};
  Result<registry::Reference> ref = registry::ParseReference("oci:" + layout + "@" + att_digest);
  BOOST_REQUIRE_MESSAGE(ref.ok(), ref.status().ToString());
  auto repo = client.Open(*ref);
  BOOST_REQUIRE_MESSAGE(repo.ok(), repo.status().ToString());
  Result<registry::Manifest> manifest = (*repo)->FetchManifest(att_digest);
  BOOST_REQUIRE_MESSAGE(manifest.ok(), manifest.status().ToString());
  Result<registry::ManifestView> view =
      registry::ParseManifest(manifest->bytes, manifest->media_type);
  BOOST_REQUIRE_MESSAGE(view.ok(), view.status().ToString());
  BOOST_REQUIRE(view->layers.size() == 1u);
  const registry::Descriptor& layer = view->layers[0];
  BOOST_TEST(layer.media_type == attest::kDsseEnvelopeMediaType);
  Result<Bytes> blob = (*repo)->FetchBlob(layer.digest, layer.size);
  BOOST_REQUIRE_MESSAGE(blob.ok(), blob.status().ToString());

  Result<attest::DsseEnvelope> envelope = attest::ParseEnvelope(AsChars(*blob));
  BOOST_REQUIRE_MESSAGE(envelope.ok(), envelope.status().ToString());
  BOOST_TEST(envelope->payload_type == attest::kInTotoPayloadType);
  BOOST_REQUIRE(envelope->signatures.size() == 1u);
  return AttLayer{*envelope, layer.annotations};
}

attest::Statement LoadAttestation() {
  AttLayer layer = LoadAttLayer();
  Result<attest::Statement> st = attest::Statement::Parse(AsChars(layer.envelope.payload));
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  return *st;
}

attest::NormalizedProvenance Provenance() {
  static const attest::NormalizedProvenance p = [] {
    attest::Statement st = LoadAttestation();
    BOOST_TEST(st.type() == attest::kStatementTypeV01);
    BOOST_TEST(st.predicate_type() == attest::kSlsaProvenanceV02);
    BOOST_TEST(attest::SubjectMatches(st, *Digest::Parse(ImageDigest())));
    Result<attest::NormalizedProvenance> n =
        attest::NormalizeProvenance(st.predicate_type(), st.predicate_json());
    BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
    return *n;
  }();
  return p;
}

BOOST_AUTO_TEST_CASE(normalized_fields) {
  attest::NormalizedProvenance p = Provenance();
  BOOST_TEST(p.builder_id == kBuilder + "@refs/tags/v2.1.0");
  BOOST_TEST(p.build_type ==
             "https://github.com/slsa-framework/slsa-github-generator/container@v1");
  BOOST_TEST(p.source_uri == "git+https://github.com/slsa-framework/example-package");
  BOOST_TEST(p.source_ref == "refs/heads/main");
  BOOST_TEST(p.source_digest == "4d329c75e7ec1725f7c9ce917a8799d408d06be3");
  BOOST_TEST(p.invocation_id == "13531731005-1");
  BOOST_TEST(p.dependencies.size() == 1u);
  // The generator records no build times: a max-age policy cannot pass on this provenance.
  BOOST_TEST(!p.started_on.has_value());
  BOOST_TEST(!p.finished_on.has_value());
}

// One policy row of the README table. |check| is the check that must fail ("" = pass).
struct Row {
  std::string name;
  std::string builder_id;
  std::string source;
  std::string ref;
  std::string check;
};
std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name; }

// README rows, in order; rows with several upstream variants list each variant.
const Row kRows[] = {
    {"1 source, no extra policy", kBuilder, kSource, "", ""},
    {"1 source, builder pinned to v2.1.0", kBuilder + "@refs/tags/v2.1.0", kSource, "", ""},
    {"2 untrusted builder",
     "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/not-trusted.yml",
     kSource, "", "builder id"},
    {"3 branch main", kBuilder, kSource, "main", ""},
    {"4 branch master", kBuilder, kSource, "master", "ref"},
    {"5a source example-packageA", kBuilder, "github.com/slsa-framework/example-packageA", "",
     "source"},
    {"5b source Agithub.com", kBuilder, "Agithub.com/slsa-framework/example-package", "", "source"},
    {"5c source Aslsa-framework", kBuilder, "github.com/Aslsa-framework/example-package", "",
     "source"},
    {"6a tag v1.2.3", kBuilder, kSource, "refs/tags/v1.2.3", "ref"},
    {"6b versioned tag v1", kBuilder, kSource, "refs/tags/v1", "ref"},
};
constexpr size_t kExpectedRows = 10;  // 6 README rows; rows 1, 5 and 6 have variants

BOOST_AUTO_TEST_CASE(row_count) { BOOST_TEST(std::size(kRows) == kExpectedRows); }

BOOST_DATA_TEST_CASE(policy_rows, bdata::make(kRows), row) {
  SlsaExpectations want;
  // An empty flag is no check: the flags give at most one pattern each.
  for (auto [field, value] : {std::pair{&want.builder_ids, row.builder_id},
                              std::pair{&want.source_uris, row.source},
                              std::pair{&want.source_refs, row.ref}}) {
    if (!value.empty()) {
      field->push_back(value);
    }
  }
  Status st = CheckProvenance(Provenance(), want);
  if (row.check.empty()) {
    BOOST_TEST(st.ok(), st.ToString());
  } else {
    BOOST_TEST(IsVerificationFailed(st), st.ToString());
    BOOST_TEST(st.message().rfind(row.check + " ", 0) == 0u, st.message());
  }
}

BOOST_AUTO_TEST_CASE(max_age_fails_without_build_times) {
  SlsaExpectations want;
  want.max_age = std::chrono::hours(24 * 365 * 50);
  Status st = CheckProvenance(Provenance(), want);
  BOOST_TEST(IsVerificationFailed(st));
  BOOST_TEST(st.message().find("records no build start or finish time") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// The keyless DSSE signature of the `.att` layer.

CertificateIdentity GeneratorIdentity() {
  CertificateIdentity id;
  id.san = kBuilder + "@refs/tags/v2.1.0";
  id.issuer = "https://token.actions.githubusercontent.com";
  return id;
}

Result<sigstore::LegacyVerification> VerifyAtt(const AttLayer& l, const TrustedRoot& root,
                                               const CertificateIdentity& id) {
  sigstore::SignedContent content;
  content.signature = l.envelope.signatures[0].sig;
  content.dsse = true;
  content.payload_type = l.envelope.payload_type;
  content.payload = l.envelope.payload;
  return sigstore::VerifyLegacyKeyless(sigstore::EvidenceFromAnnotations(l.annotations),
                                       attest::Pae(l.envelope.payload_type, l.envelope.payload),
                                       content, root, {id});
}

std::shared_ptr<const TrustedRoot> Root(const std::string& which) {
  auto root = LoadTrustedRoot(testing::VectorsDir() + "/sigstore-trust-roots/" + which +
                              "/trusted_root.json");
  BOOST_REQUIRE_MESSAGE(root.ok(), root.status().ToString());
  return *root;
}

BOOST_AUTO_TEST_CASE(keyless_signature) {
  AttLayer l = LoadAttLayer();
  auto production = Root("production");
  auto v = VerifyAtt(l, *production, GeneratorIdentity());
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  BOOST_TEST(v->signer == kBuilder + "@refs/tags/v2.1.0");
  BOOST_TEST(v->issuer == "https://token.actions.githubusercontent.com");
  BOOST_REQUIRE(v->signing_time.has_value());
  BOOST_TEST(FormatRfc3339(*v->signing_time) == "2025-02-25T21:58:07Z");

  // The GitHub workflow claims, as cosign's --certificate-github-workflow-* flags.
  CertificateIdentity claims = GeneratorIdentity();
  claims.github["repository"] = "slsa-framework/example-package";
  claims.github["ref"] = "refs/heads/main";
  claims.github["sha"] = "4d329c75e7ec1725f7c9ce917a8799d408d06be3";
  auto with_claims = VerifyAtt(l, *production, claims);
  BOOST_TEST(with_claims.ok(), with_claims.status().ToString());
  claims.github["ref"] = "refs/heads/master";
  BOOST_TEST(IsVerificationFailed(VerifyAtt(l, *production, claims).status()));

  // Wrong identity, wrong issuer, an untrusted root, a tampered statement: rejected.
  CertificateIdentity other = GeneratorIdentity();
  other.san = kBuilder + "@refs/tags/v2.0.0";
  BOOST_TEST(IsVerificationFailed(VerifyAtt(l, *production, other).status()));
  other = GeneratorIdentity();
  other.issuer = "https://accounts.google.com";
  BOOST_TEST(IsVerificationFailed(VerifyAtt(l, *production, other).status()));
  Status staging = VerifyAtt(l, *Root("staging"), GeneratorIdentity()).status();
  BOOST_TEST(IsVerificationFailed(staging));
  BOOST_TEST(staging.message().find("Rekor") != std::string::npos, staging.message());
  AttLayer tampered = l;
  tampered.envelope.payload[tampered.envelope.payload.size() / 2] ^= 1;
  BOOST_TEST(IsVerificationFailed(VerifyAtt(tampered, *production, GeneratorIdentity()).status()));
}

}  // namespace
}  // namespace vouch::verify
