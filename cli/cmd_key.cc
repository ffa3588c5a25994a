// `vouch key generate|public|info|import-cosign|export-cosign`.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "command.h"
#include "commands.h"
#include "exit_code.h"
#include "key_flags.h"
#include "output.h"
#include "vouch/core/digest.h"
#include "vouch/core/file.h"
#include "vouch/core/log.h"
#include "vouch/keys/key_pair_files.h"
#include "vouch/keys/key_ref.h"
#include "vouch/keys/keys.h"
#include "vouch/keys/pkcs11.h"

namespace vouch::cli {
namespace {

constexpr std::string_view kKeyUsage =
    "usage: vouch key <generate|public|info|import-cosign|export-cosign> [options]\n"
    "  generate       make a key pair: PREFIX.key (encrypted PKCS#8, 0600) and PREFIX.pub,\n"
    "                 or with --pkcs11 URI on a token (PREFIX.pub only)\n"
    "  public         print the public key of --key\n"
    "  info           print key id, algorithm and type of --key\n"
    "  import-cosign  convert a cosign encrypted key into a vouch key pair\n"
    "  export-cosign  write --key as a cosign encrypted key pair\n";

// KeyCommand is a `vouch key` subcommand reading --key (a key file or env://VAR), with the
// password flags for an encrypted key.
Command KeyCommand(const std::string& sub, const std::string& summary) {
  Command cmd("key " + sub, summary);
  cmd.Value("key", "key file, env://VAR, pkcs11: URI or NAME://ID (KMS plugin)").Require({"key"}).With({AddPasswordOptions});
  return cmd;
}

// KeyOutput is where a subcommand writes its key pair: PREFIX.key and PREFIX.pub.
struct KeyOutput {
  std::string prefix;
  bool force = false;
};

// AddKeyOutputFlags registers --output-key-prefix (default |prefix|), --force and --output.
Command& AddKeyOutputFlags(Command& cmd, const std::string& prefix) {
  return cmd.Value("output-key-prefix", "write PREFIX.key and PREFIX.pub", prefix)
      .Flag("force", "overwrite existing files")
      .OutputFlag("text or json: the files written and the key (docs/output.md)");
}

// CheckedKeyOutput reads the output flags and checks that neither output exists (unless
// --force) before any work is done, so a refused run writes nothing.
Result<KeyOutput> CheckedKeyOutput(const Args& args) {
  KeyOutput out{args.Get("output-key-prefix"), args.Has("force")};
  if (out.prefix.empty()) {
    return InvalidArgumentError("--output-key-prefix must not be empty");
  }
  // An interrupted earlier write is explained before any password is asked for.
  VOUCH_RETURN_IF_ERROR(keys::CheckKeyPairLeftovers(out.prefix));
  if (out.force) {
    return out;
  }
  for (const std::string& path : {out.prefix + ".key", out.prefix + ".pub"}) {
    if (PathExists(path)) {
      return AlreadyExistsError(path + " already exists; pass --force to overwrite");
    }
  }
  return out;
}

// PrintWritten prints, with --output json, the key files written and the key they hold
// (docs/output.md, "key"). |private_key| is "" when the private key stays on a token.
void PrintWritten(const Args& args, const std::string& private_key, const std::string& public_key,
                  const keys::Verifier& key) {
  if (!args.json()) {
    return;
  }
  OutputJson doc = NewDocument();
  doc["privateKey"] = private_key.empty() ? OutputJson(nullptr) : OutputJson(private_key);
  doc["publicKey"] = public_key;
  doc["key"] = KeySignerJson(key);
  PrintDocument(doc);
}

// WriteKeyPair writes PREFIX.key (0600) and PREFIX.pub as one unit (keys::WriteKeyPairFiles),
// refusing to replace them without --force.
Status WriteKeyPair(const Args& args, const KeyOutput& out, const SecretString& key_pem,
                    const keys::Signer& key) {
  VOUCH_RETURN_IF_ERROR(keys::WriteKeyPairFiles(out.prefix, AsBytes(key_pem.view()),
                                                AsBytes(key.PublicKey().ToPem()), out.force));
  log::Info("wrote " + out.prefix + ".key and " + out.prefix + ".pub");
  PrintWritten(args, out.prefix + ".key", out.prefix + ".pub", key.PublicKey());
  return OkStatus();
}

// WriteVouchKeyPair writes |key| as a vouch key pair, the private key encrypted (PKCS#8) under
// |password| (NewKeyPassword).
Status WriteVouchKeyPair(const Args& args, const KeyOutput& out, const keys::Signer& key,
                         const SecretString& password) {
  VOUCH_ASSIGN_OR_RETURN(
      SecretString pem, keys::ExportEncryptedPem(key, password, keys::InsecureSecretAccess::Get()));
  return WriteKeyPair(args, out, pem, key);
}

// NewKeyPassword obtains the password of the new key PREFIX.key: --password-file,
// VOUCH_PASSWORD or a prompt asked twice (never COSIGN_PASSWORD).
Result<SecretString> NewKeyPassword(const Args& args, const KeyOutput& out) {
  return ObtainPassword(args.parsed(), PasswordPurpose::kCreate, "new key " + out.prefix + ".key");
}

// CosignPassword returns COSIGN_PASSWORD when set (even empty), else nullopt.
std::optional<SecretString> CosignPasswordFromEnv() {
  if (const char* v = std::getenv("COSIGN_PASSWORD"); v != nullptr) {
    return SecretString(std::string(v));
  }
  return std::nullopt;
}

// GenerateOnToken makes the key pair on the PKCS#11 token |uri| names and writes only PREFIX.pub:
// the private key never leaves the token, and the URI is how commands reach it.
Status GenerateOnToken(const Args& args, keys::KeyAlgorithm alg, const std::string& uri) {
  KeyOutput out{args.Get("output-key-prefix"), args.Has("force")};
  const std::string pub = out.prefix + ".pub";
  if (!out.force && PathExists(pub)) {
    return AlreadyExistsError(pub + " already exists; pass --force to overwrite");
  }
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<keys::Signer> signer, keys::GeneratePkcs11Key(uri, alg));
  const WriteMode mode = out.force ? WriteMode::kOverwrite : WriteMode::kCreateNew;
  VOUCH_RETURN_IF_ERROR(
      WriteFileAtomic(pub, AsBytes(signer->PublicKey().ToPem()), 0644, mode));
  log::Info("made a key pair (" + std::string(keys::KeyAlgorithmName(alg)) +
            ") on the token; wrote " + pub + " (key id " + signer->PublicKey().KeyId() + ")");
  PrintWritten(args, "", pub, signer->PublicKey());
  return OkStatus();
}

Status Generate(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(keys::KeyAlgorithm alg, keys::ParseKeyAlgorithm(args.Get("algorithm")));
  if (args.Has("pkcs11")) {
    return GenerateOnToken(args, alg, args.Get("pkcs11"));
  }
  VOUCH_ASSIGN_OR_RETURN(KeyOutput out, CheckedKeyOutput(args));
  VOUCH_ASSIGN_OR_RETURN(SecretString password, NewKeyPassword(args, out));
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<keys::Signer> signer, keys::Generate(alg));
  return WriteVouchKeyPair(args, out, *signer, password);
}

