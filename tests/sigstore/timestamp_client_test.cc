// The RFC 3161 client of signing (vouch/sign/timestamp.h) against an in-process TSA (x509_pki.h
// pki::Tsa) behind a fake transport: the request it sends, the token it keeps (which the
// verifier's VerifyTimestamp accepts), and each reply it must refuse, named by the TSA's URL.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>

#include "sigstore/timestamp.h"
#include "testutil/fake_transport.h"
#include "vouch/registry/transport.h"
#include "vouch/sign/timestamp.h"
#include "x509_pki.h"

namespace vouch::sign {
namespace {

using testing::pki::At;
using testing::pki::Tsa;

const std::string kUrl = "http://tsa.test/api/v1/timestamp";
const Bytes kSignature = ToBytes("raw signature bytes");
const TimePoint kGenTime = At("2024-06-01T12:00:05Z");

using testing::FakeTransport;

registry::HttpResponse Reply(int status, Bytes body) {
  return testing::HttpReply(status, std::move(body));
}

// Answer is the TSA's reply to |request|'s body.
Bytes Answer(Tsa& tsa, const registry::HttpRequest& request) {
  OsslPtr<BIO> in(BIO_new_mem_buf(request.body.data(), static_cast<int>(request.body.size())));
  BOOST_REQUIRE(in != nullptr);
  return tsa.Respond(in.get(), kGenTime);
}

// RequestOf parses the DER TimeStampReq the client sent.
OsslPtr<TS_REQ> RequestOf(const registry::HttpRequest& request) {
  const unsigned char* p = request.body.data();
  OsslPtr<TS_REQ> req(d2i_TS_REQ(nullptr, &p, static_cast<long>(request.body.size())));
  BOOST_REQUIRE(req != nullptr);
  return req;
}

void ExpectUnavailable(const Result<Bytes>& r, const std::string& reason) {
  BOOST_TEST(IsUnavailable(r.status()), r.status().ToString());
  BOOST_TEST(r.status().message().find("timestamp authority " + kUrl) != std::string::npos,
             r.status().message());
  BOOST_TEST(r.status().message().find(reason) != std::string::npos,
             "\"" << r.status().message() << "\" lacks \"" << reason << "\"");
}

BOOST_AUTO_TEST_SUITE(timestamp_client)

BOOST_AUTO_TEST_CASE(posts_a_der_request_and_returns_a_token_the_verifier_accepts) {
  Tsa tsa;
  FakeTransport t([&](const registry::HttpRequest& req) { return Reply(200, Answer(tsa, req)); });
  Result<Bytes> token = RequestTimestamp(t, kUrl, kSignature);
  BOOST_REQUIRE_MESSAGE(token.ok(), token.status().ToString());

  BOOST_TEST(t.last.method == "POST");
  BOOST_TEST(t.last.url == kUrl);
  BOOST_TEST(t.last.headers.Get("Content-Type").value_or("") == "application/timestamp-query");
  OsslPtr<TS_REQ> req = RequestOf(t.last);
  BOOST_TEST(TS_REQ_get_version(req.get()) == 1);
  BOOST_TEST(TS_REQ_get_cert_req(req.get()) == 1);
  BOOST_TEST(TS_REQ_get_nonce(req.get()) != nullptr);
  const ASN1_OCTET_STRING* imprint = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req.get()));
  const Bytes want = Digest::Of(kSignature).bytes();
  BOOST_TEST(Bytes(ASN1_STRING_get0_data(imprint),
                   ASN1_STRING_get0_data(imprint) + ASN1_STRING_length(imprint)) == want);

  // The token alone (not the whole response) is kept, and it countersigns the signature.
  auto verified = verify::sigstore::VerifyTimestamp(*token, kSignature, tsa.Root());
  BOOST_REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  BOOST_TEST(FormatRfc3339(*verified) == "2024-06-01T12:00:05Z");
}

// RequestSignedTimestamp keeps the TSA's whole TimeStampResp, byte for byte: the form a bundle's
// rfc3161Timestamps[].signedTimestamp records, which the verifier accepts too.
BOOST_AUTO_TEST_CASE(signed_timestamp_is_the_whole_response_the_verifier_accepts) {
  Tsa tsa;
  Bytes sent;
  FakeTransport t([&](const registry::HttpRequest& req) {
    sent = Answer(tsa, req);
    return Reply(200, sent);
  });
  Result<Bytes> resp = RequestSignedTimestamp(t, kUrl, kSignature);
  BOOST_REQUIRE_MESSAGE(resp.ok(), resp.status().ToString());
  BOOST_TEST(*resp == sent);
  BOOST_TEST(t.last.headers.Get("Content-Type").value_or("") == "application/timestamp-query");
  auto verified = verify::sigstore::VerifyTimestamp(*resp, kSignature, tsa.Root());
  BOOST_REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  BOOST_TEST(FormatRfc3339(*verified) == "2024-06-01T12:00:05Z");

  // The same checks as RequestTimestamp: a reply for other bytes is refused.
  FakeTransport other([&](const registry::HttpRequest&) {
    return Reply(200, tsa.Stamp(ToBytes("other bytes"), kGenTime));
  });
  ExpectUnavailable(RequestSignedTimestamp(other, kUrl, kSignature), "message imprint");
  FakeTransport http500([](const registry::HttpRequest&) { return Reply(500, {}); });
  ExpectUnavailable(RequestSignedTimestamp(http500, kUrl, kSignature), "HTTP status 500");
}

