#include "core/signatures.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>

using namespace vouch::core;

namespace vouch::core {
// Lets Boost.Test print a verdict when a check fails.
inline std::ostream& operator<<(std::ostream& o, platform_verdict v) {
  return o << to_string(v);
}
}  // namespace vouch::core

BOOST_AUTO_TEST_SUITE(signatures)

// -- Lever ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(lever_signature_matches_the_documented_vector) {
  BOOST_TEST(lever_signature("test-signature-token",
                             "be58f711f349c7780e4579cd7c63341ac6f881e4dccc3154", 1431454330072) ==
             "67237316b71be6f4595c3313d347b09353b22d7cbab3726261b73d409acd8fd7");
}

BOOST_AUTO_TEST_CASE(lever_signature_valid_accepts_only_the_exact_signature) {
  const char* token = "be58f711f349c7780e4579cd7c63341ac6f881e4dccc3154";
  const char* good = "67237316b71be6f4595c3313d347b09353b22d7cbab3726261b73d409acd8fd7";
  BOOST_TEST(lever_signature_valid("test-signature-token", token, 1431454330072, good));
  BOOST_TEST(!lever_signature_valid("other-token", token, 1431454330072, good));
  BOOST_TEST(!lever_signature_valid("test-signature-token", token, 1431454330073, good));
  BOOST_TEST(!lever_signature_valid("test-signature-token", token, 1431454330072, ""));
  BOOST_TEST(!lever_signature_valid("test-signature-token", token, 1431454330072,
                                    std::string(good).substr(0, 63)));
}

// -- Standard Webhooks ----------------------------------------------------------------

namespace {

constexpr const char* secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t ts = 1614265330;
constexpr const char* body = "{\"test\": 2432232314}";

std::string key_of(const char* s) {
  std::string key, err;
  BOOST_REQUIRE(platform_key_from_secret(s, key, err));
  return key;
}

}  // namespace

BOOST_AUTO_TEST_CASE(platform_signature_matches_the_standard_webhooks_reference_vector) {
  BOOST_TEST(platform_signature(key_of(secret), msg_id, ts, body) ==
             "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

BOOST_AUTO_TEST_CASE(platform_key_from_secret_decodes_whsec_and_keeps_raw_secrets) {
  std::string key, err;
  BOOST_TEST(platform_key_from_secret("whsec_aGVsbG8=", key, err));
  BOOST_TEST(key == "hello");
  BOOST_TEST(platform_key_from_secret("plain-shared-secret", key, err));
  BOOST_TEST(key == "plain-shared-secret");
  BOOST_TEST(!platform_key_from_secret("whsec_not base64!", key, err));
  BOOST_TEST(err.find("base64") != std::string::npos);
  BOOST_TEST(!platform_key_from_secret("", key, err));
}

BOOST_AUTO_TEST_CASE(platform_verify_accepts_a_signature_it_made) {
  const std::string key = key_of(secret);
  const std::string sig = platform_signature(key, msg_id, ts, body);
  BOOST_TEST(platform_verify(key, msg_id, std::to_string(ts), sig, body, ts) ==
             platform_verdict::ok);
}

BOOST_AUTO_TEST_CASE(platform_verify_refuses_wrong_key_tampered_body_and_other_id) {
  const std::string key = key_of(secret);
  const std::string sig = platform_signature(key, msg_id, ts, body);
  const std::string t = std::to_string(ts);
  BOOST_TEST(platform_verify("another key", msg_id, t, sig, body, ts) ==
             platform_verdict::bad_signature);
  BOOST_TEST(platform_verify(key, msg_id, t, sig, "{\"test\": 2432232315}", ts) ==
             platform_verdict::bad_signature);
  BOOST_TEST(platform_verify(key, "msg_other", t, sig, body, ts) ==
             platform_verdict::bad_signature);
}

BOOST_AUTO_TEST_CASE(platform_verify_refuses_timestamps_beyond_the_tolerance_either_way) {
  const std::string key = key_of(secret);
  const std::string sig = platform_signature(key, msg_id, ts, body);
  const std::string t = std::to_string(ts);
  BOOST_TEST(platform_verify(key, msg_id, t, sig, body, ts + 400) == platform_verdict::stale);
  BOOST_TEST(platform_verify(key, msg_id, t, sig, body, ts - 400) == platform_verdict::stale);
  BOOST_TEST(platform_verify(key, msg_id, t, sig, body, ts + 300) == platform_verdict::ok);
  BOOST_TEST(platform_verify(key, msg_id, "yesterday", sig, body, ts) ==
             platform_verdict::bad_timestamp);
  BOOST_TEST(platform_verify(key, msg_id, "-5", sig, body, ts) == platform_verdict::bad_timestamp);
}

BOOST_AUTO_TEST_CASE(platform_verify_accepts_any_matching_entry_among_several) {
  const std::string key = key_of(secret);
  const std::string good = platform_signature(key, msg_id, ts, body);
  const std::string old = platform_signature("rotated-out key", msg_id, ts, body);
  const std::string header = old + " v2,ignored " + good;
  BOOST_TEST(platform_verify(key, msg_id, std::to_string(ts), header, body, ts) ==
             platform_verdict::ok);
  BOOST_TEST(platform_verify(key, msg_id, std::to_string(ts), old + " v1,bogus", body, ts) ==
             platform_verdict::bad_signature);
}

BOOST_AUTO_TEST_CASE(platform_verify_reports_a_missing_header) {
  const std::string key = key_of(secret);
  const std::string sig = platform_signature(key, msg_id, ts, body);
  const std::string t = std::to_string(ts);
  BOOST_TEST(platform_verify(key, "", t, sig, body, ts) == platform_verdict::missing_header);
  BOOST_TEST(platform_verify(key, msg_id, "", sig, body, ts) == platform_verdict::missing_header);
  BOOST_TEST(platform_verify(key, msg_id, t, "", body, ts) == platform_verdict::missing_header);
}

BOOST_AUTO_TEST_CASE(platform_verdicts_have_stable_names) {
  BOOST_TEST(std::string(to_string(platform_verdict::ok)) == "ok");
  BOOST_TEST(std::string(to_string(platform_verdict::stale)) == "stale");
  BOOST_TEST(std::string(to_string(platform_verdict::bad_signature)) == "bad_signature");
}

BOOST_AUTO_TEST_SUITE_END()
