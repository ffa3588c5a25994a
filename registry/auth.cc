// WWW-Authenticate parsing (RFC 7235 section 2.1 / 4.1) and docker config credentials
// (formats.md 1.11; docker-credential-helpers protocol).
#include "vouch/registry/auth.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/internal/json.h"
#include "header_lexer.h"
#include "vouch/core/file.h"
#include "vouch/core/subprocess.h"
#include "vouch/registry/reference.h"

namespace vouch::registry {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

class ChallengeParser : private internal::HeaderLexer {
 public:
  explicit ChallengeParser(std::string_view s) : HeaderLexer(s) {}

  Status Parse(std::vector<Challenge>& out) {
    SkipListSeparators();
    while (pos_ < s_.size()) {
      std::string scheme = Token();
      if (scheme.empty()) {
        return Error("expected an auth scheme");
      }
      Challenge ch;
      ch.scheme = Lower(scheme);
      size_t spaces = SkipSpaces();
      // Parameters follow when something other than ',' comes after at least one space.
      if (spaces > 0 && pos_ < s_.size() && s_[pos_] != ',') {
        VOUCH_RETURN_IF_ERROR(Params(ch));
      }
      out.push_back(std::move(ch));
      SkipListSeparators();
    }
    return OkStatus();
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError("malformed WWW-Authenticate header at offset " +
                                std::to_string(pos_) + ": " + what);
  }
  Result<std::string> QuotedValue() {
    std::optional<std::string> value = Quoted();
    if (!value) {
      return Error("unterminated quoted string");
    }
    return std::move(*value);
  }
  // Params parses auth-param *( OWS "," OWS auth-param ) or a token68. It stops before the next
  // challenge (a token followed by a space and not by '=').
  Status Params(Challenge& ch) {
    size_t save = pos_;
    std::string name = Token();
    SkipSpaces();
    // "name=value" is a parameter; "abc==" (padding, then end or ',') is a token68.
    bool param = !name.empty() && pos_ < s_.size() && s_[pos_] == '=' &&
                 pos_ + 1 < s_.size() && s_[pos_ + 1] != '=' && s_[pos_ + 1] != ',';
    if (!param) {
      // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 9110
      // section 11.2), then the end of the challenge. A looser reading ("=x=y") let a value
      // parse that, written back after another challenge, reads as a parameter instead.
      pos_ = save;
      size_t start = pos_;
      auto token68_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("-._~+/").find(c) != std::string_view::npos;
      };
      while (pos_ < s_.size() && token68_char(s_[pos_])) {
        ++pos_;
      }
      if (pos_ == start) {
        return Error("expected a parameter");
      }
      while (pos_ < s_.size() && s_[pos_] == '=') {
        ++pos_;
      }
      if (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != ',') {
        return Error("malformed token68");
      }
      ch.params[""] = std::string(s_.substr(start, pos_ - start));
      return OkStatus();
    }
    pos_ = save;
    while (true) {
      SkipSpaces();
      size_t before = pos_;
      std::string key = Token();
      SkipSpaces();
      if (key.empty() || pos_ >= s_.size() || s_[pos_] != '=') {
        // Not a parameter: the start of the next challenge.
        pos_ = before;
        return key.empty() && pos_ < s_.size() && s_[pos_] != ','
                   ? Error("expected a parameter name")
                   : OkStatus();
      }
      ++pos_;  // '='
      SkipSpaces();
      std::string value;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        VOUCH_ASSIGN_OR_RETURN(value, QuotedValue());
      } else {
        value = Token();
        if (value.empty()) {
          return Error("expected a value for \"" + key + "\"");
        }
      }
      ch.params[Lower(key)] = std::move(value);
      SkipSpaces();
      if (pos_ >= s_.size()) {
        return OkStatus();
      }
      if (s_[pos_] != ',') {
        return Error("expected ','");
      }
      // Skip the comma(s); if a new challenge follows (token then space), stop.
      while (pos_ < s_.size() && (s_[pos_] == ',' || s_[pos_] == ' ' || s_[pos_] == '\t')) {
        ++pos_;
      }
      size_t look = pos_;
      Token();
      size_t after_token = pos_;
      SkipSpaces();
      bool next_is_param = pos_ < s_.size() && s_[pos_] == '=';
      bool is_scheme = !next_is_param && after_token > look;
      pos_ = look;
      if (is_scheme || pos_ >= s_.size()) {
        return OkStatus();
      }
    }
  }
};

