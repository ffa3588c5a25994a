// `vouch key generate|public|info|import-cosign|export-cosign`.
#include <cxxopts.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/keys/keys.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kKeyUsage =
    "usage: vouch key <generate|public|info|import-cosign|export-cosign> [options]\n"
    "  generate       make a key pair: PREFIX.key (encrypted PKCS#8, 0600) and PREFIX.pub\n"
    "  public         print the public key of --key\n"
    "  info           print key id, algorithm and type of --key\n"
    "  import-cosign  convert a cosign encrypted key into a vouch key pair\n"
    "  export-cosign  write --key as a cosign encrypted key pair\n";

// CheckOutputs checks that neither output exists (unless |force|) before any work is done, so
// a refused run writes nothing.
Status CheckOutputs(const std::string& prefix, bool force) {
  if (prefix.empty()) {
    return InvalidArgumentError("--output-key-prefix must not be empty");
  }
  if (force) {
    return OkStatus();
  }
  for (const std::string& path : {prefix + ".key", prefix + ".pub"}) {
    if (PathExists(path)) {
      return AlreadyExistsError(path + " already exists; pass --force to overwrite");
    }
  }
  return OkStatus();
}

Status WriteKeyPair(const std::string& prefix, const SecretString& key_pem,
                    const std::string& pub_pem, bool force) {
  WriteMode mode = force ? WriteMode::kOverwrite : WriteMode::kCreateNew;
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(prefix + ".key", AsBytes(key_pem.view()), 0600, mode));
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(prefix + ".pub", AsBytes(pub_pem), 0644, mode));
  std::cerr << "wrote " << prefix << ".key and " << prefix << ".pub\n";
  return OkStatus();
}

// CosignPassword returns COSIGN_PASSWORD when set (even empty), else nullopt.
std::optional<SecretString> CosignPasswordFromEnv() {
  if (const char* v = std::getenv("COSIGN_PASSWORD"); v != nullptr) {
    return SecretString(std::string(v));
  }
  return std::nullopt;
}

cxxopts::Options NewOptions(const std::string& sub, const std::string& help) {
  cxxopts::Options o("vouch key " + sub, help);
  o.add_options()("h,help", "show this help");
  return o;
}

bool WantsHelp(const cxxopts::Options& options, const cxxopts::ParseResult& parsed) {
  if (parsed.count("help") > 0) {
    std::cout << options.help();
    return true;
  }
  return false;
}

int RunGenerate(int argc, char** argv) {
  cxxopts::Options options = NewOptions("generate", "make a new signing key pair");
  options.add_options()(
      "algorithm", "ecdsa-p256 (default), ecdsa-p384, ed25519, rsa-3072 or rsa-4096",
      cxxopts::value<std::string>()->default_value("ecdsa-p256"))(
      "output-key-prefix", "write PREFIX.key and PREFIX.pub",
      cxxopts::value<std::string>()->default_value("vouch"))(
      "force", "overwrite existing files");
  AddPasswordOptions(options);
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (WantsHelp(options, parsed)) {
    return kExitOk;
  }
  if (!parsed.unmatched().empty()) {
    return UsageError("key generate: unexpected argument \"" + parsed.unmatched()[0] + "\"");
  }
  Result<keys::KeyAlgorithm> alg = keys::ParseKeyAlgorithm(parsed["algorithm"].as<std::string>());
  if (!alg.ok()) {
    return Fail(alg.status());
  }
  const std::string prefix = parsed["output-key-prefix"].as<std::string>();
  const bool force = parsed.count("force") > 0;
  if (Status st = CheckOutputs(prefix, force); !st.ok()) {
    return Fail(st);
  }
  Result<SecretString> password =
      ObtainPassword(parsed, PasswordPurpose::kCreate, "new key " + prefix + ".key");
  if (!password.ok()) {
    return Fail(password.status());
  }
  Result<std::unique_ptr<keys::Signer>> signer = keys::Generate(*alg);
  if (!signer.ok()) {
    return Fail(signer.status());
  }
  Result<SecretString> pem =
      keys::ExportEncryptedPem(**signer, *password, keys::InsecureSecretAccess::Get());
  if (!pem.ok()) {
    return Fail(pem.status());
  }
  if (Status st = WriteKeyPair(prefix, *pem, (*signer)->PublicKey().ToPem(), force); !st.ok()) {
    return Fail(st);
  }
  return kExitOk;
}

std::string RequireKey(const cxxopts::ParseResult& parsed) {
  return parsed.count("key") > 0 ? parsed["key"].as<std::string>() : std::string();
}

