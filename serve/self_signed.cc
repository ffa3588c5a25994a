// The gate's own small PKI: one CA, one serving certificate, renewed at two thirds of its life.
// Built with OpenSSL 3's EVP key generation and the X509 API; every handle is an OsslPtr.
#include "vouch/serve/self_signed.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "core/internal/ossl.h"
#include "vouch/core/bytes.h"
#include "vouch/core/file.h"

namespace vouch::serve {
namespace {

constexpr size_t kMaxPemFile = 1 << 20;
// notBefore is set this far back so that an API server whose clock is a little behind still
// accepts a certificate made a moment ago.
constexpr std::chrono::hours kBackdate{1};

// Pair is a certificate and its private key, as loaded or made.
struct Pair {
  OsslPtr<X509> cert;
  OsslPtr<EVP_PKEY> key;
};

std::string Join(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

// IpOctetsText prints the 4 or 16 octets of an iPAddress SAN as inet_ntop does; "" otherwise.
std::string IpOctetsText(const ASN1_STRING* ip) {
  const int len = ASN1_STRING_length(ip);
  char buf[INET6_ADDRSTRLEN] = {0};
  if ((len != 4 && len != 16) || inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip),
                                           buf, sizeof(buf)) == nullptr) {
    return "";
  }
  return buf;
}

// IpText returns |name| in its canonical spelling when it is an IP address literal (so "::1"
// and "0:0::1" compare equal), else nullopt.
std::optional<std::string> IpText(const std::string& name) {
  OsslPtr<ASN1_STRING> ip(a2i_IPADDRESS(name.c_str()));
  if (ip == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  return IpOctetsText(ip.get());
}

// ValidDnsName accepts RFC 1123 host names (labels of letters, digits and inner hyphens, 63
// characters at most) and a leading "*." wildcard label.
bool ValidDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::string rest = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    std::string label =
        rest.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  return true;
}

Result<OsslPtr<EVP_PKEY>> NewKey() {
  OsslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (key == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "generating a P-256 key");
  }
  return key;
}

Status AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* raw = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (raw == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "certificate extension " + value);
  }
  int ok = X509_add_ext(cert, raw, -1);
  X509_EXTENSION_free(raw);
  if (ok != 1) {
    return OpenSslError(ErrorCode::kInternal, "adding certificate extension " + value);
  }
  return OkStatus();
}

// NewCert makes a v3 certificate for |key| with a random 128-bit serial, signed by
// |issuer_key| (|issuer| null: self-signed) after |exts| (nid, openssl.cnf value) are added.
Result<OsslPtr<X509>> NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer,
                              EVP_PKEY* issuer_key, TimePoint not_before, TimePoint not_after,
                              const std::vector<std::pair<int, std::string>>& exts) {
  OsslPtr<X509> x(X509_new());
  uint8_t serial[16];
  if (x == nullptr || RAND_bytes(serial, sizeof(serial)) != 1) {
    return OpenSslError(ErrorCode::kInternal, "making a certificate");
  }
  serial[0] &= 0x7f;  // a positive INTEGER
  OsslPtr<BIGNUM> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  X509_NAME* name = X509_get_subject_name(x.get());  // borrowed from x
  if (bn == nullptr || X509_set_version(x.get(), X509_VERSION_3) != 1 ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(x.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name) !=
          1 ||
      ASN1_TIME_set(X509_getm_notBefore(x.get()),
                    std::chrono::system_clock::to_time_t(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), std::chrono::system_clock::to_time_t(not_after)) ==
          nullptr ||
      X509_set_pubkey(x.get(), key) != 1) {
    return OpenSslError(ErrorCode::kInternal, "making a certificate");
  }
  for (const auto& [nid, value] : exts) {
    VOUCH_RETURN_IF_ERROR(AddExt(x.get(), issuer != nullptr ? issuer : x.get(), nid, value));
  }
  if (X509_sign(x.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "signing a certificate");
  }
  return x;
}

std::string CertPem(X509* cert) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  std::string out;
  if (bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    out.assign(data, static_cast<size_t>(n));
  }
  return out;
}

// WriteKey writes |key| as unencrypted PKCS#8 PEM, mode 0600; the PEM buffers are wiped.
Status WriteKey(const std::string& path, EVP_PKEY* key) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "encoding the key for " + path);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return WriteFileAtomic(path,
                         ByteView(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)),
                         0600, WriteMode::kOverwrite);
}

Status WriteCerts(const std::string& path, const std::vector<X509*>& certs) {
  std::string pem;
  for (X509* c : certs) {
    std::string one = CertPem(c);
    if (one.empty()) {
      return OpenSslError(ErrorCode::kInternal, "encoding " + path);
    }
    pem += one;
  }
  return WriteFileAtomic(path, AsBytes(pem), 0644, WriteMode::kOverwrite);
}

