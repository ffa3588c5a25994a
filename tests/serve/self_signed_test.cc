// vouch/serve/self_signed.h: the gate's own CA and serving certificate, made, reused, renewed at
// two thirds of the certificate's life, and never silently replacing files it cannot explain.
// Time is passed in, so renewal is tested without waiting; chains are checked with OpenSSL's
// verifier (X509_verify_cert with the DNS name set as a host check).
#include "vouch/serve/self_signed.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "core/internal/ossl.h"
#include "testutil/testutil.h"

namespace vouch::serve {
namespace {

using std::chrono::hours;
using vouch::testing::ReadText;
using vouch::testing::TempDir;
using vouch::testing::WriteText;

TimePoint T0() {
  auto t = ParseRfc3339("2026-06-01T00:00:00Z");
  BOOST_REQUIRE(t.ok());
  return *t;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::vector<OsslPtr<X509>> ReadCerts(const std::string& path) {
  std::string pem = ReadText(path);
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<OsslPtr<X509>> out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(x);
  }
  ERR_clear_error();
  return out;
}

// Verifies reports whether DIR/tls.crt's leaf chains to |ca_path| alone and carries |host|,
// at time |at|.
bool Verifies(const std::string& dir, const std::string& ca_path, const std::string& host,
              TimePoint at) {
  std::vector<OsslPtr<X509>> leaf = ReadCerts(dir + "/tls.crt");
  std::vector<OsslPtr<X509>> ca = ReadCerts(ca_path);
  BOOST_REQUIRE(!leaf.empty());
  BOOST_REQUIRE(ca.size() == 1u);
  OsslPtr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca[0].get());
  OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  BOOST_REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf[0].get(), nullptr) == 1);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());  // borrowed from ctx
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  if (host.find_first_not_of("0123456789.:") == std::string::npos) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

SelfSignedOptions Options(const TempDir& dir) {
  SelfSignedOptions o;
  o.dir = dir.File("tls");
  o.dns_names = {"vouch-gate.vouch-system.svc", "vouch-gate.vouch-system.svc.cluster.local",
                 "127.0.0.1"};
  return o;
}

BOOST_AUTO_TEST_SUITE(self_signed)

BOOST_AUTO_TEST_CASE(makes_a_ca_and_a_serving_certificate_that_chain) {
  TempDir dir;
  SelfSignedOptions o = Options(dir);
  auto st = EnsureSelfSignedTls(o, T0());
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  BOOST_TEST(st->ca_generated);
  BOOST_TEST(st->cert_issued);
  BOOST_TEST(st->ca_cert_path == o.dir + "/ca.crt");
  BOOST_TEST(Mode(o.dir + "/tls.key") == 0600u);
  BOOST_TEST(Mode(o.dir + "/ca.key") == 0600u);
  BOOST_TEST(Mode(o.dir + "/tls.crt") == 0644u);
  BOOST_TEST(Mode(o.dir + "/ca.crt") == 0644u);
  BOOST_TEST(Mode(o.dir) == 0700u);
  BOOST_TEST((st->not_after == T0() + o.cert_lifetime));
  BOOST_TEST((st->renew_at > T0() && st->renew_at < st->not_after));
  for (const std::string& name : o.dns_names) {
    BOOST_TEST(Verifies(o.dir, o.dir + "/ca.crt", name, T0()), name);
  }
  // Mutated: a name it was not made for, a time past its end, another CA.
  BOOST_TEST(!Verifies(o.dir, o.dir + "/ca.crt", "vouch-gate.other.svc", T0()));
  BOOST_TEST(
      !Verifies(o.dir, o.dir + "/ca.crt", "vouch-gate.vouch-system.svc", st->not_after + hours(1)));
  TempDir other;
  BOOST_REQUIRE(EnsureSelfSignedTls(Options(other), T0()).ok());
  BOOST_TEST(!Verifies(o.dir, other.File("tls/ca.crt"), "vouch-gate.vouch-system.svc", T0()));
  // tls.crt carries the CA after the leaf, so a client holding only the CA gets the chain.
  BOOST_TEST(ReadCerts(o.dir + "/tls.crt").size() == 2u);
}