BOOST_AUTO_TEST_CASE(two_requests_carry_different_nonces) {
  Tsa tsa;
  FakeTransport t([&](const registry::HttpRequest& req) { return Reply(200, Answer(tsa, req)); });
  BOOST_REQUIRE(RequestTimestamp(t, kUrl, kSignature).ok());
  OsslPtr<TS_REQ> first = RequestOf(t.last);
  BOOST_REQUIRE(RequestTimestamp(t, kUrl, kSignature).ok());
  OsslPtr<TS_REQ> second = RequestOf(t.last);
  BOOST_TEST(ASN1_INTEGER_cmp(TS_REQ_get_nonce(first.get()), TS_REQ_get_nonce(second.get())) != 0);
}

BOOST_AUTO_TEST_CASE(a_reply_to_another_request_is_refused) {
  Tsa tsa;
  // A replayed reply: the TSA's answer to an earlier request for the same bytes (other nonce).
  Bytes earlier;
  {
    FakeTransport t([&](const registry::HttpRequest& req) { return Reply(200, Answer(tsa, req)); });
    BOOST_REQUIRE(RequestTimestamp(t, kUrl, kSignature).ok());
    earlier = Answer(tsa, t.last);
  }
  FakeTransport replay([&](const registry::HttpRequest&) { return Reply(200, earlier); });
  ExpectUnavailable(RequestTimestamp(replay, kUrl, kSignature), "nonce is not the request's");

  // A reply for other bytes.
  FakeTransport other([&](const registry::HttpRequest&) {
    return Reply(200, tsa.Stamp(ToBytes("other bytes"), kGenTime));
  });
  ExpectUnavailable(RequestTimestamp(other, kUrl, kSignature), "message imprint");
}

BOOST_AUTO_TEST_CASE(http_errors_garbage_and_refusals_are_unavailable_naming_the_tsa) {
  FakeTransport http500([](const registry::HttpRequest&) { return Reply(500, {}); });
  ExpectUnavailable(RequestTimestamp(http500, kUrl, kSignature), "HTTP status 500");

  FakeTransport garbage([](const registry::HttpRequest&) { return Reply(200, ToBytes("<html>")); });
  ExpectUnavailable(RequestTimestamp(garbage, kUrl, kSignature), "not a DER TimeStampResp");

  // status rejection, no token (RFC 3161 2.4.2 PKIStatus 2).
  OsslPtr<TS_RESP> rejected(TS_RESP_new());
  TS_STATUS_INFO* info = TS_STATUS_INFO_new();
  BOOST_REQUIRE(TS_STATUS_INFO_set_status(info, TS_STATUS_REJECTION) == 1);
  BOOST_REQUIRE(TS_RESP_set_status_info(rejected.get(), info) == 1);  // copies |info|
  TS_STATUS_INFO_free(info);
  Bytes der(static_cast<size_t>(i2d_TS_RESP(rejected.get(), nullptr)));
  unsigned char* p = der.data();
  i2d_TS_RESP(rejected.get(), &p);
  FakeTransport refusal([&](const registry::HttpRequest&) { return Reply(200, der); });
  ExpectUnavailable(RequestTimestamp(refusal, kUrl, kSignature), "status rejection");

  FakeTransport down([](const registry::HttpRequest&) -> Result<registry::HttpResponse> {
    return UnavailableError("connection refused");
  });
  ExpectUnavailable(RequestTimestamp(down, kUrl, kSignature), "connection refused");
}

BOOST_AUTO_TEST_CASE(a_url_that_is_not_http_is_invalid_and_sends_nothing) {
  bool called = false;
  FakeTransport t([&](const registry::HttpRequest&) {
    called = true;
    return Reply(500, {});
  });
  Result<Bytes> r = RequestTimestamp(t, "file:///etc/passwd", kSignature);
  BOOST_TEST(IsInvalidArgument(r.status()), r.status().ToString());
  BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(new_tsa_timestamper_binds_the_url) {
  Tsa tsa;
  auto t = std::make_shared<FakeTransport>(
      [&](const registry::HttpRequest& req) { return Reply(200, Answer(tsa, req)); });
  Timestamper stamp = NewTsaTimestamper(t, kUrl);
  Result<Bytes> token = stamp(kSignature);
  BOOST_REQUIRE_MESSAGE(token.ok(), token.status().ToString());
  BOOST_TEST(t->last.url == kUrl);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::sign