// ReadPair reads the first certificate of |cert_path| and the key in |key_path|; nullopt when
// neither exists, an error when one of them is missing or does not parse, or they do not match.
Result<std::optional<Pair>> ReadPair(const std::string& cert_path, const std::string& key_path) {
  const bool have_cert = PathExists(cert_path);
  const bool have_key = PathExists(key_path);
  if (!have_cert && !have_key) {
    return std::optional<Pair>();
  }
  if (!have_cert || !have_key) {
    return InvalidArgumentError((have_cert ? key_path : cert_path) + " is missing but " +
                                (have_cert ? cert_path : key_path) +
                                " exists; remove both to have them made again");
  }
  VOUCH_ASSIGN_OR_RETURN(Bytes cert_pem, ReadFile(cert_path, kMaxPemFile));
  VOUCH_ASSIGN_OR_RETURN(Bytes key_pem, ReadFile(key_path, kMaxPemFile));
  Pair p;
  OsslPtr<BIO> cb(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  p.cert.reset(cb ? PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (p.cert == nullptr) {
    return OpenSslError(ErrorCode::kInvalidArgument, cert_path + ": not a PEM certificate");
  }
  OsslPtr<BIO> kb(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  // An empty passphrase callback result: an encrypted key fails instead of prompting.
  p.key.reset(kb ? PEM_read_bio_PrivateKey(
                       kb.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
                 : nullptr);
  SecureWipe(key_pem.data(), key_pem.size());
  if (p.key == nullptr) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        key_path + ": not an unencrypted PEM private key");
  }
  if (X509_check_private_key(p.cert.get(), p.key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgumentError(key_path + " is not the key of " + cert_path);
  }
  return std::optional<Pair>(std::move(p));
}

Result<TimePoint> AsnTime(const ASN1_TIME* t, const std::string& what) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return InvalidArgumentError(what + ": unreadable validity time");
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Window {
  TimePoint not_before, not_after;
};

Result<Window> WindowOf(X509* cert, const std::string& what) {
  VOUCH_ASSIGN_OR_RETURN(TimePoint nb, AsnTime(X509_get0_notBefore(cert), what));
  VOUCH_ASSIGN_OR_RETURN(TimePoint na, AsnTime(X509_get0_notAfter(cert), what));
  return Window{nb, na};
}

TimePoint RenewAt(const Window& w) { return w.not_after - (w.not_after - w.not_before) / 3; }

bool IsCa(X509* cert) { return X509_check_ca(cert) == 1; }

// DnsNamesOf returns the serving certificate's DNS and IP subjectAltNames, as written.
std::set<std::string> NamesOf(X509* cert) {
  std::set<std::string> out;
  OsslPtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) {
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);  // borrowed from names
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      out.emplace(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                  static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      out.insert(IpOctetsText(gn->d.iPAddress));
    }
  }
  return out;
}

// ServingCertFits reports whether |leaf| is signed by |ca|, names exactly |names|, and has more
// than a third of its lifetime left at |now| (and has started).
bool ServingCertFits(X509* leaf, X509* ca, EVP_PKEY* ca_key, const std::set<std::string>& names,
                     TimePoint now) {
  auto w = WindowOf(leaf, "tls.crt");
  if (!w.ok() || now < w->not_before || now >= RenewAt(*w)) {
    return false;
  }
  if (X509_check_issued(ca, leaf) != X509_V_OK || X509_verify(leaf, ca_key) != 1) {
    ERR_clear_error();
    return false;
  }
  return NamesOf(leaf) == names;
}

}  // namespace

