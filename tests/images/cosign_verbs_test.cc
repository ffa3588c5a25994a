// The verbs a cosign user reaches for, end to end against the docker-registry fixture:
// --attachment-repository (and VOUCH_REPOSITORY / COSIGN_REPOSITORY), triangulate, generate +
// attach signature, download + attach attestation, download sbom, clean, save / load. Each JSON
// output is checked against its table in docs/output.md.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "images/attachments.h"
#include "images/common.h"
#include "testutil/json_shape.h"
#include "vouch/core/bytes.h"

namespace vouch::images_test {
namespace {

using vouch::testing::DocumentedShape;
using vouch::testing::ShapeProblems;

void ExpectShape(const RunResult& r, const std::string& section) {
  BOOST_TEST_CONTEXT(section) {
    for (const std::string& problem : ShapeProblems(r.out, DocumentedShape(section))) {
      BOOST_TEST(false, problem << "\n" << r.out);
    }
  }
}

// Lines splits the non-empty lines of |text|.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

struct Verbs {
  Env env;
  std::string key;
  Verbs() { key = env.Key("k"); }
  RunResult Verify(const std::string& image, const std::vector<std::string>& extra = {},
                   const RunOptions* options = nullptr) {
    std::vector<std::string> args = {"verify", image, "--key", env.Pub("k")};
    args.insert(args.end(), extra.begin(), extra.end());
    return options != nullptr ? vouch::testing::Vouch(args, *options) : env.Vouch(args);
  }
  RunResult VerifyAttestation(const std::string& image) {
    return env.Vouch({"verify-attestation", image, "--key", env.Pub("k"), "--type", "custom"});
  }
  void Attest(const std::string& image, const std::string& format) {
    const std::string predicate = env.dir.File("predicate.json");
    WriteText(predicate, R"({"hello":"world"})");
    env.MustVouch({"attest", image, "--key", key, "--predicate", predicate, "--type", "custom",
                   "--format", format});
  }
};

BOOST_AUTO_TEST_CASE(AttachmentRepositoryKeepsSignaturesElsewhere) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("elsewhere-image"));
  const std::string sigs = Reg() + "/" + RepoName("elsewhere-sigs");
  v.env.MustVouch({"sign", image, "--key", v.key, "--attachment-repository", sigs});
  v.env.MustVouch(
      {"sign", image, "--key", v.key, "--format", "legacy", "--attachment-repository", sigs});
  // Nothing beside the image; both forms in the other repository.
  BOOST_TEST(v.Verify(image).exit_code == 1);
  RunResult ok = v.Verify(image, {"--attachment-repository", sigs});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(Count(TagManifest(sigs + ":x", CosignTag(Known("single"), ".sig")),
                   "dev.cosignproject.cosign/signature") == 1u);
  // The variables, cosign's one last; the flag wins over both.
  RunOptions o = v.env.Options();
  o.env["COSIGN_REPOSITORY"] = sigs;
  BOOST_TEST(v.Verify(image, {}, &o).exit_code == 0);
  o.env["VOUCH_REPOSITORY"] = Reg() + "/" + RepoName("elsewhere-empty");
  BOOST_TEST(v.Verify(image, {}, &o).exit_code == 1);
  BOOST_TEST(v.Verify(image, {"--attachment-repository", sigs}, &o).exit_code == 0);
  // tree lists them where they are.
  const std::string sig_tag = CosignTag(Known("single"), ".sig");
  BOOST_TEST(v.env.MustVouch({"tree", image}).out.find(sig_tag) == std::string::npos);
  RunResult tree = v.env.MustVouch({"tree", image, "--attachment-repository", sigs});
  BOOST_TEST(tree.out.find(sig_tag) != std::string::npos, tree.out);
  // triangulate names the tag where it is.
  RunResult t = v.env.MustVouch({"triangulate", image, "--attachment-repository", sigs});
  BOOST_TEST(t.out == sigs + ":" + CosignTag(Known("single"), ".sig") + "\n", t.out);
  // A tag or digest is not a repository.
  RunResult bad = v.env.Vouch(
      {"verify", image, "--key", v.env.Pub("k"), "--attachment-repository", sigs + ":v1"});
  BOOST_TEST(bad.exit_code == 2, bad.err);
  BOOST_TEST(bad.err.find("--attachment-repository: want a repository") != std::string::npos,
             bad.err);
  o.env["VOUCH_REPOSITORY"] = sigs + "@" + Known("single");
  RunResult bad_env = v.Verify(image, {}, &o);
  BOOST_TEST(bad_env.exit_code == 2, bad_env.err);
  BOOST_TEST(bad_env.err.find("$VOUCH_REPOSITORY") != std::string::npos, bad_env.err);
}

