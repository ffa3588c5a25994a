#include "key_flags.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "vouch/core/file.h"
#include "vouch/keys/key_ref.h"

namespace vouch::cli {
namespace {

// A password file is a few bytes; the cap keeps a mistaken path (a disk image) from being read.
constexpr size_t kMaxPasswordFileSize = 4096;
constexpr size_t kMaxPromptLength = 1024;

Status NoPasswordSource(const std::string& subject) {
  return FailedPreconditionError(
      "a password is needed for " + subject +
      " but there is no terminal to prompt on: set VOUCH_PASSWORD or pass --password-file FILE");
}

// StripNewline removes one trailing "\n" or "\r\n" (how editors and `echo` end a file).
void StripNewline(std::string& s) {
  if (!s.empty() && s.back() == '\n') {
    s.pop_back();
    if (!s.empty() && s.back() == '\r') {
      s.pop_back();
    }
  }
}

// TtyFd owns the /dev/tty descriptor and restores the terminal's echo state on destruction.
class Tty {
 public:
  Tty() : fd_(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
  ~Tty() {
    if (echo_off_) {
      tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  Tty(const Tty&) = delete;
  Tty& operator=(const Tty&) = delete;

  bool ok() const { return fd_ >= 0; }

  // ReadHidden writes |prompt| and reads one line with echo off.
  Result<SecretString> ReadHidden(const std::string& prompt) {
    Write(prompt);
    struct termios t {};
    if (tcgetattr(fd_, &saved_) != 0) {
      return ErrnoToStatus(errno, "/dev/tty");
    }
    t = saved_;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    t.c_lflag |= ECHONL;
    if (tcsetattr(fd_, TCSAFLUSH, &t) != 0) {
      return ErrnoToStatus(errno, "/dev/tty");
    }
    echo_off_ = true;
    std::string line;
    line.reserve(kMaxPromptLength + 1);  // no reallocation: every byte lives in one buffer
    Status st = OkStatus();
    for (;;) {
      char c = 0;
      ssize_t n = read(fd_, &c, 1);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0 || c == '\n') {
        break;
      }
      if (line.size() >= kMaxPromptLength) {
        st = InvalidArgumentError("password is longer than " + std::to_string(kMaxPromptLength) +
                                  " characters");
        continue;  // drain the line
      }
      line.push_back(c);
    }
    tcsetattr(fd_, TCSAFLUSH, &saved_);
    echo_off_ = false;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    SecretString out(std::move(line));
    if (!st.ok()) {
      return st;
    }
    return out;
  }

 private:
  void Write(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = write(fd_, s.data(), s.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;
      }
      s.remove_prefix(static_cast<size_t>(n));
    }
  }

  int fd_;
  bool echo_off_ = false;
  struct termios saved_ {};
};

}  // namespace

void AddPasswordOptions(cxxopts::Options& options) {
  options.add_options()("password-file",
                        "read the key password from FILE (one trailing newline is stripped); "
                        "else VOUCH_PASSWORD, else a terminal prompt",
                        cxxopts::value<std::string>());
}

void AddSigningKeyOptions(cxxopts::Options& options) {
  options.add_options()("key",
                        "private key: a file, env://VAR, a pkcs11: URI or NAME://ID "
                        "(KMS plugin sigstore-kms-NAME); see docs/keys.md",
                        cxxopts::value<std::string>());
  AddPasswordOptions(options);
}

void AddVerifyingKeyOptions(cxxopts::Options& options) {
  options.add_options()("key",
                        "public key: a file (a private key is accepted too), env://VAR, a "
                        "pkcs11: URI or NAME://ID (KMS plugin); see docs/keys.md",
                        cxxopts::value<std::string>());
  AddPasswordOptions(options);
}

Result<SecretString> ReadPasswordFile(const std::string& path) {
  Result<Bytes> data = ReadFile(path, kMaxPasswordFileSize);
  if (!data.ok()) {
    return data.status().WithContext("password file " + path);
  }
  std::string text(AsChars(*data));
  SecureWipe(data->data(), data->size());
  StripNewline(text);
  return SecretString(std::move(text));
}

Result<SecretString> ObtainPassword(const cxxopts::ParseResult& parsed, PasswordPurpose purpose,
                                    const std::string& prompt_subject, PasswordEnv env) {
  if (parsed.count("password-file") > 0) {
    return ReadPasswordFile(parsed["password-file"].as<std::string>());
  }
  if (const char* vouch = std::getenv("VOUCH_PASSWORD"); vouch != nullptr) {
    return SecretString(std::string(vouch));  // set, even to "", is an explicit choice
  }
  if (const char* cosign = std::getenv("COSIGN_PASSWORD");
      cosign != nullptr && env == PasswordEnv::kVouchThenCosign) {
    return SecretString(std::string(cosign));
  }
  Tty tty;
  if (!tty.ok()) {
    return NoPasswordSource(prompt_subject);
  }
  VOUCH_ASSIGN_OR_RETURN(SecretString first,
                         tty.ReadHidden("Enter password for " + prompt_subject + ": "));
  if (first.empty()) {
    return InvalidArgumentError(
        "empty password at the prompt; to use an empty password on purpose set "
        "VOUCH_PASSWORD= or pass an empty --password-file");
  }
  if (purpose == PasswordPurpose::kCreate) {
    VOUCH_ASSIGN_OR_RETURN(SecretString second,
                           tty.ReadHidden("Enter password for " + prompt_subject + " again: "));
    if (!ConstantTimeEquals(AsBytes(first.view()), AsBytes(second.view()))) {
      return InvalidArgumentError("passwords do not match");
    }
  }
  return first;
}

namespace {

// PasswordFor asks for the password of the key file |key_spec| from the flags, the environment
// and the terminal, when keys::OpenSigner needs one.
keys::PasswordSource PasswordFor(const cxxopts::ParseResult& parsed, const std::string& key_spec) {
  return [&parsed, key_spec](bool cosign_key) {
    return ObtainPassword(parsed, PasswordPurpose::kDecrypt, "key " + key_spec,
                          cosign_key ? PasswordEnv::kVouchThenCosign : PasswordEnv::kVouch);
  };
}

std::string KeyFlag(const cxxopts::ParseResult& parsed) {
  return parsed.count("key") > 0 ? parsed["key"].as<std::string>() : "";
}

}  // namespace

Result<std::unique_ptr<keys::Signer>> LoadSigner(const cxxopts::ParseResult& parsed,
                                                 const std::string& key_spec) {
  return keys::OpenSigner(key_spec, PasswordFor(parsed, key_spec));
}

Result<std::unique_ptr<keys::Signer>> LoadSignerFlag(const cxxopts::ParseResult& parsed) {
  return LoadSigner(parsed, KeyFlag(parsed));
}

Result<keys::Verifier> LoadVerifier(const cxxopts::ParseResult& parsed,
                                    const std::string& key_spec) {
  return keys::OpenVerifier(key_spec, PasswordFor(parsed, key_spec));
}

Result<keys::Verifier> LoadVerifierFlag(const cxxopts::ParseResult& parsed) {
  return LoadVerifier(parsed, KeyFlag(parsed));
}

Result<std::vector<keys::Verifier>> LoadVerifiers(const cxxopts::ParseResult& parsed) {
  std::vector<keys::Verifier> out;
  if (parsed.count("key") == 0) {
    return out;
  }
  for (const std::string& spec : parsed["key"].as<std::vector<std::string>>()) {
    VOUCH_ASSIGN_OR_RETURN(keys::Verifier key, LoadVerifier(parsed, spec));
    out.push_back(std::move(key));
  }
  return out;
}

}  // namespace vouch::cli