Status PrintPublic(const Args& args) {
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier v, LoadVerifier(args.parsed(), args.Get("key")));
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["key"] = KeySignerJson(v);
    doc["pem"] = v.ToPem();
    PrintDocument(doc);
    return OkStatus();
  }
  std::cout << v.ToPem();
  return OkStatus();
}

// IsPrivateKeyRef reports whether |spec| names a private key: a token or plugin key always does
// (only its public half is read here); a file or env://VAR does when it holds a private key PEM.
Result<bool> IsPrivateKeyRef(const std::string& spec) {
  const keys::KeyRefKind kind = keys::ClassifyKeyRef(spec);
  if (kind == keys::KeyRefKind::kPkcs11 || kind == keys::KeyRefKind::kKmsPlugin) {
    return true;
  }
  VOUCH_ASSIGN_OR_RETURN(SecretString pem, keys::ReadKeySpec(spec));
  return keys::IsPrivateKeyPem(pem.view());
}

Status PrintInfo(const Args& args) {
  const std::string spec = args.Get("key");
  VOUCH_ASSIGN_OR_RETURN(keys::Verifier v, LoadVerifier(args.parsed(), spec));
  VOUCH_ASSIGN_OR_RETURN(bool is_private, IsPrivateKeyRef(spec));
  const std::string hint = Base64Encode(Digest::Of(v.SpkiDer()).bytes());
  const std::string_view type = is_private ? "private" : "public";
  const std::string_view source = keys::KeyRefKindName(keys::ClassifyKeyRef(spec));
  if (args.json()) {
    OutputJson doc = NewDocument();
    doc["keyId"] = v.KeyId();
    doc["algorithm"] = keys::KeyAlgorithmName(v.algorithm());
    doc["type"] = type;
    doc["source"] = source;
    doc["sigstoreHint"] = hint;
    PrintDocument(doc);
  } else {
    std::cout << "key id:        " << v.KeyId() << "\n"
              << "algorithm:     " << keys::KeyAlgorithmName(v.algorithm()) << "\n"
              << "type:          " << type << "\n"
              << "source:        " << source << "\n"
              << "sigstore hint: " << hint << "\n";
  }
  return OkStatus();
}