BOOST_AUTO_TEST_CASE(TriangulateNamesCosignTags) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("triangulate"));
  const std::string repo = Reg() + "/" + RepoOf(image);
  const std::string hex = Known("single").substr(7);
  BOOST_TEST(v.env.MustVouch({"triangulate", image}).out == repo + ":sha256-" + hex + ".sig\n");
  BOOST_TEST(v.env.MustVouch({"triangulate", image, "--type", "attestation"}).out ==
             repo + ":sha256-" + hex + ".att\n");
  BOOST_TEST(v.env.MustVouch({"triangulate", image, "--type", "sbom"}).out ==
             repo + ":sha256-" + hex + ".sbom\n");
  BOOST_TEST(v.env.MustVouch({"triangulate", image, "--type", "digest"}).out ==
             image + "@" + Known("single") + "\n");
  RunResult j = v.env.MustVouch({"triangulate", image, "-o", "json"});
  ExpectShape(j, "triangulate");
  BOOST_TEST(v.env.Vouch({"triangulate", image, "--type", "bogus"}).exit_code == 2);
  BOOST_TEST(v.env.Vouch({"triangulate", Reg() + "/" + RepoName("absent") + ":v1"}).exit_code == 3);
}

BOOST_AUTO_TEST_CASE(GenerateSignElsewhereAttach) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("generate"));
  const std::string payload = v.env.dir.File("payload.json");
  WriteText(payload, v.env.MustVouch({"generate", image, "-a", "team=release"}).out);
  BOOST_TEST(ReadText(payload).find(Known("single")) != std::string::npos);
  const std::string sig = v.env.dir.File("payload.sig");
  v.env.MustVouch({"sign-blob", payload, "--key", v.key, "--output-signature", sig});
  BOOST_REQUIRE(v.Verify(image).exit_code == 1);
  RunResult a = v.env.MustVouch(
      {"attach", "signature", image, "--payload", payload, "--signature", sig, "-o", "json"});
  ExpectShape(a, "attach");
  RunResult ok = v.Verify(image, {"-a", "team=release"});
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  // Attaching it again adds nothing.
  RunResult again =
      v.env.MustVouch({"attach", "signature", image, "--payload", payload, "--signature", sig});
  BOOST_TEST(again.out.find("already there") != std::string::npos, again.out);
  // A payload about another image, or a signature that is not base64, is refused (exit 2).
  const std::string other = v.env.Image("multi", RepoName("generate-other"));
  RunResult wrong =
      v.env.Vouch({"attach", "signature", other, "--payload", payload, "--signature", sig});
  BOOST_TEST(wrong.exit_code == 2, wrong.err);
  BOOST_TEST(wrong.err.find("not the image") != std::string::npos, wrong.err);
  WriteText(v.env.dir.File("bad.sig"), "not base64!");
  RunResult garbled = v.env.Vouch({"attach", "signature", image, "--payload", payload,
                                   "--signature", v.env.dir.File("bad.sig")});
  BOOST_TEST(garbled.exit_code == 2, garbled.err);
  BOOST_TEST(v.env.Vouch({"attach", "signature", image, "--payload", payload}).exit_code == 2);
}

