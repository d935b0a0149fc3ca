#include "core/crypto.hpp"
#include "core/encoding.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;

BOOST_AUTO_TEST_SUITE(crypto)

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc4231_test_case_2) {
  BOOST_TEST(hex_lower(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_compares_contents_and_lengths) {
  BOOST_TEST(constant_time_equal("abc", "abc"));
  BOOST_TEST(!constant_time_equal("abc", "abd"));
  BOOST_TEST(!constant_time_equal("abc", "abcd"));
  BOOST_TEST(constant_time_equal("", ""));
}

BOOST_AUTO_TEST_CASE(random_bytes_gives_the_requested_length_and_differs) {
  BOOST_TEST(random_bytes(0).empty());
  BOOST_TEST(random_bytes(32).size() == 32u);
  BOOST_TEST(random_bytes(32) != random_bytes(32));
}

struct gcm_fixture {
  std::string key = std::string(32, '\x42');
  std::string plaintext = "lever api key: secret-123";
  std::string aad = "org:acme";
  std::string sealed = aes_gcm_seal(key, plaintext, aad);
};

BOOST_FIXTURE_TEST_CASE(aes_gcm_round_trips_with_iv_and_tag_around_the_ciphertext, gcm_fixture) {
  BOOST_TEST(sealed.size() == gcm_iv_size + plaintext.size() + gcm_tag_size);
  auto opened = aes_gcm_open(key, sealed, aad);
  BOOST_TEST(opened.has_value());
  BOOST_TEST(*opened == plaintext);
}

BOOST_FIXTURE_TEST_CASE(aes_gcm_uses_a_fresh_iv_per_seal, gcm_fixture) {
  BOOST_TEST(aes_gcm_seal(key, plaintext, aad) != sealed);
}

BOOST_FIXTURE_TEST_CASE(aes_gcm_open_refuses_any_tampering, gcm_fixture) {
  for (std::size_t at : {std::size_t{0}, gcm_iv_size, sealed.size() - 1}) {  // iv, ct, tag
    std::string bad = sealed;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    BOOST_TEST(!aes_gcm_open(key, bad, aad).has_value());
  }
  BOOST_TEST(!aes_gcm_open(key, sealed, "org:other").has_value());
  BOOST_TEST(!aes_gcm_open(std::string(32, '\x43'), sealed, aad).has_value());
  BOOST_TEST(!aes_gcm_open(key, sealed.substr(0, 27), aad).has_value());
  BOOST_TEST(!aes_gcm_open("short key", sealed, aad).has_value());
}

BOOST_AUTO_TEST_CASE(aes_gcm_handles_empty_plaintext_and_aad) {
  const std::string key(32, '\x01');
  const std::string sealed = aes_gcm_seal(key, "", "");
  BOOST_TEST(sealed.size() == gcm_iv_size + gcm_tag_size);
  auto opened = aes_gcm_open(key, sealed, "");
  BOOST_TEST(opened.has_value());
  BOOST_TEST(opened->empty());
}

BOOST_AUTO_TEST_CASE(aes_gcm_seal_rejects_a_key_that_is_not_32_bytes) {
  BOOST_CHECK_THROW(aes_gcm_seal("too short", "x", ""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_fingerprint_is_short_stable_and_tells_keys_apart) {
  const auto a = fingerprint("lever-key-of-acme");
  BOOST_TEST(a.size() == 8u);
  BOOST_TEST(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(fingerprint("lever-key-of-acme") == a);
  BOOST_TEST(fingerprint("lever-key-of-beta") != a);
  BOOST_TEST(a.find("acme") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
