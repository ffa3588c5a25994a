// Sigstore signing configs (vouch/sign/signing_config.h): the public-good production and staging
// configs (read from ${VOUCH_VECTORS}/sigstore-trust-roots, never copied here) parsed and their
// services selected at fixed times, the ALL / ANY / EXACT selectors, validity windows, and every
// malformed document refused with the field named.
#include "vouch/sign/signing_config.h"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "testutil/testutil.h"

namespace vouch::sign {
namespace {

namespace bdata = boost::unit_test::data;

TimePoint At(const std::string& rfc3339) {
  Result<TimePoint> t = ParseRfc3339(rfc3339);
  BOOST_REQUIRE(t.ok());
  return *t;
}

std::string PublicGood(const std::string& instance) {
  return testing::VectorsDir() + "/sigstore-trust-roots/" + instance + "/signing_config.v0.2.json";
}

SigningConfig Load(const std::string& path) {
  Result<SigningConfig> c = LoadSigningConfig(path);
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return std::move(c).value();
}

SigningConfig Parse(const std::string& json) {
  Result<SigningConfig> c = ParseSigningConfig(json);
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return std::move(c).value();
}

std::vector<std::string> Urls(const std::vector<ServiceEndpoint>& v) {
  std::vector<std::string> out;
  for (const ServiceEndpoint& e : v) {
    out.push_back(e.url);
  }
  return out;
}

// Service is one rekorTlogUrls / tsaUrls entry.
std::string Service(const std::string& url, int version, const std::string& start,
                    const std::string& end = "", const std::string& op = "") {
  return R"({"url":")" + url + R"(","majorApiVersion":)" + std::to_string(version) +
         R"(,"validFor":{"start":")" + start + "\"" +
         (end.empty() ? "" : R"(,"end":")" + end + "\"") + "}" +
         (op.empty() ? "" : R"(,"operator":")" + op + "\"") + "}";
}

// Config is a document with one CA and the given logs and log selector.
std::string Config(const std::vector<std::string>& logs, const std::string& selector) {
  std::string list;
  for (const std::string& l : logs) {
    list += (list.empty() ? "" : ",") + l;
  }
  return R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",)"
         R"("caUrls":[)" +
         Service("https://ca.test", 1, "2024-01-01T00:00:00Z") + R"(],"rekorTlogUrls":[)" + list +
         R"(],"rekorTlogConfig":)" + selector + "}";
}

BOOST_AUTO_TEST_SUITE(signing_config)

BOOST_AUTO_TEST_CASE(production_selects_fulcio_rekor_v1_and_the_tsa) {
  SigningConfig c = Load(PublicGood("production"));
  BOOST_TEST(c.ca_urls.size() == 1u);
  BOOST_TEST(c.rekor_tlog_urls.size() == 1u);
  BOOST_TEST(FormatRfc3339(c.rekor_tlog_urls[0].valid_from) == "2021-01-12T11:53:27Z");
  BOOST_TEST(!c.rekor_tlog_urls[0].valid_until.has_value());
  BOOST_TEST((c.rekor_tlog_config.kind == ServiceSelector::Kind::kAny));

  Result<SigstoreServices> s = SelectServices(c, At("2025-10-01T00:00:00Z"), true);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  BOOST_REQUIRE(s->ca.has_value());
  BOOST_TEST(s->ca->url == "https://fulcio.sigstore.dev");
  BOOST_TEST(s->ca->api_version == 1u);
  BOOST_TEST(s->ca->operator_name == "sigstore.dev");
  BOOST_REQUIRE(s->oidc.has_value());
  BOOST_TEST(s->oidc->url == "https://oauth2.sigstore.dev/auth");
  BOOST_TEST(Urls(s->tlogs) == std::vector<std::string>{"https://rekor.sigstore.dev"},
             boost::test_tools::per_element());
  BOOST_TEST(s->tlogs[0].api_version == 1u);
  BOOST_TEST(
      Urls(s->tsas) == std::vector<std::string>{"https://timestamp.sigstore.dev/api/v1/timestamp"},
      boost::test_tools::per_element());

  // Before the TSA's window opened (2025-07-04) the listed TSA is not usable: an error, not a
  // silent run without timestamps.
  Result<SigstoreServices> early = SelectServices(c, At("2025-01-01T00:00:00Z"), true);
  BOOST_TEST(ErrorCodeName(early.status().code()) == ErrorCodeName(ErrorCode::kFailedPrecondition),
             early.status().ToString());
  BOOST_TEST(early.status().message().find("timestamp authority") != std::string::npos,
             early.status().message());
}