// What download prints is what attach takes: moved between two repositories of one image
// digest, every form verifies at the destination.
BOOST_AUTO_TEST_CASE(DownloadThenAttachElsewhere) {
  Verbs v;
  const std::string src = v.env.Image("single", RepoName("download-src"));
  const std::string dst = v.env.Image("single", RepoName("download-dst"));
  v.env.MustVouch({"sign", src, "--key", v.key});
  v.env.MustVouch({"sign", src, "--key", v.key, "--format", "legacy"});
  v.Attest(src, "bundle");
  v.Attest(src, "legacy");

  RunResult sigs = v.env.MustVouch({"download", "signature", src});
  std::vector<std::string> sig_lines = Lines(sigs.out);
  BOOST_REQUIRE_EQUAL(sig_lines.size(), 2u);
  ExpectShape(v.env.MustVouch({"download", "signature", src, "-o", "json"}), "download");
  for (size_t i = 0; i < sig_lines.size(); ++i) {
    nlohmann::json doc = nlohmann::json::parse(sig_lines[i]);
    if (doc.contains("Base64Signature")) {  // cosign's .sig shape
      const std::string payload = v.env.dir.File("p" + std::to_string(i));
      const std::string sig = v.env.dir.File("s" + std::to_string(i));
      Result<Bytes> bytes = Base64Decode(doc["Payload"].get<std::string>());
      BOOST_REQUIRE(bytes.ok());
      WriteText(payload, ToString(*bytes));
      WriteText(sig, doc["Base64Signature"].get<std::string>());
      v.env.MustVouch({"attach", "signature", dst, "--payload", payload, "--signature", sig});
    } else {  // a Sigstore bundle
      BOOST_TEST(doc["mediaType"].get<std::string>().find("sigstore.bundle") != std::string::npos);
      WriteText(v.env.dir.File("b.json"), sig_lines[i]);
      v.env.MustVouch({"attach", "signature", dst, "--bundle", v.env.dir.File("b.json")});
    }
  }
  BOOST_TEST(v.Verify(dst, {"--signature-format", "legacy"}).exit_code == 0);
  BOOST_TEST(v.Verify(dst, {"--signature-format", "bundle"}).exit_code == 0);

  std::vector<std::string> att_lines = Lines(v.env.MustVouch({"download", "attestation", src}).out);
  BOOST_REQUIRE_EQUAL(att_lines.size(), 2u);
  BOOST_TEST(Lines(v.env
                       .MustVouch({"download", "attestation", src, "--predicate-type",
                                   "https://example.com/none"})
                       .out)
                 .empty());
  BOOST_REQUIRE(v.VerifyAttestation(dst).exit_code == 1);
  std::vector<std::string> files;
  for (size_t i = 0; i < att_lines.size(); ++i) {
    files.push_back(v.env.dir.File("att" + std::to_string(i) + ".json"));
    WriteText(files.back(), att_lines[i]);
  }
  // A bundle of an attestation is not a signature.
  const std::string bundle_att =
      files[att_lines[0].find("\"mediaType\"") != std::string::npos ? 0 : 1];
  RunResult not_sig = v.env.Vouch({"attach", "signature", dst, "--bundle", bundle_att});
  BOOST_TEST(not_sig.exit_code == 2, not_sig.err);
  BOOST_TEST(not_sig.err.find("attach it as an attestation") != std::string::npos, not_sig.err);
  // A bad second file attaches nothing, not even the good first one.
  WriteText(v.env.dir.File("bad.json"), "{}");
  RunResult partial = v.env.Vouch({"attach", "attestation", dst, "--attestation", files[0],
                                   "--attestation", v.env.dir.File("bad.json")});
  BOOST_TEST(partial.exit_code == 2, partial.err);
  BOOST_TEST(v.VerifyAttestation(dst).exit_code == 1);
  RunResult a = v.env.MustVouch({"attach", "attestation", dst, "--attestation", files[0],
                                 "--attestation", files[1], "-o", "json"});
  ExpectShape(a, "attach");
  BOOST_TEST(
      Count(a.out, "\"predicateType\": \"https://cosign.sigstore.dev/attestation/v1\"") == 2u,
      a.out);
  RunResult va = v.VerifyAttestation(dst);
  BOOST_TEST(va.exit_code == 0, va.out << va.err);
  BOOST_TEST(Count(TagManifest(dst, CosignTag(Known("single"), ".att")),
                   "application/vnd.dsse.envelope.v1+json") == 1u);
  // An attestation about another image is refused before anything is pushed.
  const std::string other = v.env.Image("multi", RepoName("download-other"));
  RunResult wrong = v.env.Vouch({"attach", "attestation", other, "--attestation", files[0]});
  BOOST_TEST(wrong.exit_code == 2, wrong.err);
  BOOST_TEST(wrong.err.find("do not name the image") != std::string::npos, wrong.err);
}

BOOST_AUTO_TEST_CASE(DownloadSbom) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("sbom"));
  RunResult none = v.env.Vouch({"download", "sbom", image});
  BOOST_TEST(none.exit_code == 3, none.err);
  BOOST_TEST(none.err.find("no SBOM is attached") != std::string::npos, none.err);
  const std::string spdx = R"({"spdxVersion":"SPDX-2.3","name":"fixture"})";
  PushSbom(image, spdx);
  BOOST_TEST(v.env.MustVouch({"download", "sbom", image}).out == spdx);
  const std::string file = v.env.dir.File("sbom.json");
  v.env.MustVouch({"download", "sbom", image, "--output-file", file});
  BOOST_TEST(ReadText(file) == spdx);
}