// --- docker config -----------------------------------------------------------------------------

std::string HomeDir() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? home : "";
}

// DockerConfigFile is the file docker itself reads and writes.
std::string DockerConfigFile() {
  if (const char* d = std::getenv("DOCKER_CONFIG"); d != nullptr && *d != '\0') {
    return std::string(d) + "/config.json";
  }
  return HomeDir() + "/.docker/config.json";
}

bool IsDockerHub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

// kHelperDeadline bounds one credential helper run: a helper that waits on a locked keychain or
// a network call must not hang vouch forever.
constexpr std::chrono::seconds kHelperDeadline{30};

// RunHelper runs `docker-credential-<name> <verb>` with |input| on stdin: the one place vouch
// starts a credential helper (get, store, erase). Returns how it finished (exit code, or 128 + N
// when killed by signal N) and its output (stdout at most 64 KiB: more is an error).
Result<SubprocessResult> RunHelper(const std::string& name, const char* verb, ByteView input) {
  SubprocessOptions options;
  options.argv = {"docker-credential-" + name, verb};
  options.stdin_data = input;
  options.max_stdout = 64u << 10;
  options.deadline = kHelperDeadline;
  Result<SubprocessResult> run = RunSubprocess(options);
  if (!run.ok()) {
    if (run.status().code() == ErrorCode::kDeadlineExceeded) {
      return run.status().WithContext("credential helper");
    }
    return UnavailableError("cannot run credential helper: " + run.status().message());
  }
  if (!run->exited()) {
    run->exit_code = 128 + run->term_signal;
  }
  return std::move(run).value();
}

// HelperFailure describes a helper run that did not succeed. docker-credential-helpers print
// their errors on stdout, others on stderr: the message quotes stderr, else stdout (never for
// `get`, whose stdout would be credentials), with |secret| masked should a helper echo it.
Status HelperFailure(const std::string& name, const char* verb, const SubprocessResult& run,
                     std::string_view secret = {}, bool quote_stdout = true) {
  std::string said = StderrTail(run.stderr_data);
  if (said.empty() && quote_stdout) {
    said = StderrTail(run.stdout_data);
  }
  if (!secret.empty()) {
    for (size_t at = said.find(secret); at != std::string::npos; at = said.find(secret, at)) {
      said.replace(at, secret.size(), "***");
    }
  }
  return UnavailableError("credential helper docker-credential-" + name + " " + verb +
                          " failed (exit " + std::to_string(run.exit_code) + ")" +
                          (said.empty() ? "" : ": " + said));
}

bool SaysNotFound(const SubprocessResult& run) {
  return run.stdout_data.find("credentials not found") != std::string::npos ||
         run.stderr_data.find("credentials not found") != std::string::npos;
}

// HelperServer is the ServerURL a helper files |host| under: what docker login passes.
std::string HelperServer(std::string_view host) {
  return IsDockerHub(host) ? "https://index.docker.io/v1/" : std::string(host);
}

// HelperFor returns the helper docker uses for |host| in the config |j|: credHelpers[host],
// else credsStore, else "" (the plaintext "auths").
template <class J>
std::string HelperFor(const J& j, std::string_view host) {
  if (!j.is_object()) {
    return "";
  }
  if (auto helpers = j.find("credHelpers"); helpers != j.end() && helpers->is_object()) {
    for (const auto& [key, value] : helpers->items()) {
      if (NormalizeAuthKey(key) == host && value.is_string()) {
        return value.template get<std::string>();
      }
    }
  }
  if (auto store = j.find("credsStore"); store != j.end() && store->is_string()) {
    return store->template get<std::string>();
  }
  return "";
}

