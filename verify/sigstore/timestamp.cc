#include "sigstore/timestamp.h"

#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/json.h"
#include "core/internal/ossl.h"

namespace vouch::verify::sigstore {
namespace {

Status Fail(std::string message) { return VerificationFailedError(std::move(message)); }

// DrainErrors empties the OpenSSL error queue into text, with each entry's data string: the TS
// verifier puts the X.509 reason ("Verify error:certificate has expired") there, not in the code.
std::string DrainErrors() {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  unsigned long err = 0;
  while ((err = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      out += std::string(" (") + data + ")";
    }
  }
  return out;
}

// kMaxTimestampSize bounds one token: real ones are 1-5 KiB.
constexpr size_t kMaxTimestampSize = 64 * 1024;

Result<OsslPtr<X509>> ParseCert(ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x == nullptr || p != der.data() + der.size()) {
    ClearOpenSslErrors();
    return Fail("a timestamp authority certificate does not parse");
  }
  return x;
}

// PushCopy appends an up-referenced |x| to |stack|.
bool PushCopy(STACK_OF(X509) * stack, X509* x) {
  if (X509_up_ref(x) != 1) {
    return false;
  }
  if (sk_X509_push(stack, x) <= 0) {
    X509_free(x);
    return false;
  }
  return true;
}

// VerifyWithAuthority checks the token's CMS signature and its signer's chain to |tsa| at
// |gen_time| (formats.md 5.8 (b)-(d)): the signer is the embedded certificate or the TSA chain's
// leaf; OpenSSL's TS verifier checks the ESS signing-certificate binding, the signature over the
// signed attributes and the chain with purpose timestampsign (EKU timeStamping, critical).
Status VerifyWithAuthority(PKCS7* token, const CertificateAuthority& tsa, TimePoint gen_time) {
  OsslPtr<X509_STORE> store(X509_STORE_new());
  OsslPtr<STACK_OF(X509)> certs(sk_X509_new_null());
  if (store == nullptr || certs == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "setting up timestamp verification");
  }
  for (size_t i = 0; i < tsa.chain_der.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(OsslPtr<X509> c, ParseCert(tsa.chain_der[i]));
    bool ok = i + 1 == tsa.chain_der.size() ? X509_STORE_add_cert(store.get(), c.get()) == 1
                                            : PushCopy(certs.get(), c.get());
    if (!ok) {
      return OpenSslError(ErrorCode::kInternal, "setting up timestamp verification");
    }
  }
  // Embedded certificates are untrusted path candidates only.
  if (PKCS7_type_is_signed(token) && token->d.sign != nullptr && token->d.sign->cert != nullptr) {
    for (int i = 0; i < sk_X509_num(token->d.sign->cert); ++i) {
      if (!PushCopy(certs.get(), sk_X509_value(token->d.sign->cert, i))) {
        return OpenSslError(ErrorCode::kInternal, "setting up timestamp verification");
      }
    }
  }
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());  // borrowed from store
  // The anchor is the last certificate of the TSA's chain, whatever it is (formats.md 5.1), and
  // the chain is valid at genTime even when it has expired since (5.8 (d)).
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(
      param, static_cast<time_t>(
                 std::chrono::floor<std::chrono::seconds>(gen_time.time_since_epoch()).count()));
  X509* signer = nullptr;
  int ok = TS_RESP_verify_signature(token, certs.get(), store.get(), &signer);
  OsslPtr<X509> signer_owner(signer);  // TS_RESP_verify_signature returns a reference
  if (ok != 1) {
    return Fail("the timestamp does not verify: " + DrainErrors());
  }
  return OkStatus();
}

}  // namespace

Result<TimePoint> VerifyTimestamp(ByteView timestamp_der, ByteView signature,
                                  const TrustedRoot& root) {
  VOUCH_ASSIGN_OR_RETURN(VerifiedTimestamp t, VerifyTimestampBy(timestamp_der, signature, root));
  return t.time;
}