BOOST_AUTO_TEST_CASE(CleanRemovesWhatTypeSelects) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("clean"));
  v.env.MustVouch({"sign", image, "--key", v.key});
  v.env.MustVouch({"sign", image, "--key", v.key, "--format", "legacy"});
  v.Attest(image, "bundle");
  v.Attest(image, "legacy");
  PushSbom(image, R"({"spdxVersion":"SPDX-2.3"})");
  // Without a terminal and without -y nothing is deleted.
  RunResult refused = v.env.Vouch({"clean", image});
  BOOST_TEST(refused.exit_code == 2, refused.err);
  BOOST_TEST(refused.err.find("pass -y") != std::string::npos, refused.err);
  BOOST_TEST(Lines(v.env.MustVouch({"download", "signature", image}).out).size() == 2u);

  RunResult sigs = v.env.MustVouch({"clean", image, "--type", "signature", "-y", "-o", "json"});
  ExpectShape(sigs, "clean");
  BOOST_TEST(Count(sigs.out, "\"kind\": \"signature\"") == 2u, sigs.out);
  BOOST_TEST(Lines(v.env.MustVouch({"download", "signature", image}).out).empty());
  BOOST_TEST(Lines(v.env.MustVouch({"download", "attestation", image}).out).size() == 2u);
  // The fallback index lost the signature's entry only: no dangling entry is left to read.
  RunResult rejected = v.Verify(image);
  BOOST_TEST(rejected.exit_code == 1, rejected.out << rejected.err);
  BOOST_TEST(v.VerifyAttestation(image).exit_code == 0);

  RunResult rest = v.env.MustVouch({"clean", image, "-y"});
  BOOST_TEST(Count(rest.out, "deleted attestation") == 2u, rest.out);
  BOOST_TEST(Count(rest.out, "deleted sbom") == 1u, rest.out);
  BOOST_TEST(v.VerifyAttestation(image).exit_code == 1);
  BOOST_TEST(v.env.Vouch({"download", "sbom", image}).exit_code == 3);
  // Nothing left: nothing to do.
  BOOST_TEST(v.env.MustVouch({"clean", image, "-y"}).out.empty());
  BOOST_TEST(v.env.Vouch({"clean", image, "--type", "everything", "-y"}).exit_code == 2);
}

// On a terminal (script(1)'s pseudo-terminal) clean lists what it will delete and asks: "n"
// deletes nothing (exit 2), "y" deletes.
BOOST_AUTO_TEST_CASE(CleanAsksOnATerminal) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("clean-tty"));
  v.env.MustVouch({"sign", image, "--key", v.key});
  auto clean_answering = [&](const std::string& answer) {
    RunOptions o = v.env.Options();
    o.stdin_data = answer + "\n";
    return Run({"script", "-qec", vouch::testing::VouchBin() + " clean " + image, "/dev/null"}, o);
  };
  RunResult no = clean_answering("n");
  BOOST_TEST(no.exit_code == 2, no.out);  // script -e exits as its command did
  BOOST_TEST(no.out.find("signature referrer sha256:") != std::string::npos, no.out);
  BOOST_TEST(no.out.find("? [y/N]") != std::string::npos, no.out);
  BOOST_TEST(no.out.find("not confirmed; nothing was deleted") != std::string::npos, no.out);
  BOOST_TEST(v.Verify(image).exit_code == 0);
  RunResult yes = clean_answering("y");
  BOOST_TEST(yes.exit_code == 0, yes.out);
  BOOST_TEST(yes.out.find("deleted signature referrer sha256:") != std::string::npos, yes.out);
  BOOST_TEST(v.Verify(image).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(SaveAndLoadCarrySignatures) {
  Verbs v;
  const std::string image = v.env.Image("single", RepoName("save"));
  v.env.MustVouch({"sign", image, "--key", v.key});
  const std::string dir = v.env.dir.File("saved");
  RunResult saved = v.env.MustVouch({"save", image, "--dir", dir, "-o", "json"});
  ExpectShape(saved, "save");
  BOOST_TEST(saved.out.find("\"destination\": \"oci:" + dir + "\"") != std::string::npos,
             saved.out);
  BOOST_TEST(v.Verify("oci:" + dir).exit_code == 0);
  const std::string loaded = Reg() + "/" + RepoName("loaded") + ":v1";
  v.env.MustVouch({"load", "--dir", dir, loaded});
  RunResult ok = v.Verify(loaded);
  BOOST_TEST(ok.exit_code == 0, ok.out << ok.err);
  BOOST_TEST(v.env.Vouch({"save", image}).exit_code == 2);  // --dir is required
}

}  // namespace
}  // namespace vouch::images_test