int RunPublic(int argc, char** argv) {
  cxxopts::Options options = NewOptions("public", "print the public key PEM of a key");
  options.add_options()("key", "key file or env://VAR", cxxopts::value<std::string>());
  AddPasswordOptions(options);
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (WantsHelp(options, parsed)) {
    return kExitOk;
  }
  std::string spec = RequireKey(parsed);
  if (spec.empty()) {
    return UsageError("key public: --key is required");
  }
  Result<keys::Verifier> v = LoadVerifier(parsed, spec);
  if (!v.ok()) {
    return Fail(v.status());
  }
  std::cout << v->ToPem();
  return kExitOk;
}

int RunInfo(int argc, char** argv) {
  cxxopts::Options options = NewOptions("info", "print a key's id, algorithm and type");
  options.add_options()("key", "key file or env://VAR", cxxopts::value<std::string>())(
      "output", "text (default) or json", cxxopts::value<std::string>()->default_value("text"));
  AddPasswordOptions(options);
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (WantsHelp(options, parsed)) {
    return kExitOk;
  }
  std::string spec = RequireKey(parsed);
  if (spec.empty()) {
    return UsageError("key info: --key is required");
  }
  const std::string output = parsed["output"].as<std::string>();
  if (output != "text" && output != "json") {
    return UsageError("key info: --output must be text or json");
  }
  Result<SecretString> pem = keys::ReadKeySpec(spec);
  if (!pem.ok()) {
    return Fail(pem.status());
  }
  const bool is_private = keys::IsPrivateKeyPem(pem->view());
  Result<keys::Verifier> v = LoadVerifier(parsed, spec);
  if (!v.ok()) {
    return Fail(v.status());
  }
  const std::string hint = Base64Encode(Digest::Of(v->SpkiDer()).bytes());
  const std::string_view type = is_private ? "private" : "public";
  if (output == "json") {
    // Every value is hex, base64 or a fixed name: no JSON escaping is needed.
    std::cout << "{\"keyId\":\"" << v->KeyId() << "\",\"algorithm\":\""
              << keys::KeyAlgorithmName(v->algorithm()) << "\",\"type\":\"" << type
              << "\",\"sigstoreHint\":\"" << hint << "\"}\n";
  } else {
    std::cout << "key id:        " << v->KeyId() << "\n"
              << "algorithm:     " << keys::KeyAlgorithmName(v->algorithm()) << "\n"
              << "type:          " << type << "\n"
              << "sigstore hint: " << hint << "\n";
  }
  return kExitOk;
}