Result<VerifiedTimestamp> VerifyTimestampBy(ByteView timestamp_der, ByteView signature,
                                            const TrustedRoot& root) {
  if (timestamp_der.size() > kMaxTimestampSize) {
    return Fail("the timestamp is larger than " + std::to_string(kMaxTimestampSize) + " bytes");
  }
  // A TimeStampResp (what Sigstore bundles carry), else a bare TimeStampToken.
  OsslPtr<PKCS7> token;
  const unsigned char* p = timestamp_der.data();
  OsslPtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(timestamp_der.size())));
  if (resp != nullptr && p == timestamp_der.data() + timestamp_der.size()) {
    const TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());  // borrowed from resp
    long status = info == nullptr ? -1 : ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
    if (status != 0 && status != 1) {
      return Fail("the timestamp response status is " + std::to_string(status) + ", not granted");
    }
    PKCS7* t = TS_RESP_get_token(resp.get());  // borrowed from resp
    if (t == nullptr) {
      return Fail("the timestamp response holds no token");
    }
    token.reset(PKCS7_dup(t));
  } else {
    ClearOpenSslErrors();
    p = timestamp_der.data();
    token.reset(d2i_PKCS7(nullptr, &p, static_cast<long>(timestamp_der.size())));
    if (token == nullptr || p != timestamp_der.data() + timestamp_der.size()) {
      ClearOpenSslErrors();
      return Fail("the timestamp is neither a DER TimeStampResp nor a TimeStampToken");
    }
  }
  if (token == nullptr) {
    return OpenSslError(ErrorCode::kInternal, "copying the timestamp token");
  }
  OsslPtr<TS_TST_INFO> tst(PKCS7_to_TS_TST_INFO(token.get()));
  if (tst == nullptr) {
    ClearOpenSslErrors();
    return Fail("the timestamp token holds no TSTInfo");
  }
  if (TS_TST_INFO_get_version(tst.get()) != 1) {
    return Fail("the timestamp's TSTInfo version is not 1");
  }

  // (a) The imprint is the hash of the signature bytes, with the token's hash algorithm.
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(tst.get());   // borrowed from tst
  X509_ALGOR* alg = TS_MSG_IMPRINT_get_algo(imprint);                 // borrowed
  const ASN1_OCTET_STRING* hashed = TS_MSG_IMPRINT_get_msg(imprint);  // borrowed
  const ASN1_OBJECT* alg_obj = nullptr;
  X509_ALGOR_get0(&alg_obj, nullptr, nullptr, alg);
  int md_nid = OBJ_obj2nid(alg_obj);
  if (md_nid != NID_sha256 && md_nid != NID_sha384 && md_nid != NID_sha512) {
    return Fail("the timestamp's imprint uses an unsupported hash algorithm");
  }
  const EVP_MD* md = EVP_get_digestbynid(md_nid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (md == nullptr ||
      EVP_Digest(signature.data(), signature.size(), digest, &digest_len, md, nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "hashing the signature");
  }
  if (static_cast<unsigned int>(ASN1_STRING_length(hashed)) != digest_len ||
      CRYPTO_memcmp(ASN1_STRING_get0_data(hashed), digest, digest_len) != 0) {
    return Fail("the timestamp is over other data: its imprint is not the hash of the signature");
  }

  std::tm tm{};
  if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst.get()), &tm) != 1) {
    ClearOpenSslErrors();
    return Fail("the timestamp's genTime is malformed");
  }
  TimePoint gen_time = std::chrono::system_clock::from_time_t(timegm(&tm));

  // (b)-(d) Signature and chain, against each TSA of the root valid at genTime.
  if (root.timestamp_authorities.empty()) {
    return Fail("the trusted root has no timestamp authorities");
  }
  std::string why;
  for (size_t i = 0; i < root.timestamp_authorities.size(); ++i) {
    const CertificateAuthority& tsa = root.timestamp_authorities[i];
    std::string name = tsa.uri.empty() ? tsa.subject_common_name : tsa.uri;
    if (!tsa.valid_for.Contains(gen_time)) {
      why += (why.empty() ? "" : "; ") +
             ("TSA " + name + " is not valid at genTime " + FormatRfc3339(gen_time));
      continue;
    }
    Status st = VerifyWithAuthority(token.get(), tsa, gen_time);
    if (st.ok()) {
      return VerifiedTimestamp{gen_time, i};
    }
    if (!IsVerificationFailed(st)) {
      return st;
    }
    why += (why.empty() ? "" : "; ") + ("TSA " + name + ": " + st.message());
  }
  return Fail("no trusted timestamp authority verifies the timestamp: " + why);
}

Result<std::vector<Bytes>> ParseTimestamps(const std::string& tvd) {
  std::vector<Bytes> out;
  if (tvd.empty()) {
    return out;
  }
  Result<Json> j = ParseJson(tvd, "timestampVerificationData");
  if (!j.ok()) {
    return Fail(j.status().message());
  }
  const Json* arr = FindField(*j, "rfc3161Timestamps");
  if (arr == nullptr) {
    arr = FindField(*j, "rfc3161_timestamps");
  }
  if (arr == nullptr || arr->is_null()) {
    return out;
  }
  if (!arr->is_array()) {
    return Fail("timestampVerificationData.rfc3161Timestamps is not an array");
  }
  if (arr->size() > kMaxTimestamps) {
    return Fail("the bundle holds " + std::to_string(arr->size()) +
                " timestamps, more than the limit of " + std::to_string(kMaxTimestamps));
  }
  std::set<Bytes> seen;
  for (const Json& t : *arr) {
    const Json* st = FindField(t, "signedTimestamp");
    if (st == nullptr) {
      st = FindField(t, "signed_timestamp");
    }
    // Go's base64 decoder (protojson, hence sigstore-go and cosign) skips line breaks, and
    // real bundles carry MIME-wrapped tokens: drop \r and \n, nothing else.
    std::string text;
    if (st != nullptr && st->is_string()) {
      for (char c : st->get_ref<const std::string&>()) {
        if (c != '\n' && c != '\r') {
          text += c;
        }
      }
    }
    Result<Bytes> der = st != nullptr && st->is_string()
                            ? Base64Decode(text, Base64Alphabet::kEither)
                            : Result<Bytes>(Fail("missing"));
    if (!der.ok() || der->empty()) {
      return Fail("a timestamp's signedTimestamp is missing or not base64");
    }
    if (!seen.insert(*der).second) {
      return Fail("the bundle holds the same timestamp twice");
    }
    out.push_back(std::move(der).value());
  }
  return out;
}

}  // namespace vouch::verify::sigstore