Status ImportCosign(const Args& args) {
  const std::string file = args.positional(0);
  VOUCH_ASSIGN_OR_RETURN(KeyOutput out, CheckedKeyOutput(args));
  VOUCH_ASSIGN_OR_RETURN(SecretString pem, keys::ReadKeySpec(file));
  if (!keys::IsCosignPem(pem.view())) {
    return InvalidArgumentError(
        file +
        " is not a cosign key (expected ENCRYPTED SIGSTORE PRIVATE KEY or ENCRYPTED "
        "COSIGN PRIVATE KEY)");
  }
  // The cosign password: COSIGN_PASSWORD, else the usual vouch sources.
  std::optional<SecretString> cosign_pw = CosignPasswordFromEnv();
  if (!cosign_pw) {
    VOUCH_ASSIGN_OR_RETURN(
        cosign_pw, ObtainPassword(args.parsed(), PasswordPurpose::kDecrypt, "cosign key " + file));
  }
  Result<std::unique_ptr<keys::Signer>> signer = keys::LoadSignerPem(pem.view(), *cosign_pw);
  if (!signer.ok()) {
    return signer.status().WithContext("cosign key " + file);
  }
  VOUCH_ASSIGN_OR_RETURN(SecretString password, NewKeyPassword(args, out));
  return WriteVouchKeyPair(args, out, **signer, password);
}

Status ExportCosign(const Args& args) {
  const std::string spec = args.Get("key");
  VOUCH_ASSIGN_OR_RETURN(KeyOutput out, CheckedKeyOutput(args));
  VOUCH_ASSIGN_OR_RETURN(SecretString pem, keys::ReadKeySpec(spec));
  // The vouch key's own password (only when it is encrypted) doubles as the cosign password
  // unless COSIGN_PASSWORD is set.
  std::optional<SecretString> vouch_pw;
  if (keys::IsEncryptedPem(pem.view())) {
    VOUCH_ASSIGN_OR_RETURN(vouch_pw,
                           ObtainPassword(args.parsed(), PasswordPurpose::kDecrypt, "key " + spec));
  }
  const SecretString no_password;
  Result<std::unique_ptr<keys::Signer>> signer =
      keys::LoadSignerPem(pem.view(), vouch_pw ? *vouch_pw : no_password);
  if (!signer.ok()) {
    return signer.status().WithContext("key " + spec);
  }
  std::optional<SecretString> cosign_pw = CosignPasswordFromEnv();
  if (!cosign_pw && vouch_pw) {
    cosign_pw = std::move(vouch_pw);
  } else if (!cosign_pw) {
    VOUCH_ASSIGN_OR_RETURN(cosign_pw, ObtainPassword(args.parsed(), PasswordPurpose::kCreate,
                                                     "cosign key " + out.prefix + ".key"));
  }
  VOUCH_ASSIGN_OR_RETURN(
      SecretString cosign_pem,
      keys::ExportCosignPem(**signer, *cosign_pw, keys::InsecureSecretAccess::Get(),
                            static_cast<uint64_t>(args.As<int>("scrypt-n"))));
  return WriteKeyPair(args, out, cosign_pem, **signer);
}

int RunGenerate(int argc, char** argv) {
  Command cmd("key generate", "make a new signing key pair");
  cmd.Value("algorithm", "ecdsa-p256 (default), ecdsa-p384, ed25519, rsa-3072 or rsa-4096",
            "ecdsa-p256")
      .Value("pkcs11",
             "make the key pair on the PKCS#11 token URI names (pkcs11:token=…;object=…); "
             "writes only PREFIX.pub")
      .With({AddPasswordOptions});
  return AddKeyOutputFlags(cmd, "vouch").Run(argc, argv, Generate);
}

int RunPublic(int argc, char** argv) {
  return KeyCommand("public", "print the public key PEM of a key")
      .OutputFlag("text (the PEM) or json")
      .Run(argc, argv, PrintPublic);
}

int RunInfo(int argc, char** argv) {
  return KeyCommand("info", "print a key's id, algorithm and type")
      .OutputFlag("text (default) or json")
      .Run(argc, argv, PrintInfo);
}

int RunImportCosign(int argc, char** argv) {
  Command cmd("key import-cosign", "convert a cosign encrypted key (cosign.key) into a vouch key");
  cmd.Positional({"COSIGN_KEY"}).With({AddPasswordOptions});
  return AddKeyOutputFlags(cmd, "vouch").Run(argc, argv, ImportCosign);
}

int RunExportCosign(int argc, char** argv) {
  Command cmd = KeyCommand("export-cosign", "write a key as a cosign encrypted key pair");
  cmd.Int("scrypt-n",
          "scrypt N for the cosign file: 65536 (default), 32768 (legacy readers) or 131072", 65536);
  return AddKeyOutputFlags(cmd, "cosign").Run(argc, argv, [](const Args& args) {
    const int n = args.As<int>("scrypt-n");
    if (n != 32768 && n != 65536 && n != 131072) {
      return UsageError("key export-cosign: --scrypt-n must be 32768, 65536 or 131072");
    }
    return Finish(ExportCosign(args));
  });
}

constexpr Subcommand kKeyCommands[] = {
    {"generate", RunGenerate},
    {"public", RunPublic},
    {"info", RunInfo},
    {"import-cosign", RunImportCosign},
    {"export-cosign", RunExportCosign},
};

}  // namespace

int RunKey(int argc, char** argv) {
  return RunSubcommand("key", kKeyUsage, kKeyCommands, argc, argv);
}

}  // namespace vouch::cli
