#include "core/encoding.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(hex_is_lowercase_and_round_trips) {
  const std::string bytes("\x00\x01\xab\xff", 4);
  BOOST_TEST(hex_lower(bytes) == "0001abff");
  std::string back;
  BOOST_TEST(hex_decode("0001ABff", back));
  BOOST_TEST(back == bytes);
}

BOOST_AUTO_TEST_CASE(hex_decode_rejects_odd_length_and_non_hex) {
  std::string out;
  BOOST_TEST(!hex_decode("abc", out));
  BOOST_TEST(!hex_decode("zz", out));
  BOOST_TEST(hex_decode("", out));
  BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(base64_matches_rfc4648_vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(plain) == encoded);
    std::string back;
    BOOST_TEST(base64_decode(encoded, back));
    BOOST_TEST(back == plain);
  }
}

BOOST_AUTO_TEST_CASE(base64_decode_is_strict) {
  std::string out;
  BOOST_TEST(!base64_decode("Zg", out));        // missing padding
  BOOST_TEST(!base64_decode("Zg=", out));       // short padding
  BOOST_TEST(!base64_decode("Zh==", out));      // non-zero unused bits
  BOOST_TEST(!base64_decode("Z===", out));      // too much padding
  BOOST_TEST(!base64_decode("Zm9v\n", out));    // whitespace
  BOOST_TEST(!base64_decode("Zm-_", out));      // url alphabet
  BOOST_TEST(!base64_decode("Zg==Zg==", out));  // padding in the middle
}

BOOST_AUTO_TEST_CASE(base64url_uses_url_alphabet_without_padding) {
  const std::string bytes("\xfb\xff\xbf", 3);
  BOOST_TEST(base64_encode(bytes) == "+/+/");
  BOOST_TEST(base64url_encode(bytes) == "-_-_");
  BOOST_TEST(base64url_encode("f") == "Zg");
  std::string back;
  BOOST_TEST(base64url_decode("-_-_", back));
  BOOST_TEST(back == bytes);
  BOOST_TEST(base64url_decode("Zg", back));
  BOOST_TEST(back == "f");
  BOOST_TEST(!base64url_decode("+/+/", back));
  BOOST_TEST(!base64url_decode("Z", back));
}

BOOST_AUTO_TEST_CASE(html_escape_turns_markup_characters_into_entities_only) {
  BOOST_TEST(vouch::core::html_escape("<b onclick=\"x('y')\">A & B</b>") ==
             "&lt;b onclick=&quot;x(&#39;y&#39;)&quot;&gt;A &amp; B&lt;/b&gt;");
  BOOST_TEST(vouch::core::html_escape("Zoë Ünal, plain text") == "Zoë Ünal, plain text");
  BOOST_TEST(vouch::core::html_escape("").empty());
}

BOOST_AUTO_TEST_CASE(parse_decimal_takes_up_to_18_plain_digits) {
  int64_t v = -1;
  BOOST_TEST(vouch::core::parse_decimal("0042", v));
  BOOST_TEST(v == 42);
  BOOST_TEST(vouch::core::parse_decimal("999999999999999999", v));
  BOOST_TEST(v == 999999999999999999LL);
  for (const char* bad : {"", "1000000000000000000", "-1", "+1", "1.5", " 1", "1e3"})
    BOOST_TEST(!vouch::core::parse_decimal(bad, v), bad);
}

BOOST_AUTO_TEST_SUITE_END()
