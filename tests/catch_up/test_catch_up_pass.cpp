// One catch-up pass against a real lever-sim on loopback: what it finds (entries into the
// trigger stages, hires) and what it leaves (changes before the connection, other archive
// reasons, candidates that left the stage), every page, and how it fails when Lever
// refuses the key or is down. The page reader is also checked on hand-written bodies.
#define BOOST_TEST_MODULE vouch catch_up
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "actors/catch_up_pass.hpp"
#include "tests/sims/sim_test_support.hpp"
#include "tools/lever-sim/lever_sim.hpp"

using namespace vouch;
using vouch::sim_test::json;

namespace {

struct fixture {
  fixture() : sim(make_options()), limiter(1000, 1000) {
    std::string err;
    if (!sim.start(err)) BOOST_FAIL("lever-sim start: " + err);
    control = sim.url() + "/_sim";
  }
  static lever_sim::options make_options() {
    lever_sim::options o;
    o.keys = {{"k", false}};
    o.rate_per_s = 1000;
    o.burst = 1000;
    return o;
  }
  json sim_post(const std::string& path, const json& body) {
    auto r = sim_test::call(http, "POST", control + path, body);
    BOOST_TEST_REQUIRE((r.status >= 200 && r.status < 300), path << ": " << r.raw);
    return r.body;
  }
  void move(const std::string& opp, const std::string& stage, int64_t at) {
    sim_post("/move", {{"opportunity", opp}, {"stage", stage}, {"at", at}, {"webhook", false}});
  }
  actors::catch_up_result pass(int64_t since, int64_t not_before, const std::string& key = "k") {
    actors::catch_up_client c(http, limiter, std::chrono::seconds(5), 0);
    actors::catch_up_request req;
    req.base_url = sim.base_url();
    req.api_key = key;
    req.trigger_stage_ids = {"stage-refcheck"};
    req.since = since;
    req.not_before = not_before;
    return c.run(req);
  }

  lever_sim::server sim;
  net::http_client http;
  actors::rate_limiter limiter;
  std::string control;
};

constexpr int64_t t0 = 1764000000000;

std::set<std::string> stage_entries(const actors::catch_up_result& r) {
  std::set<std::string> out;
  for (const auto& c : r.found)
    if (!c.hired) out.insert(c.opp + "@" + std::to_string(c.at));
  return out;
}
std::set<std::string> hires(const actors::catch_up_result& r) {
  std::set<std::string> out;
  for (const auto& c : r.found)
    if (c.hired) out.insert(c.opp + "@" + std::to_string(c.at));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(page_reader)

BOOST_AUTO_TEST_CASE(a_stage_row_gives_its_newest_entry_into_the_stage) {
  auto p = actors::parse_opportunity_page(R"({"data": [
      {"id": "a", "stage": "s", "stageChanges": [{"toStageId": "s", "updatedAt": 5},
                                                  {"toStageId": "x", "updatedAt": 7},
                                                  {"toStageId": "s", "updatedAt": 9}]},
      {"id": "left", "stage": "x", "stageChanges": [{"toStageId": "s", "updatedAt": 5}]},
      {"id": "no-changes", "stage": "s"},
      {"id": "", "stage": "s", "stageChanges": [{"toStageId": "s", "updatedAt": 5}]}],
      "hasNext": true, "next": "abc"})",
                                          "s");
  BOOST_TEST(p.error.empty());
  BOOST_REQUIRE(p.changes.size() == 1u);
  BOOST_TEST(p.changes[0].opp == "a");
  BOOST_TEST(p.changes[0].at == 9);
  BOOST_TEST(p.changes[0].stage == "s");
  BOOST_TEST(p.next == "abc");
}

BOOST_AUTO_TEST_CASE(a_hire_row_reads_archived_first_and_the_legacy_key_after) {
  auto p = actors::parse_opportunity_page(R"({"data": [
      {"id": "a", "archived": {"archivedAt": 11, "reason": "r"}},
      {"id": "b", "archived": null, "archivedAt": 12},
      {"id": "c", "archived": null}], "hasNext": false})",
                                          "");
  BOOST_REQUIRE(p.changes.size() == 2u);
  BOOST_TEST(p.changes[0].hired);
  BOOST_TEST(p.changes[0].at == 11);
  BOOST_TEST(p.changes[1].at == 12);
  BOOST_TEST(p.next.empty());
}

BOOST_AUTO_TEST_CASE(a_body_that_is_no_list_page_is_an_error_not_an_empty_page) {
  for (const char* body : {"", "[]", "{\"data\": 3}", "not json", "{\"hasNext\": false}"}) {
    auto p = actors::parse_opportunity_page(body, "s");
    BOOST_TEST(!p.error.empty(), body);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(against_lever_sim, fixture)

BOOST_AUTO_TEST_CASE(finds_entries_and_hires_since_the_cursor_and_leaves_older_ones) {
  move("opp-1", "stage-refcheck", t0 + 10);
  move("opp-2", "stage-refcheck", t0 - 10);  // before the connection: left alone
  move("opp-5", "stage-refcheck", t0 + 15);
  move("opp-5", "stage-offer", t0 + 16);  // left the stage again: nothing to act on
  sim_post("/hire", {{"opportunity", "opp-3"}, {"at", t0 + 20}, {"webhook", false}});
  sim_post(
      "/hire",
      {{"opportunity", "opp-4"}, {"reason", "ar-notfit"}, {"at", t0 + 30}, {"webhook", false}});

  auto r = pass(t0 - 300000, t0);
  BOOST_TEST(r.ok, r.error);
  BOOST_TEST(r.error.empty());
  BOOST_TEST((stage_entries(r) == std::set<std::string>{"opp-1@" + std::to_string(t0 + 10)}));
  BOOST_TEST((hires(r) == std::set<std::string>{"opp-3@" + std::to_string(t0 + 20)}));
}

BOOST_AUTO_TEST_CASE(reads_every_page) {
  for (int i = 0; i < 230; ++i) {
    const std::string id = "bulk-" + std::to_string(i);
    sim_post("/opportunities", {{"id", id},
                                {"name", "Bulk " + std::to_string(i)},
                                {"email", id + "@example.com"},
                                {"posting", "post-eng"}});
    move(id, "stage-refcheck", t0 + 100 + i);
  }
  auto r = pass(t0, t0);
  BOOST_TEST(r.ok, r.error);
  BOOST_TEST(stage_entries(r).size() == 230u);
  BOOST_TEST(r.calls >= 3 + 2);  // three pages of stage entries, the reasons, the hires
}

BOOST_AUTO_TEST_CASE(a_refused_key_fails_the_pass_with_the_status) {
  auto r = pass(t0, t0, "revoked");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.error.find("401") != std::string::npos, r.error);
  BOOST_TEST(r.calls == 1);
}

BOOST_AUTO_TEST_CASE(lever_down_fails_the_pass_and_finds_nothing_half_way) {
  move("opp-1", "stage-refcheck", t0 + 10);
  sim_post("/faults", {{"method", "GET"}, {"path", "/v1/archive_reasons"}, {"status", 503}});
  auto r = pass(t0, t0);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.status == 503);
  BOOST_TEST(r.error.find("503") != std::string::npos, r.error);
  BOOST_TEST(r.found.empty());
}

BOOST_AUTO_TEST_SUITE_END()