Result<std::optional<Credentials>> FromHelper(const std::string& helper, std::string_view host) {
  std::string server = HelperServer(host);
  VOUCH_ASSIGN_OR_RETURN(SubprocessResult run, RunHelper(helper, "get", AsBytes(server)));
  if (!run.success()) {
    if (SaysNotFound(run)) {
      return std::optional<Credentials>();
    }
    return HelperFailure(helper, "get", run, {}, /*quote_stdout=*/false);
  }
  auto j = ParseJson(run.stdout_data, "credential helper output");
  SecureWipe(run.stdout_data.data(), run.stdout_data.size());
  if (!j.ok()) {
    return UnavailableError("credential helper docker-credential-" + helper +
                            " printed malformed output");
  }
  Credentials c;
  auto user = OptString(*j, "Username", "helper");
  auto secret = OptString(*j, "Secret", "helper");
  if (!user.ok() || !secret.ok()) {
    return UnavailableError("credential helper output has wrong field types");
  }
  std::string u = user->value_or("");
  if (u == "<token>") {
    c.identity_token = SecretString(secret->value_or(""));
  } else {
    c.username = u;
    c.password = SecretString(secret->value_or(""));
  }
  return std::optional<Credentials>(std::move(c));
}

Result<std::optional<Credentials>> FromAuthEntry(const Json& entry, const std::string& where) {
  Credentials c;
  auto field = [&](const char* name) -> Result<std::string> {
    auto v = OptString(entry, name, where);
    if (!v.ok()) {
      return v.status();
    }
    return v->value_or("");
  };
  VOUCH_ASSIGN_OR_RETURN(std::string auth, field("auth"));
  if (!auth.empty()) {
    auto decoded = Base64Decode(auth);
    if (!decoded.ok()) {
      return InvalidArgumentError(where + ": \"auth\" is not base64");
    }
    std::string s = ToString(*decoded);
    SecureWipe(decoded->data(), decoded->size());
    size_t colon = s.find(':');  // split at the first ':' (passwords may contain ':')
    if (colon == std::string::npos) {
      SecureWipe(s.data(), s.size());
      return InvalidArgumentError(where + ": \"auth\" is not user:password");
    }
    c.username = s.substr(0, colon);
    c.password = SecretString(s.substr(colon + 1));
    SecureWipe(s.data(), s.size());
  }
  VOUCH_ASSIGN_OR_RETURN(std::string user, field("username"));
  VOUCH_ASSIGN_OR_RETURN(std::string pass, field("password"));
  if (c.username.empty() && !user.empty()) {
    c.username = user;
    c.password = SecretString(pass);
  }
  VOUCH_ASSIGN_OR_RETURN(std::string identity, field("identitytoken"));
  VOUCH_ASSIGN_OR_RETURN(std::string regtoken, field("registrytoken"));
  c.identity_token = SecretString(identity);
  c.registry_token = SecretString(regtoken);
  if (c.empty()) {
    return std::optional<Credentials>();
  }
  return std::optional<Credentials>(std::move(c));
}

class DockerConfigStore final : public CredentialStore {
 public:
  explicit DockerConfigStore(std::vector<std::string> paths) : paths_(std::move(paths)) {}

  Result<std::optional<Credentials>> Lookup(std::string_view registry) const override {
    std::string host = NormalizeAuthKey(registry);
    for (const std::string& path : paths_) {
      if (!PathExists(path)) {
        continue;
      }
      auto data = ReadFile(path, 1 << 20);
      if (!data.ok()) {
        return data.status().WithContext("reading " + path);
      }
      auto j = ParseJson(AsChars(*data), path);
      SecureWipe(data->data(), data->size());
      if (!j.ok()) {
        return j.status();
      }
      // credHelpers[host], else credsStore, else auths[host] (docker CLI semantics).
      if (std::string helper = HelperFor(*j, host); !helper.empty()) {
        return FromHelper(helper, host);
      }
      if (const Json* auths = FindField(*j, "auths"); auths && auths->is_object()) {
        for (const auto& [key, value] : auths->items()) {
          if (NormalizeAuthKey(key) == host) {
            return FromAuthEntry(value, path + " auths[\"" + key + "\"]");
          }
        }
      }
    }
    return std::optional<Credentials>();
  }