BOOST_AUTO_TEST_CASE(staging_prefers_the_newest_rekor_v2_log_open_at_the_time) {
  SigningConfig c = Load(PublicGood("staging"));
  BOOST_TEST(c.rekor_tlog_urls.size() == 4u);
  struct Case {
    const char* now;
    const char* log;
    uint32_t version;
  };
  for (const Case& k :
       {Case{"2025-10-01T00:00:00Z", "https://log2025-alpha3.rekor.sigstage.dev", 2},
        Case{"2025-09-01T00:00:00Z", "https://log2025-alpha2.rekor.sigstage.dev", 2},
        Case{"2025-06-01T00:00:00Z", "https://log2025-alpha1.rekor.sigstage.dev", 2},
        // Before any v2 log: the v1 log.
        Case{"2025-04-20T00:00:00Z", "https://rekor.sigstage.dev", 1}}) {
    Result<SigstoreServices> s = SelectServices(c, At(k.now), true);
    BOOST_REQUIRE_MESSAGE(s.ok(), k.now << ": " << s.status().ToString());
    BOOST_REQUIRE(s->tlogs.size() == 1u);
    BOOST_TEST(s->tlogs[0].url == k.log, k.now);
    BOOST_TEST(s->tlogs[0].api_version == k.version, k.now);
    BOOST_TEST(s->ca->url == "https://fulcio.sigstage.dev");
  }
}

