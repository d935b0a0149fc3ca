#include "core/ids.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;

BOOST_AUTO_TEST_SUITE(ids)

BOOST_AUTO_TEST_CASE(org_ids_are_1_to_64_lowercase_url_safe_characters) {
  BOOST_TEST(valid_org_id("acme"));
  BOOST_TEST(valid_org_id("acme-corp_2"));
  BOOST_TEST(valid_org_id(std::string(64, 'a')));
  BOOST_TEST(!valid_org_id(""));
  BOOST_TEST(!valid_org_id(std::string(65, 'a')));
  BOOST_TEST(!valid_org_id("Acme"));
  BOOST_TEST(!valid_org_id("acme corp"));
  BOOST_TEST(!valid_org_id("acme/corp"));
  BOOST_TEST(!valid_org_id("acme.corp"));
}

BOOST_AUTO_TEST_CASE(to_lower_ascii_leaves_non_ascii_bytes_alone) {
  BOOST_TEST(to_lower_ascii("Hello-WORLD_1") == "hello-world_1");
  BOOST_TEST(to_lower_ascii("\xC3\x89") == "\xC3\x89");  // "É" in UTF-8 stays as is
}

BOOST_AUTO_TEST_CASE(external_ids_are_1_to_128_bytes_without_control_characters) {
  BOOST_TEST(valid_external_id("opp-1"));
  BOOST_TEST(valid_external_id("00000000-aaaa-bbbb-cccc-0123456789ab"));
  BOOST_TEST(valid_external_id(std::string(128, 'x')));
  BOOST_TEST(valid_external_id("Ünïcödé ok"));  // UTF-8 bytes are not control characters
  BOOST_TEST(!valid_external_id(""));
  BOOST_TEST(!valid_external_id(std::string(129, 'x')));
  BOOST_TEST(!valid_external_id(std::string(600, 'x')));
  for (const std::string& bad : {std::string("victim\0x", 8), std::string("a\rb"),
                                 std::string("a\nb"), std::string("a\tb"), std::string("a\x7f")}) {
    BOOST_TEST_INFO("id with byte " << int(bad[bad.size() - 2]));
    BOOST_TEST(!valid_external_id(bad));
  }
  BOOST_TEST(std::string(external_id_problem(std::string(129, 'x'))).find("128") !=
             std::string::npos);
  BOOST_TEST(std::string(external_id_problem(std::string("a\0b", 3))).find("control") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