int RunImportCosign(int argc, char** argv) {
  cxxopts::Options options =
      NewOptions("import-cosign", "convert a cosign encrypted key (cosign.key) into a vouch key");
  options.add_options()("output-key-prefix", "write PREFIX.key and PREFIX.pub",
                        cxxopts::value<std::string>()->default_value("vouch"))(
      "force", "overwrite existing files")("file", "cosign key file",
                                           cxxopts::value<std::string>());
  AddPasswordOptions(options);
  options.parse_positional({"file"});
  options.positional_help("COSIGN_KEY");
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (WantsHelp(options, parsed)) {
    return kExitOk;
  }
  if (parsed.count("file") == 0) {
    return UsageError("key import-cosign: name the cosign key file");
  }
  const std::string file = parsed["file"].as<std::string>();
  const std::string prefix = parsed["output-key-prefix"].as<std::string>();
  const bool force = parsed.count("force") > 0;
  if (Status st = CheckOutputs(prefix, force); !st.ok()) {
    return Fail(st);
  }
  Result<SecretString> pem = keys::ReadKeySpec(file);
  if (!pem.ok()) {
    return Fail(pem.status());
  }
  if (!keys::IsEncryptedPem(pem->view()) || !keys::IsPrivateKeyPem(pem->view()) ||
      pem->view().find("ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) {
    return Fail(InvalidArgumentError(
        file + " is not a cosign key (expected ENCRYPTED SIGSTORE PRIVATE KEY or ENCRYPTED "
               "COSIGN PRIVATE KEY)"));
  }
  // The cosign password: COSIGN_PASSWORD, else the usual vouch sources.
  std::optional<SecretString> cosign_pw = CosignPasswordFromEnv();
  if (!cosign_pw) {
    Result<SecretString> pw = ObtainPassword(parsed, PasswordPurpose::kDecrypt, "cosign key " + file);
    if (!pw.ok()) {
      return Fail(pw.status());
    }
    cosign_pw = std::move(pw).value();
  }
  Result<std::unique_ptr<keys::Signer>> signer = keys::LoadSignerPem(pem->view(), *cosign_pw);
  if (!signer.ok()) {
    return Fail(signer.status().WithContext("cosign key " + file));
  }
  // The new key's password: VOUCH_PASSWORD, --password-file or a prompt (never COSIGN_PASSWORD).
  Result<SecretString> password =
      ObtainPassword(parsed, PasswordPurpose::kCreate, "new key " + prefix + ".key");
  if (!password.ok()) {
    return Fail(password.status());
  }
  Result<SecretString> out =
      keys::ExportEncryptedPem(**signer, *password, keys::InsecureSecretAccess::Get());
  if (!out.ok()) {
    return Fail(out.status());
  }
  if (Status st = WriteKeyPair(prefix, *out, (*signer)->PublicKey().ToPem(), force); !st.ok()) {
    return Fail(st);
  }
  return kExitOk;
}

int RunExportCosign(int argc, char** argv) {
  cxxopts::Options options =
      NewOptions("export-cosign", "write a key as a cosign encrypted key pair");
  options.add_options()("key", "key file or env://VAR", cxxopts::value<std::string>())(
      "output-key-prefix", "write PREFIX.key and PREFIX.pub",
      cxxopts::value<std::string>()->default_value("cosign"))(
      "force", "overwrite existing files")(
      "scrypt-n",
      "scrypt N for the cosign file: 65536 (default), 32768 (legacy readers) or 131072",
      cxxopts::value<uint64_t>()->default_value("65536"));
  AddPasswordOptions(options);
  cxxopts::ParseResult parsed = options.parse(argc, argv);
  if (WantsHelp(options, parsed)) {
    return kExitOk;
  }
  std::string spec = RequireKey(parsed);
  if (spec.empty()) {
    return UsageError("key export-cosign: --key is required");
  }
  const std::string prefix = parsed["output-key-prefix"].as<std::string>();
  const bool force = parsed.count("force") > 0;
  const uint64_t scrypt_n = parsed["scrypt-n"].as<uint64_t>();
  if (scrypt_n != 32768 && scrypt_n != 65536 && scrypt_n != 131072) {
    return UsageError("key export-cosign: --scrypt-n must be 32768, 65536 or 131072");
  }
  if (Status st = CheckOutputs(prefix, force); !st.ok()) {
    return Fail(st);
  }
  Result<SecretString> pem = keys::ReadKeySpec(spec);
  if (!pem.ok()) {
    return Fail(pem.status());
  }
  // The vouch key's own password (only when it is encrypted) doubles as the cosign password
  // unless COSIGN_PASSWORD is set.
  std::optional<SecretString> vouch_pw;
  if (keys::IsEncryptedPem(pem->view())) {
    Result<SecretString> pw = ObtainPassword(parsed, PasswordPurpose::kDecrypt, "key " + spec);
    if (!pw.ok()) {
      return Fail(pw.status());
    }
    vouch_pw = std::move(pw).value();
  }
  const SecretString no_password;
  Result<std::unique_ptr<keys::Signer>> signer =
      keys::LoadSignerPem(pem->view(), vouch_pw ? *vouch_pw : no_password);
  if (!signer.ok()) {
    return Fail(signer.status().WithContext("key " + spec));
  }
  std::optional<SecretString> cosign_pw = CosignPasswordFromEnv();
  if (!cosign_pw) {
    if (vouch_pw) {
      cosign_pw = std::move(vouch_pw);
    } else {
      Result<SecretString> pw =
          ObtainPassword(parsed, PasswordPurpose::kCreate, "cosign key " + prefix + ".key");
      if (!pw.ok()) {
        return Fail(pw.status());
      }
      cosign_pw = std::move(pw).value();
    }
  }
  Result<SecretString> out = keys::ExportCosignPem(**signer, *cosign_pw,
                                                   keys::InsecureSecretAccess::Get(), scrypt_n);
  if (!out.ok()) {
    return Fail(out.status());
  }
  if (Status st = WriteKeyPair(prefix, *out, (*signer)->PublicKey().ToPem(), force); !st.ok()) {
    return Fail(st);
  }
  return kExitOk;
}

}  // namespace

int RunKey(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kKeyUsage;
    return kExitUsage;
  }
  std::string_view sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kKeyUsage;
    return kExitOk;
  }
  // Shift so that cxxopts sees "generate [options]" as a normal command line.
  int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  if (sub == "generate") {
    return RunGenerate(sub_argc, sub_argv);
  }
  if (sub == "public") {
    return RunPublic(sub_argc, sub_argv);
  }
  if (sub == "info") {
    return RunInfo(sub_argc, sub_argv);
  }
  if (sub == "import-cosign") {
    return RunImportCosign(sub_argc, sub_argv);
  }
  if (sub == "export-cosign") {
    return RunExportCosign(sub_argc, sub_argv);
  }
  std::cerr << "vouch: unknown key command \"" << sub << "\"\n" << kKeyUsage;
  return kExitUsage;
}

}  // namespace vouch::cli