 private:
  std::vector<std::string> paths_;
};

class StaticStore final : public CredentialStore {
 public:
  StaticStore(std::string registry, Credentials c)
      : registry_(NormalizeAuthKey(registry)), creds_(std::move(c)) {}
  Result<std::optional<Credentials>> Lookup(std::string_view registry) const override {
    if (NormalizeAuthKey(registry) != registry_) {
      return std::optional<Credentials>();
    }
    return std::optional<Credentials>(creds_.Clone());
  }

 private:
  std::string registry_;
  Credentials creds_;
};

Result<OrderedJson> ReadConfigForUpdate(const std::string& path) {
  if (!PathExists(path)) {
    return OrderedJson::object();
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes data, ReadFile(path, 1 << 20));
  auto j = ParseOrderedJson(AsChars(data), path);
  SecureWipe(data.data(), data.size());
  if (!j.ok()) {
    return j.status();
  }
  if (!j->is_object()) {
    return InvalidArgumentError(path + " is not a JSON object");
  }
  return std::move(j).value();
}

Status WriteConfig(const std::string& path, const OrderedJson& j) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (!PathExists(dir) && mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, "creating " + dir);
    }
  }
  std::string text = DumpJsonPretty(j) + "\n";
  Status s = WriteFileAtomic(path, AsBytes(text), 0600, WriteMode::kOverwrite);
  SecureWipe(text.data(), text.size());
  return s;
}

// AuthKeyFor returns the key docker writes for |host| (Docker Hub's is the v1 URL).
std::string AuthKeyFor(std::string_view host) {
  return IsDockerHub(host) ? "https://index.docker.io/v1/" : std::string(host);
}

// EraseAuthEntries removes every spelling of |host| from "auths" (creating an empty "auths"
// when absent) and reports whether there was one.
bool EraseAuthEntries(OrderedJson& j, const std::string& host) {
  if (!j.contains("auths") || !j["auths"].is_object()) {
    j["auths"] = OrderedJson::object();
  }
  std::vector<std::string> keys;
  for (const auto& [key, value] : j["auths"].items()) {
    if (NormalizeAuthKey(key) == host) {
      keys.push_back(key);
    }
  }
  for (const auto& key : keys) {
    j["auths"].erase(key);
  }
  return !keys.empty();
}

// StoreInHelper runs `docker-credential-NAME store` with the docker protocol's JSON on stdin.
Status StoreInHelper(const std::string& helper, const std::string& host,
                     std::string_view username, std::string_view password) {
  OrderedJson in{{"ServerURL", HelperServer(host)},
                 {"Username", std::string(username)},
                 {"Secret", std::string(password)}};
  std::string text = DumpJson(in);
  std::string& secret = in["Secret"].get_ref<std::string&>();
  SecureWipe(secret.data(), secret.size());
  Result<SubprocessResult> run = RunHelper(helper, "store", AsBytes(text));
  SecureWipe(text.data(), text.size());
  if (!run.ok()) {
    return run.status();
  }
  return run->success() ? OkStatus() : HelperFailure(helper, "store", *run, password);
}

}  // namespace

std::string Challenge::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

Result<std::vector<Challenge>> ParseChallenges(const std::vector<std::string>& values) {
  std::vector<Challenge> out;
  for (const std::string& v : values) {
    if (v.size() > 16384) {
      return InvalidArgumentError("WWW-Authenticate header too long");
    }
    ChallengeParser p(v);
    VOUCH_RETURN_IF_ERROR(p.Parse(out));
  }
  return out;
}