BOOST_AUTO_TEST_CASE(reuses_what_is_there_and_renews_in_the_last_third) {
  TempDir dir;
  SelfSignedOptions o = Options(dir);
  auto first = EnsureSelfSignedTls(o, T0());
  BOOST_REQUIRE(first.ok());
  const std::string ca = ReadText(o.dir + "/ca.crt");
  const std::string cert = ReadText(o.dir + "/tls.crt");
  const std::string key = ReadText(o.dir + "/tls.key");

  // A restart a day later: everything reused.
  auto again = EnsureSelfSignedTls(o, T0() + hours(24));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(!again->ca_generated);
  BOOST_TEST(!again->cert_issued);
  BOOST_TEST((again->renew_at == first->renew_at));
  BOOST_TEST(ReadText(o.dir + "/tls.crt") == cert);
  BOOST_TEST(ReadText(o.dir + "/tls.key") == key);

  // Just before renew_at: still reused; at it: a new key and certificate from the same CA.
  BOOST_TEST(!EnsureSelfSignedTls(o, first->renew_at - std::chrono::seconds(1))->cert_issued);
  auto renewed = EnsureSelfSignedTls(o, first->renew_at);
  BOOST_REQUIRE(renewed.ok());
  BOOST_TEST(renewed->cert_issued);
  BOOST_TEST(!renewed->ca_generated);
  BOOST_TEST((renewed->renew_at > first->not_after));
  BOOST_TEST(ReadText(o.dir + "/ca.crt") == ca);
  BOOST_TEST(ReadText(o.dir + "/tls.crt") != cert);
  BOOST_TEST(ReadText(o.dir + "/tls.key") != key);
  BOOST_TEST(Verifies(o.dir, o.dir + "/ca.crt", "vouch-gate.vouch-system.svc", first->renew_at));
  BOOST_TEST(Mode(o.dir + "/tls.key") == 0600u);
}

BOOST_AUTO_TEST_CASE(new_names_get_a_new_certificate_from_the_same_ca) {
  TempDir dir;
  SelfSignedOptions o = Options(dir);
  BOOST_REQUIRE(EnsureSelfSignedTls(o, T0()).ok());
  const std::string ca = ReadText(o.dir + "/ca.crt");
  o.dns_names.push_back("vouch.example.internal");
  auto st = EnsureSelfSignedTls(o, T0());
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(st->cert_issued);
  BOOST_TEST(!st->ca_generated);
  BOOST_TEST(ReadText(o.dir + "/ca.crt") == ca);
  BOOST_TEST(Verifies(o.dir, o.dir + "/ca.crt", "vouch.example.internal", T0()));
}

BOOST_AUTO_TEST_CASE(an_expiring_ca_of_its_own_is_replaced) {
  TempDir dir;
  SelfSignedOptions o = Options(dir);
  BOOST_REQUIRE(EnsureSelfSignedTls(o, T0()).ok());
  const std::string ca = ReadText(o.dir + "/ca.crt");
  auto st = EnsureSelfSignedTls(o, T0() + o.ca_lifetime - o.cert_lifetime + hours(1));
  BOOST_REQUIRE(st.ok());
  BOOST_TEST(st->ca_generated);
  BOOST_TEST(st->cert_issued);
  BOOST_TEST(ReadText(o.dir + "/ca.crt") != ca);
}

