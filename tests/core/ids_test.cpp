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

BOOST_AUTO_TEST_SUITE_END()