Credentials Credentials::Clone() const {
  Credentials c;
  c.username = username;
  c.password = password.Clone();
  c.identity_token = identity_token.Clone();
  c.registry_token = registry_token.Clone();
  return c;
}

std::string NormalizeAuthKey(std::string_view key) {
  std::string_view k = key;
  if (size_t p = k.find("://"); p != std::string_view::npos) {
    k = k.substr(p + 3);
  }
  if (size_t p = k.find('/'); p != std::string_view::npos) {
    k = k.substr(0, p);
  }
  std::string out = Lower(k);
  if (IsDockerHub(out)) {
    return std::string(kDockerHubDomain);
  }
  return out;
}

std::vector<std::string> DockerConfigPaths() {
  // containers-auth.json(5): the primary file (or the explicit override), then the user's
  // config directory, then docker's file. ~/.dockercfg (pre-1.7 docker) is not read.
  std::vector<std::string> out;
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f != nullptr && *f != '\0') {
    out.emplace_back(f);
  } else if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run != nullptr && *run != '\0') {
    out.push_back(std::string(run) + "/containers/auth.json");
  }
  if (std::string cfg = XdgBaseDir("XDG_CONFIG_HOME", ".config"); !cfg.empty()) {
    out.push_back(cfg + "/containers/auth.json");
  }
  out.push_back(DockerConfigFile());
  return out;
}

std::string DockerConfigWritePath() {
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f != nullptr && *f != '\0') {
    return f;
  }
  return DockerConfigFile();
}

std::unique_ptr<CredentialStore> NewDockerConfigStore(std::vector<std::string> paths) {
  return std::make_unique<DockerConfigStore>(std::move(paths));
}

std::unique_ptr<CredentialStore> NewStaticCredentialStore(std::string registry,
                                                          Credentials credentials) {
  return std::make_unique<StaticStore>(std::move(registry), std::move(credentials));
}

Result<std::string> WriteDockerLogin(const std::string& path, std::string_view registry,
                                     std::string_view username, std::string_view password) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ReadConfigForUpdate(path));
  std::string host = NormalizeAuthKey(registry);
  EraseAuthEntries(j, host);
  const std::string helper = HelperFor(j, host);
  if (!helper.empty()) {
    VOUCH_RETURN_IF_ERROR(StoreInHelper(helper, host, username, password));
    // As docker does: an empty entry, so that `auths` still lists the registry logged in to.
    j["auths"][AuthKeyFor(host)] = OrderedJson::object();
    VOUCH_RETURN_IF_ERROR(WriteConfig(path, j));
    return "docker-credential-" + helper;
  }
  std::string pair = std::string(username) + ":" + std::string(password);
  j["auths"][AuthKeyFor(host)] = OrderedJson{{"auth", Base64Encode(AsBytes(pair))}};
  SecureWipe(pair.data(), pair.size());
  VOUCH_RETURN_IF_ERROR(WriteConfig(path, j));
  return path;
}

Status RemoveDockerLogin(const std::string& path, std::string_view registry) {
  VOUCH_ASSIGN_OR_RETURN(OrderedJson j, ReadConfigForUpdate(path));
  std::string host = NormalizeAuthKey(registry);
  bool found = false;
  if (const std::string helper = HelperFor(j, host); !helper.empty()) {
    const std::string server = HelperServer(host);
    VOUCH_ASSIGN_OR_RETURN(SubprocessResult run, RunHelper(helper, "erase", AsBytes(server)));
    if (!run.success() && !SaysNotFound(run)) {
      return HelperFailure(helper, "erase", run);
    }
    found = run.success();
  }
  if (EraseAuthEntries(j, host)) {
    found = true;
    VOUCH_RETURN_IF_ERROR(WriteConfig(path, j));
  }
  if (!found) {
    return NotFoundError("not logged in to " + host);
  }
  return OkStatus();
}

}  // namespace vouch::registry