BOOST_AUTO_TEST_CASE(an_operator_ca_is_used_and_never_written) {
  TempDir dir;
  // The operator's CA: made here by a first run, then moved to its own read-only place.
  SelfSignedOptions made = Options(dir);
  made.dir = dir.File("made");
  BOOST_REQUIRE(EnsureSelfSignedTls(made, T0()).ok());
  const std::string ca_dir = dir.File("operator-ca");
  std::filesystem::create_directories(ca_dir);
  std::filesystem::copy_file(made.dir + "/ca.crt", ca_dir + "/ca.crt");
  std::filesystem::copy_file(made.dir + "/ca.key", ca_dir + "/ca.key");

  SelfSignedOptions o = Options(dir);
  o.ca_dir = ca_dir;
  auto st = EnsureSelfSignedTls(o, T0());
  BOOST_REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  BOOST_TEST(!st->ca_generated);
  BOOST_TEST(st->cert_issued);
  BOOST_TEST(ReadText(o.dir + "/ca.crt") == ReadText(ca_dir + "/ca.crt"));
  BOOST_TEST(!std::filesystem::exists(o.dir + "/ca.key"));
  BOOST_TEST(Verifies(o.dir, ca_dir + "/ca.crt", "vouch-gate.vouch-system.svc", T0()));

  // Expiring: an error, not a new CA (the caBundle names this one).
  auto late = EnsureSelfSignedTls(o, T0() + o.ca_lifetime - hours(1));
  BOOST_TEST(IsInvalidArgument(late.status()));
  // Missing: an error.
  o.ca_dir = dir.File("nowhere");
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(o, T0()).status()));
  // A leaf certificate is not a CA.
  const std::string leaf_dir = dir.File("leaf-as-ca");
  std::filesystem::create_directories(leaf_dir);
  std::filesystem::copy_file(made.dir + "/tls.crt", leaf_dir + "/ca.crt");
  std::filesystem::copy_file(made.dir + "/tls.key", leaf_dir + "/ca.key");
  o.ca_dir = leaf_dir;
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(o, T0()).status()));
}

BOOST_AUTO_TEST_CASE(files_it_cannot_explain_are_left_alone) {
  TempDir dir;
  SelfSignedOptions o = Options(dir);
  BOOST_REQUIRE(EnsureSelfSignedTls(o, T0()).ok());
  // A key that is not the certificate's.
  TempDir other;
  BOOST_REQUIRE(EnsureSelfSignedTls(Options(other), T0()).ok());
  const std::string foreign = ReadText(other.File("tls/tls.key"));
  WriteText(o.dir + "/tls.key", foreign);
  auto st = EnsureSelfSignedTls(o, T0());
  BOOST_TEST(IsInvalidArgument(st.status()));
  BOOST_TEST(ReadText(o.dir + "/tls.key") == foreign);
  // Half a CA.
  TempDir half;
  SelfSignedOptions h = Options(half);
  BOOST_REQUIRE(EnsureSelfSignedTls(h, T0()).ok());
  std::filesystem::remove(h.dir + "/ca.key");
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(h, T0()).status()));
  // Not PEM.
  TempDir junk;
  SelfSignedOptions j = Options(junk);
  BOOST_REQUIRE(EnsureSelfSignedTls(j, T0()).ok());
  WriteText(j.dir + "/ca.crt", "not a certificate\n");
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(j, T0()).status()));
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
  TempDir dir;
  for (const std::string& bad :
       std::vector<std::string>{"", "-leading.example", "under_score.example", "a..b", "space name",
                                std::string(64, 'a') + ".example"}) {
    SelfSignedOptions o = Options(dir);
    o.dns_names = {bad};
    BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(o, T0()).status()), bad);
  }
  SelfSignedOptions o = Options(dir);
  o.dir.clear();
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(o, T0()).status()));
  o = Options(dir);
  o.cert_lifetime = o.ca_lifetime;
  BOOST_TEST(IsInvalidArgument(EnsureSelfSignedTls(o, T0()).status()));
  // Nothing was written by the refused calls.
  BOOST_TEST(!std::filesystem::exists(dir.File("tls")));
}

BOOST_AUTO_TEST_CASE(default_names_are_the_shipped_services) {
  TempDir dir;
  SelfSignedOptions o;
  o.dir = dir.File("tls");
  BOOST_REQUIRE(EnsureSelfSignedTls(o, T0()).ok());
  for (const std::string& name : DefaultServiceDnsNames()) {
    BOOST_TEST(Verifies(o.dir, o.dir + "/ca.crt", name, T0()), name);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::serve
