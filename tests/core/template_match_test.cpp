#include "core/template_match.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;

BOOST_AUTO_TEST_SUITE(template_match)

namespace {

template_ref tpl(std::string id, std::string tag, int64_t priority, bool is_default, uint64_t seq) {
  return template_ref{std::move(id), std::move(tag), priority, is_default, seq};
}

std::string id_of(const template_choice& c) {
  return c.id.value_or("<none>");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_highest_priority_matching_template_wins) {
  const std::vector<template_ref> ts = {tpl("eng-low", "engineering", 1, false, 1),
                                        tpl("eng-high", "engineering", 5, false, 2),
                                        tpl("sales", "sales", 9, false, 3)};
  const auto c = choose_template({"engineering", "remote"}, ts);
  BOOST_TEST(id_of(c) == "eng-high");
  BOOST_TEST(c.why.find("eng-high") != std::string::npos);
  BOOST_TEST(c.why.find("priority") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(equal_priorities_go_to_the_oldest_template) {
  const std::vector<template_ref> ts = {tpl("newer", "eng", 3, false, 20),
                                        tpl("older", "eng", 3, false, 10)};
  BOOST_TEST(id_of(choose_template({"eng"}, ts)) == "older");
}

BOOST_AUTO_TEST_CASE(tags_match_case_insensitively_on_both_sides) {
  const std::vector<template_ref> ts = {tpl("eng", "Engineering", 0, false, 1)};
  BOOST_TEST(id_of(choose_template({"ENGINEERING"}, ts)) == "eng");
  BOOST_TEST(id_of(choose_template({"engineering"}, ts)) == "eng");
}

BOOST_AUTO_TEST_CASE(without_a_tag_match_the_oldest_default_is_used) {
  const std::vector<template_ref> ts = {tpl("eng", "engineering", 0, false, 1),
                                        tpl("default-new", "", 0, true, 9),
                                        tpl("default-old", "", 0, true, 2)};
  const auto c = choose_template({"sales"}, ts);
  BOOST_TEST(id_of(c) == "default-old");
  BOOST_TEST(c.why.find("default") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_empty_ats_tag_never_matches_a_tag) {
  const std::vector<template_ref> ts = {tpl("blank", "", 100, false, 1)};
  BOOST_TEST(!choose_template({""}, ts).id.has_value());
}

BOOST_AUTO_TEST_CASE(no_match_and_no_default_gives_no_template_and_says_why) {
  const std::vector<template_ref> ts = {tpl("eng", "engineering", 0, false, 1)};
  const auto c = choose_template({"sales", "emea"}, ts);
  BOOST_TEST(!c.id.has_value());
  BOOST_TEST(c.why ==
             "no template matches tags [\"sales\", \"emea\"] and the org has no default template");
}

BOOST_AUTO_TEST_SUITE_END()