BOOST_AUTO_TEST_CASE(all_any_and_exact_pick_distinct_operators) {
  const std::vector<std::string> logs = {
      Service("https://a-old.test", 1, "2024-01-01T00:00:00Z", "", "a"),
      Service("https://a-new.test", 1, "2024-06-01T00:00:00Z", "", "a"),
      Service("https://b.test", 1, "2024-02-01T00:00:00Z", "", "b"),
      Service("https://c.test", 1, "2024-03-01T00:00:00Z", "", "c"),
  };
  const TimePoint now = At("2025-01-01T00:00:00Z");
  auto select = [&](const std::string& selector) {
    return SelectServices(Parse(Config(logs, selector)), now, true);
  };
  Result<SigstoreServices> all = select(R"({"selector":"ALL"})");
  BOOST_REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  BOOST_TEST(Urls(all->tlogs) == (std::vector<std::string>{"https://a-new.test", "https://c.test",
                                                           "https://b.test"}),
             boost::test_tools::per_element());
  Result<SigstoreServices> any = select(R"({"selector":"ANY"})");
  BOOST_REQUIRE(any.ok());
  BOOST_TEST(Urls(any->tlogs) == std::vector<std::string>{"https://a-new.test"},
             boost::test_tools::per_element());
  Result<SigstoreServices> two = select(R"({"selector":"EXACT","count":2})");
  BOOST_REQUIRE(two.ok());
  BOOST_TEST(Urls(two->tlogs) == (std::vector<std::string>{"https://a-new.test", "https://c.test"}),
             boost::test_tools::per_element());
  // Four logs but three operators: EXACT 4 cannot be met.
  Result<SigstoreServices> four = select(R"({"selector":"EXACT","count":"4"})");
  BOOST_TEST(ErrorCodeName(four.status().code()) == ErrorCodeName(ErrorCode::kFailedPrecondition),
             four.status().ToString());
  BOOST_TEST(four.status().message().find("EXACT 4") != std::string::npos, four.status().message());
  // No rekorTlogConfig at all: ANY.
  Result<SigstoreServices> dflt = SelectServices(Parse(Config(logs, "{}")), now, true);
  BOOST_REQUIRE(dflt.ok());
  BOOST_TEST(dflt->tlogs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(versions_are_not_mixed_and_unknown_versions_are_dropped) {
  const std::vector<std::string> logs = {
      Service("https://v1.test", 1, "2024-06-01T00:00:00Z", "", "a"),
      Service("https://v2.test", 2, "2024-01-01T00:00:00Z", "", "b"),
      Service("https://v3.test", 3, "2024-09-01T00:00:00Z", "", "c"),
  };
  Result<SigstoreServices> s = SelectServices(Parse(Config(logs, R"({"selector":"ALL"})")),
                                              At("2025-01-01T00:00:00Z"), true);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  BOOST_TEST(Urls(s->tlogs) == std::vector<std::string>{"https://v2.test"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(services_outside_their_windows_are_refused) {
  const std::string expired =
      Config({Service("https://old.test", 1, "2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z")},
             R"({"selector":"ANY"})");
  Result<SigstoreServices> s = SelectServices(Parse(expired), At("2025-01-01T00:00:00Z"), true);
  BOOST_TEST(ErrorCodeName(s.status().code()) == ErrorCodeName(ErrorCode::kFailedPrecondition),
             s.status().ToString());
  BOOST_TEST(s.status().message().find("transparency log") != std::string::npos,
             s.status().message());
  BOOST_TEST(s.status().message().find("rekorTlogUrls") != std::string::npos, s.status().message());
  // Both ends of a window are inside it.
  BOOST_TEST(SelectServices(Parse(expired), At("2024-01-01T00:00:00Z"), true).ok());
  BOOST_TEST(SelectServices(Parse(expired), At("2023-01-01T00:00:00Z"), false).ok());

  // The CA opens in 2024: before, keyless signing has no CA; signing with a key does not care.
  const std::string logless = Config({}, "{}");
  Result<SigstoreServices> ca = SelectServices(Parse(logless), At("2023-06-01T00:00:00Z"), true);
  BOOST_TEST(ErrorCodeName(ca.status().code()) == ErrorCodeName(ErrorCode::kFailedPrecondition),
             ca.status().ToString());
  BOOST_TEST(ca.status().message().find("certificate authority") != std::string::npos,
             ca.status().message());
  Result<SigstoreServices> keyed =
      SelectServices(Parse(logless), At("2023-06-01T00:00:00Z"), false);
  BOOST_REQUIRE_MESSAGE(keyed.ok(), keyed.status().ToString());
  BOOST_TEST(!keyed->ca.has_value());
  BOOST_TEST(keyed->tlogs.empty());  // an empty list stays empty
  BOOST_TEST(keyed->tsas.empty());

  // No caUrls at all is not a window problem: no CA, for the caller to ask for --fulcio-url.
  Result<SigstoreServices> none = SelectServices(
      Parse(R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json"})"),
      At("2023-06-01T00:00:00Z"), true);
  BOOST_REQUIRE_MESSAGE(none.ok(), none.status().ToString());
  BOOST_TEST(!none->ca.has_value());
}

BOOST_AUTO_TEST_CASE(snake_case_names_are_read) {
  SigningConfig c =
      Parse(R"({"media_type":"application/vnd.dev.sigstore.signingconfig.v0.2+json",)"
            R"("rekor_tlog_urls":[{"url":"https://r.test","major_api_version":"2",)"
            R"("valid_for":{"start":"2024-01-01T00:00:00Z"},"operator":"o"}],)"
            R"("tsa_config":{"selector":"EXACT","count":1},"unknown_field":{"x":1}})");
  BOOST_REQUIRE(c.rekor_tlog_urls.size() == 1u);
  BOOST_TEST(c.rekor_tlog_urls[0].endpoint.api_version == 2u);
  BOOST_TEST(c.rekor_tlog_urls[0].endpoint.operator_name == "o");
  BOOST_TEST((c.tsa_config.kind == ServiceSelector::Kind::kExact));
  BOOST_TEST(c.tsa_config.count == 1u);
}

struct Bad {
  std::string json;
  std::string field;  // named in the message
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.field; }

const std::string kMt = R"("mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json")";

const Bad kBad[] = {
    {"{not json", "signing config"},
    {"[]", "not a JSON object"},
    {"{}", "mediaType"},
    {R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.1+json"})", "mediaType"},
    {"{" + kMt + R"(,"caUrls":{}})", "caUrls must be an array"},
    {"{" + kMt +
         R"(,"caUrls":[{"majorApiVersion":1,"validFor":{"start":"2024-01-01T00:00:00Z"}}]})",
     "caUrls[0].url"},
    {"{" + kMt + R"(,"tsaUrls":[{"url":"u","validFor":{"start":"2024-01-01T00:00:00Z"}}]})",
     "tsaUrls[0].majorApiVersion"},
    {"{" + kMt +
         R"(,"tsaUrls":[{"url":"u","majorApiVersion":-1,"validFor":{"start":"2024-01-01T00:00:00Z"}}]})",
     "tsaUrls[0].majorApiVersion"},
    {"{" + kMt + R"(,"rekorTlogUrls":[{"url":"u","majorApiVersion":1}]})",
     "rekorTlogUrls[0].validFor.start"},
    {"{" + kMt +
         R"(,"rekorTlogUrls":[{"url":"u","majorApiVersion":1,"validFor":{"end":"2024-01-01T00:00:00Z"}}]})",
     "rekorTlogUrls[0].validFor.start"},
    {"{" + kMt +
         R"(,"oidcUrls":[{"url":"u","majorApiVersion":1,"validFor":{"start":"yesterday"}}]})",
     "oidcUrls[0].validFor.start"},
    {"{" + kMt +
         R"(,"oidcUrls":[{"url":"u","majorApiVersion":1,"validFor":{"start":"2024-01-01T00:00:00Z","end":5}}]})",
     "oidcUrls[0].validFor.end"},
    {"{" + kMt + R"(,"rekorTlogConfig":{"selector":"SOME"}})", "rekorTlogConfig.selector"},
    {"{" + kMt + R"(,"rekorTlogConfig":{"selector":"SERVICE_SELECTOR_UNDEFINED"}})",
     "rekorTlogConfig.selector"},
    {"{" + kMt + R"(,"tsaConfig":{"selector":"EXACT"}})", "tsaConfig.count"},
    {"{" + kMt + R"(,"tsaConfig":{"selector":"EXACT","count":0}})", "tsaConfig.count"},
    {"{" + kMt + R"(,"tsaConfig":{"selector":"EXACT","count":"x"}})", "tsaConfig.count"},
    {"{" + kMt +
         R"(,"tsaUrls":[{"url":"u","majorApiVersion":1,"valid_for":{"start":"2024-01-01T00:00:00Z"},"validFor":{"start":"2024-01-01T00:00:00Z"}}]})",
     "given twice"},
};

BOOST_DATA_TEST_CASE(a_malformed_document_names_the_field, bdata::make(kBad), bad) {
  Result<SigningConfig> c = ParseSigningConfig(bad.json);
  BOOST_TEST(IsInvalidArgument(c.status()), c.status().ToString());
  BOOST_TEST(c.status().message().find(bad.field) != std::string::npos, c.status().message());
}

BOOST_AUTO_TEST_CASE(size_cap_and_file_errors) {
  std::string big = "{" + kMt + R"(,"pad":")" + std::string(kMaxSigningConfigSize, 'x') + "\"}";
  BOOST_TEST(IsResourceExhausted(ParseSigningConfig(big).status()));

  testing::TempDir dir;
  testing::WriteText(dir.File("big.json"), big);
  Result<SigningConfig> f = LoadSigningConfig(dir.File("big.json"));
  BOOST_TEST(IsResourceExhausted(f.status()), f.status().ToString());
  Result<SigningConfig> missing = LoadSigningConfig(dir.File("missing.json"));
  BOOST_TEST(IsNotFound(missing.status()), missing.status().ToString());
  BOOST_TEST(missing.status().message().find(dir.File("missing.json")) != std::string::npos,
             missing.status().message());
  testing::WriteText(dir.File("bad.json"), "{}");
  Result<SigningConfig> bad = LoadSigningConfig(dir.File("bad.json"));
  BOOST_TEST(IsInvalidArgument(bad.status()), bad.status().ToString());
  BOOST_TEST(bad.status().message().find(dir.File("bad.json")) != std::string::npos,
             bad.status().message());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
