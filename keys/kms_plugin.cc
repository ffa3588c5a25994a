// sigstore KMS CLI plugin client. Protocol: github.com/sigstore/sigstore,
// pkg/signature/kms/cliplugin (README.md, common/interface.go); see kms_plugin.h.
#include "vouch/keys/kms_plugin.h"

#include <time.h>

#include <cstdlib>
#include <utility>

#include "core/internal/json.h"
#include "vouch/core/duration.h"
#include "vouch/core/subprocess.h"

namespace vouch::keys {
namespace {

// A plugin's answer is a signature or a public key PEM, base64 in JSON: a few KiB at most.
constexpr size_t kMaxResponseSize = size_t{1} << 20;

// GoCryptoHash returns the number Go's crypto.Hash gives |alg| (crypto.SHA256 == 5, ...), which is
// how the protocol's "hashFunc" fields are encoded.
int GoCryptoHash(std::optional<HashAlgorithm> alg) {
  if (!alg) {
    return 0;  // crypto.Hash(0): no prehash (Ed25519)
  }
  switch (*alg) {
    case HashAlgorithm::kSha256:
      return 5;
    case HashAlgorithm::kSha384:
      return 6;
    case HashAlgorithm::kSha512:
      return 7;
  }
  return 0;
}

// Rfc3339 formats |t| as Go's time.Time marshals a UTC time ("2025-04-01T02:47:00Z").
std::string Rfc3339(std::chrono::system_clock::time_point t) {
  time_t secs = std::chrono::system_clock::to_time_t(t);
  tm parts{};
  gmtime_r(&secs, &parts);
  char buf[32];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return std::string(buf, n);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

Result<std::chrono::milliseconds> ResolveDeadline(const KmsPluginOptions& options) {
  if (options.deadline) {
    if (options.deadline->count() <= 0) {
      return InvalidArgumentError("the KMS plugin deadline must be positive");
    }
    return *options.deadline;
  }
  const char* env = std::getenv("VOUCH_KMS_PLUGIN_TIMEOUT");
  if (env == nullptr || *env == '\0') {
    return kDefaultKmsPluginDeadline;
  }
  Result<std::chrono::milliseconds> d = ParsePositiveMilliseconds(env);
  if (!d.ok()) {
    return d.status().WithContext("VOUCH_KMS_PLUGIN_TIMEOUT");
  }
  return *d;
}

// PluginClient runs one plugin for one key.
class PluginClient {
 public:
  PluginClient(KmsPluginRef ref, std::chrono::milliseconds deadline)
      : ref_(std::move(ref)), deadline_(deadline) {}

  // Invoke runs |method| with |args| and |stdin_data| and returns the response's |method| object.
  Result<Json> Invoke(const std::string& method, Json args, int hash_func,
                      ByteView stdin_data) const {
    std::string ctx_deadline = Rfc3339(std::chrono::system_clock::now() + deadline_);
    Json request = Json::object();
    request["initOptions"] = Json{
        {"protocolVersion", std::string(kKmsPluginProtocolVersion)},
        {"keyResourceID", ref_.key_id},
        {"hashFunc", hash_func},
        {"ctxDeadline", ctx_deadline},
        {"rpcOptions", Json{{"ctxDeadline", ctx_deadline}}},
    };
    request["methodName"] = method;
    request[method] = std::move(args);

    SubprocessOptions run;
    run.argv = {ref_.Executable(), std::string(kKmsPluginProtocolVersion), DumpJson(request)};
    run.stdin_data = stdin_data;
    run.max_stdout = kMaxResponseSize;
    run.deadline = deadline_;
    Result<SubprocessResult> result = RunSubprocess(run);
    if (!result.ok()) {
      const Status& s = result.status();
      switch (s.code()) {
        case ErrorCode::kNotFound:
          return FailedPreconditionError(
              "KMS plugin " + ref_.Executable() + " is not in PATH (key " + ref_.reference +
              " needs it; install the plugin or add its directory to PATH)");
        case ErrorCode::kPermissionDenied:
          return FailedPreconditionError(Who() + " cannot be run: " + s.message());
        case ErrorCode::kDeadlineExceeded:
          return DeadlineExceededError(Who() + ", " + method + ": " + s.message() +
                                       " (VOUCH_KMS_PLUGIN_TIMEOUT sets the deadline, now " +
                                       FormatDuration(deadline_) + ")");
        default:
          return UnavailableError(Who() + ", " + method + ": " + s.message());
      }
    }
    // The exit status is ignored, as sigstore does: the answer is what is on stdout.
    auto malformed = [&](const std::string& what) {
      std::string message = Who() + " answered " + method + " with " + what;
      std::string tail = StderrTail(result->stderr_data);
      if (!tail.empty()) {
        message += "; its stderr: " + tail;
      }
      return UnavailableError(message);
    };
    Result<Json> response = ParseJson(result->stdout_data, "KMS plugin response");
    if (!response.ok()) {
      return malformed(result->stdout_data.empty() ? "nothing on stdout"
                                                   : "output that is not JSON");
    }
    if (!response->is_object()) {
      return malformed("JSON that is not an object");
    }
    if (const Json* error = FindField(*response, "errorMessage"); error != nullptr) {
      if (!error->is_string() && !error->is_null()) {
        return malformed("an \"errorMessage\" that is not a string");
      }
      if (error->is_string() && !error->get<std::string>().empty()) {
        return UnavailableError(Who() + " failed (" + method +
                                "): " + StderrTail(error->get<std::string>()));
      }
    }
    const Json* body = FindField(*response, method);
    if (body == nullptr || !body->is_object()) {
      return malformed("no \"" + method + "\" object");
    }
    return *body;
  }

  // PublicKey runs "publicKey" and parses the PEM it returns.
  Result<Verifier> PublicKey() const {
    Json args = Json{{"publicKeyOptions", Json{{"rpcOptions", Json::object()}}}};
    // cosign loads KMS keys with SHA-256 as the hash; the key type is not known yet.
    VOUCH_ASSIGN_OR_RETURN(Json body, Invoke("publicKey", std::move(args), 5, {}));
    VOUCH_ASSIGN_OR_RETURN(Bytes pem, Base64Field(body, "publicKey", "publicKeyPEM"));
    std::string_view text = AsChars(pem);
    if (text.find("-----BEGIN PUBLIC KEY-----") == std::string_view::npos) {
      return UnavailableError(Who() +
                              " returned a publicKeyPEM that is not a PUBLIC KEY PEM block");
    }
    Result<Verifier> verifier = Verifier::FromPem(text);
    if (!verifier.ok()) {
      return verifier.status().WithContext("the public key of " + ref_.reference);
    }
    return verifier;
  }

  // SignMessage runs "signMessage": with |digest| (and empty stdin) when given, else with
  // |message| on stdin.
  Result<Bytes> SignMessage(ByteView message, const std::optional<Digest>& digest,
                            std::optional<HashAlgorithm> hash) const {
    Json message_options = Json{{"hashFunc", GoCryptoHash(hash)}};
    if (digest) {
      message_options["digest"] = Base64Encode(digest->bytes());
    }
    Json args = Json{{"signOptions", Json{{"rpcOptions", Json::object()},
                                          {"messageOptions", std::move(message_options)}}}};
    VOUCH_ASSIGN_OR_RETURN(Json body, Invoke("signMessage", std::move(args), GoCryptoHash(hash),
                                             digest ? ByteView() : message));
    return Base64Field(body, "signMessage", "signature");
  }

  std::string Who() const {
    return "KMS plugin " + ref_.Executable() + " (" + ref_.reference + ")";
  }

 private:
  Result<Bytes> Base64Field(const Json& body, const std::string& method,
                            const std::string& field) const {
    const Json* value = FindField(body, field);
    if (value == nullptr || !value->is_string()) {
      return UnavailableError(Who() + " answered " + method + " without a \"" + field +
                              "\" string");
    }
    Result<Bytes> bytes = Base64Decode(value->get<std::string>());
    if (!bytes.ok() || bytes->empty()) {
      return UnavailableError(Who() + " answered " + method + " with a \"" + field +
                              "\" that is not non-empty base64");
    }
    return bytes;
  }

  KmsPluginRef ref_;
  std::chrono::milliseconds deadline_;
};

class KmsPluginSigner final : public Signer {
 public:
  KmsPluginSigner(PluginClient client, Verifier pub)
      : client_(std::move(client)), pub_(std::move(pub)) {}

  KeyAlgorithm algorithm() const override { return pub_.algorithm(); }
  const Verifier& PublicKey() const override { return pub_; }

  Result<Bytes> Sign(ByteView message) const override {
    std::optional<HashAlgorithm> hash = Hash();
    VOUCH_ASSIGN_OR_RETURN(Bytes sig, client_.SignMessage(message, std::nullopt, hash));
    VOUCH_RETURN_IF_ERROR(Checked(pub_.Verify(sig, message)));
    return sig;
  }

  Result<Bytes> SignDigest(const Digest& digest) const override {
    std::optional<HashAlgorithm> hash = Hash();
    if (!hash) {
      return InvalidArgumentError("Ed25519 keys sign the message itself, not a digest");
    }
    if (digest.algorithm() != *hash) {
      return InvalidArgumentError("a " + std::string(KeyAlgorithmName(algorithm())) +
                                  " key signs " + std::string(HashAlgorithmName(*hash)) +
                                  " digests, not " +
                                  std::string(HashAlgorithmName(digest.algorithm())));
    }
    VOUCH_ASSIGN_OR_RETURN(Bytes sig, client_.SignMessage({}, digest, hash));
    VOUCH_RETURN_IF_ERROR(Checked(pub_.VerifyDigest(sig, digest)));
    return sig;
  }

  Result<Bytes> SignSource(ByteSource& source) const override {
    std::optional<HashAlgorithm> hash = Hash();
    if (!hash) {
      std::optional<ByteView> mapped = source.Map();
      if (!mapped) {
        return InvalidArgumentError(
            "Ed25519 signs the whole message at once and " + source.Name() +
            " cannot be memory-mapped (a pipe or stdin?): pass a regular file");
      }
      return Sign(*mapped);
    }
    // Hash here and send only the digest: a 1 GiB blob never goes through the pipe.
    VOUCH_ASSIGN_OR_RETURN(Digest digest, HashSource(source, *hash));
    return SignDigest(digest);
  }

 private:
  std::optional<HashAlgorithm> Hash() const {
    return PrehashAlgorithm(algorithm(), SignatureScheme::kDefault);
  }

  // Checked turns a signature that does not verify into an operational error: the plugin, not
  // the caller's input, is at fault.
  Status Checked(const Status& verified) const {
    if (verified.ok()) {
      return verified;
    }
    if (IsVerificationFailed(verified)) {
      return UnavailableError(client_.Who() +
                              " returned a signature that does not verify under the key's public "
                              "key (a misbehaving plugin, or a key that changed since it was "
                              "opened): " +
                              verified.message());
    }
    return verified;
  }

  PluginClient client_;
  Verifier pub_;
};

}  // namespace

std::optional<KmsPluginRef> ParseKmsPluginRef(std::string_view spec) {
  size_t sep = spec.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return std::nullopt;
  }
  std::string_view name = spec.substr(0, sep);
  if (name == "env") {
    return std::nullopt;
  }
  if (!IsNameChar(name[0]) || name[0] == '-' || name[0] == '_' || name[0] == '.') {
    return std::nullopt;
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return std::nullopt;
    }
  }
  KmsPluginRef ref;
  ref.name = std::string(name);
  ref.key_id = std::string(spec.substr(sep + 3));
  ref.reference = std::string(spec);
  return ref;
}

Result<std::unique_ptr<Signer>> OpenKmsPluginSigner(const KmsPluginRef& ref,
                                                    const KmsPluginOptions& options) {
  VOUCH_ASSIGN_OR_RETURN(std::chrono::milliseconds deadline, ResolveDeadline(options));
  PluginClient client(ref, deadline);
  VOUCH_ASSIGN_OR_RETURN(Verifier pub, client.PublicKey());
  return std::unique_ptr<Signer>(new KmsPluginSigner(std::move(client), std::move(pub)));
}

Result<Verifier> KmsPluginPublicKey(const KmsPluginRef& ref, const KmsPluginOptions& options) {
  VOUCH_ASSIGN_OR_RETURN(std::chrono::milliseconds deadline, ResolveDeadline(options));
  return PluginClient(ref, deadline).PublicKey();
}

}  // namespace vouch::keys