Result<SelfSignedState> EnsureSelfSignedTls(const SelfSignedOptions& options, TimePoint now) {
  // Certificates hold whole seconds; so does every time compared with them here.
  now = std::chrono::floor<std::chrono::seconds>(now);
  if (options.dir.empty()) {
    return InvalidArgumentError("--tls-self-signed-dir: no directory given");
  }
  if (options.ca_lifetime <= std::chrono::seconds(0) ||
      options.cert_lifetime <= std::chrono::seconds(0) ||
      options.cert_lifetime >= options.ca_lifetime) {
    return InvalidArgumentError(
        "self-signed TLS: lifetimes must be positive and the CA's longer than the certificate's");
  }
  std::vector<std::string> names =
      options.dns_names.empty() ? DefaultServiceDnsNames() : options.dns_names;
  std::string san;
  std::set<std::string> want;  // the names as the certificate spells them
  for (const std::string& n : names) {
    std::optional<std::string> ip = IpText(n);
    if (!ip && !ValidDnsName(n)) {
      return InvalidArgumentError("--tls-dns-name: \"" + n +
                                  "\" is neither a DNS name nor an IP address");
    }
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
    want.insert(ip ? *ip : n);
  }
  std::error_code ec;
  if (std::filesystem::create_directories(options.dir, ec)) {
    // It will hold private keys. A directory that already exists (a volume) keeps its mode.
    std::filesystem::permissions(options.dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    return ErrnoToStatus(ec.value(), "creating " + options.dir);
  }
  SelfSignedState st;
  st.ca_cert_path = Join(options.dir, "ca.crt");
  st.cert_path = Join(options.dir, "tls.crt");
  st.key_path = Join(options.dir, "tls.key");

  // The CA: the operator's (ca_dir, read only) or the one kept in DIR.
  const bool external = !options.ca_dir.empty();
  const std::string ca_dir = external ? options.ca_dir : options.dir;
  const std::string ca_crt = Join(ca_dir, "ca.crt");
  const std::string ca_key = Join(ca_dir, "ca.key");
  VOUCH_ASSIGN_OR_RETURN(std::optional<Pair> ca, ReadPair(ca_crt, ca_key));
  if (ca) {
    VOUCH_ASSIGN_OR_RETURN(Window w, WindowOf(ca->cert.get(), ca_crt));
    if (!IsCa(ca->cert.get())) {
      return InvalidArgumentError(ca_crt + " is not a CA certificate (basicConstraints CA:TRUE)");
    }
    if (now < w.not_before || w.not_after - now < options.cert_lifetime) {
      if (external) {
        return InvalidArgumentError(ca_crt + " is not yet valid or expires within " +
                                    std::to_string(options.cert_lifetime.count()) +
                                    " seconds (one serving-certificate lifetime): renew it");
      }
      ca.reset();  // ours: make a new one below
    }
  } else if (external) {
    return InvalidArgumentError(ca_crt + " and " + ca_key + " are missing");
  }
  if (!ca) {
    Pair made;
    VOUCH_ASSIGN_OR_RETURN(made.key, NewKey());
    VOUCH_ASSIGN_OR_RETURN(made.cert,
                           NewCert(made.key.get(), "vouch serve CA", nullptr, made.key.get(),
                                   now - kBackdate, now + options.ca_lifetime,
                                   {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                    {NID_subject_key_identifier, "hash"}}));
    // The key first: a ca.crt on disk always has its key beside it.
    VOUCH_RETURN_IF_ERROR(WriteKey(ca_key, made.key.get()));
    VOUCH_RETURN_IF_ERROR(WriteCerts(ca_crt, {made.cert.get()}));
    ca = std::move(made);
    st.ca_generated = true;
  }
  if (external) {
    // DIR/ca.crt is always the caBundle, wherever the CA came from.
    VOUCH_RETURN_IF_ERROR(WriteCerts(st.ca_cert_path, {ca->cert.get()}));
  }

  // The serving certificate.
  VOUCH_ASSIGN_OR_RETURN(std::optional<Pair> leaf, ReadPair(st.cert_path, st.key_path));
  if (leaf && !st.ca_generated &&
      ServingCertFits(leaf->cert.get(), ca->cert.get(), ca->key.get(), want, now)) {
    VOUCH_ASSIGN_OR_RETURN(Window w, WindowOf(leaf->cert.get(), st.cert_path));
    st.not_after = w.not_after;
    st.renew_at = RenewAt(w);
    return st;
  }
  VOUCH_ASSIGN_OR_RETURN(Window ca_window, WindowOf(ca->cert.get(), ca_crt));
  Pair made;
  VOUCH_ASSIGN_OR_RETURN(made.key, NewKey());
  const TimePoint not_before = now - kBackdate;
  const TimePoint not_after = std::min(now + options.cert_lifetime, ca_window.not_after);
  VOUCH_ASSIGN_OR_RETURN(made.cert, NewCert(made.key.get(), names.front(), ca->cert.get(),
                                            ca->key.get(), not_before, not_after,
                                            {{NID_basic_constraints, "critical,CA:FALSE"},
                                             {NID_key_usage, "critical,digitalSignature"},
                                             {NID_ext_key_usage, "serverAuth"},
                                             {NID_subject_alt_name, san},
                                             {NID_authority_key_identifier, "keyid:always"}}));
  // The key first, then the certificate: the server reloads when either changes and refuses a
  // pair that does not match, so it switches once both are in place.
  VOUCH_RETURN_IF_ERROR(WriteKey(st.key_path, made.key.get()));
  VOUCH_RETURN_IF_ERROR(WriteCerts(st.cert_path, {made.cert.get(), ca->cert.get()}));
  st.cert_issued = true;
  st.not_after = not_after;
  st.renew_at = RenewAt(Window{not_before, not_after});
  return st;
}

}  // namespace vouch::serve
