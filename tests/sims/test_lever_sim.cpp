// lever-sim imitates Lever's Data API v1 (seed, routes, auth, rate limit, error bodies) and
// delivers signed webhooks.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <string>

#include "core/signatures.hpp"
#include "net/http_client.hpp"
#include "tests/sims/sim_test_support.hpp"
#include "tools/lever-sim/lever_sim.hpp"

using vouch::sim_test::call;
using vouch::sim_test::json;
using vouch::sim_test::receiver;

namespace {

using ids_t = std::set<std::string>;

// After the seed (1700000000000) and before any real "now": backdated recruiter actions.
constexpr int64_t t0 = 1750000000000;

long ms_since(std::chrono::steady_clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count());
}

// A fresh lever-sim with key "k" (plain) and "conf" (confidential) per test case.
struct lever_fixture {
  lever_fixture() : sim(make_options()) {
    std::string err;
    if (!sim.start(err)) BOOST_FAIL("lever-sim start: " + err);
    base = sim.base_url();
    control = sim.url() + "/_sim";
  }
  static vouch::lever_sim::options make_options() {
    vouch::lever_sim::options o;
    o.keys = {{"k", false}, {"conf", true}};
    return o;
  }
  vouch::sim_test::reply get(const std::string& path, const std::string& key = "k") {
    return call(client, "GET", base + path, nullptr, key);
  }
  vouch::sim_test::reply post_sim(const std::string& path, const json& body) {
    return call(client, "POST", control + path, body);
  }
  /// The ids a list call returned.
  std::set<std::string> ids(const std::string& path) {
    auto r = get(path);
    BOOST_TEST_REQUIRE(r.status == 200);
    std::set<std::string> out;
    for (const auto& o : r.body["data"]) out.insert(o["id"].get<std::string>());
    return out;
  }
  /// Points both webhooks at `hook`.
  void send_webhooks_to(const receiver& hook) {
    post_sim("/webhooks", {{"stage_change_url", hook.url() + "/stage"},
                           {"stage_token", "stage-secret"},
                           {"hired_url", hook.url() + "/hired"},
                           {"hired_token", "hired-secret"}});
  }

  vouch::lever_sim::server sim;
  vouch::net::http_client client;
  std::string base;
  std::string control;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(lever_sim, lever_fixture)

BOOST_AUTO_TEST_CASE(a_call_without_a_known_key_gets_401_unauthorized) {
  auto none = get("/opportunities", "");
  BOOST_TEST(none.status == 401);
  BOOST_TEST(none.body["code"] == "Unauthorized");
  BOOST_TEST(get("/opportunities", "nope").status == 401);
  BOOST_TEST(get("/opportunities").status == 200);
}

BOOST_AUTO_TEST_CASE(the_21st_call_within_a_second_is_rate_limited_without_retry_after) {
  auto start = std::chrono::steady_clock::now();
  std::vector<vouch::sim_test::reply> replies;
  for (int i = 0; i < 30; ++i) replies.push_back(get("/stages"));
  auto elapsed = std::chrono::steady_clock::now() - start;
  for (int i = 0; i < 20; ++i) BOOST_TEST(replies[i].status == 200);
  // 20 tokens plus 10/s refill: 30 calls inside 0.9 s cannot all pass.
  if (elapsed < std::chrono::milliseconds(900)) {
    int limited = 0;
    for (const auto& r : replies) {
      if (r.status != 429) continue;
      ++limited;
      BOOST_TEST(r.body["code"] == "TooManyRequests");
      BOOST_TEST(r.headers.count("retry-after") == 0u);
    }
    BOOST_TEST(limited >= 1);
    auto calls = call(client, "GET", control + "/calls?path=/v1/stages");
    int flagged = 0;
    for (const auto& c : calls.body["calls"]) flagged += c["ratelimited"].get<bool>() ? 1 : 0;
    BOOST_TEST(flagged == limited);
  }
}

BOOST_AUTO_TEST_CASE(pagination_walks_every_page_with_opaque_next_tokens) {
  std::set<std::string> ids;
  std::string url = "/opportunities?limit=2";
  int pages = 0;
  while (true) {
    auto r = get(url);
    BOOST_REQUIRE(r.status == 200);
    ++pages;
    for (const auto& o : r.body["data"]) ids.insert(o["id"].get<std::string>());
    if (!r.body["hasNext"].get<bool>()) break;
    url = "/opportunities?limit=2&offset=" + r.body["next"].get<std::string>();
    BOOST_REQUIRE(pages < 10);
  }
  BOOST_TEST(pages == 3);
  BOOST_TEST(ids == (std::set<std::string>{"opp-1", "opp-2", "opp-3", "opp-4", "opp-5"}));
  BOOST_TEST(get("/opportunities?limit=0").status == 400);
  BOOST_TEST(get("/opportunities?limit=101").status == 400);
  BOOST_TEST(get("/opportunities?offset=bogus").status == 400);
  // A confidential key sees the hidden one only when it asks for all rows.
  BOOST_TEST(get("/opportunities?confidentiality=all", "conf").body["data"].size() == 6u);
  BOOST_TEST(get("/opportunities?confidentiality=all").status == 403);
}

BOOST_AUTO_TEST_CASE(expand_owner_inlines_the_owner_with_email) {
  auto r = get("/opportunities/opp-3?expand=owner");
  BOOST_REQUIRE(r.status == 200);
  BOOST_TEST(r.body["data"]["owner"]["email"] == "oscar.owner@acme.example");
  BOOST_TEST(get("/opportunities/opp-3").body["data"]["owner"] == "user-owner-2");
  auto filtered = get("/opportunities?email=GRACE@example.com");
  BOOST_TEST(filtered.body["data"].size() == 1u);
  BOOST_TEST(filtered.body["data"][0]["id"] == "opp-1");
}

BOOST_AUTO_TEST_CASE(a_posted_note_is_listed) {
  auto posted = call(client, "POST", base + "/opportunities/opp-1/notes?perform_as=user-recruiter",
                     {{"value", "Reference report: http://x/r/1"}}, "k");
  BOOST_TEST(posted.status == 201);
  BOOST_TEST(posted.body["data"]["noteId"].is_string());
  auto list = get("/opportunities/opp-1/notes");
  BOOST_REQUIRE(list.body["data"].size() == 1u);
  BOOST_TEST(list.body["data"][0]["fields"][0]["value"] == "Reference report: http://x/r/1");
  BOOST_TEST(
      call(client, "POST", base + "/opportunities/opp-1/notes", {{"value", ""}}, "k").status ==
      400);
  auto sim_notes = call(client, "GET", control + "/notes/opp-1");
  BOOST_TEST(sim_notes.body["values"] == json::array({"Reference report: http://x/r/1"}));
}

BOOST_AUTO_TEST_CASE(creating_an_opportunity_for_a_known_email_reuses_the_contact) {
  json body = {
      {"name", "G. Hopper"}, {"emails", {"GRACE@example.com"}}, {"postings", {"post-eng"}}};
  auto r = call(client, "POST", base + "/opportunities?perform_as=user-recruiter", body, "k");
  BOOST_REQUIRE(r.status == 201);
  BOOST_TEST(r.body["data"]["contact"] == "ct-opp-1");
  BOOST_TEST(r.body["data"]["id"] != "opp-1");
  auto again = call(client, "POST", base + "/opportunities?perform_as=user-recruiter", body, "k");
  BOOST_TEST(again.body["data"]["id"] != r.body["data"]["id"]);  // always a new opportunity
  BOOST_TEST(get("/opportunities?email=grace@example.com").body["data"].size() == 3u);
  auto fresh = call(client, "POST", base + "/opportunities?perform_as=user-recruiter",
                    {{"name", "Ada"}, {"emails", {"ada@example.com"}}}, "k");
  BOOST_TEST(fresh.body["data"]["contact"] != "ct-opp-1");
  BOOST_TEST(call(client, "POST", base + "/opportunities", body, "k").status == 400);
  BOOST_TEST(call(client, "POST", base + "/opportunities?perform_as=ghost", body, "k").status ==
             400);
  json two = {{"name", "X"}, {"postings", {"post-eng", "post-ops"}}};
  BOOST_TEST(
      call(client, "POST", base + "/opportunities?perform_as=user-recruiter", two, "k").status ==
      400);
}

BOOST_AUTO_TEST_CASE(a_confidential_opportunity_is_403_without_the_flag) {
  auto r = get("/opportunities/opp-secret");
  BOOST_TEST(r.status == 403);
  BOOST_TEST(r.body["code"] == "Forbidden");
  BOOST_TEST(get("/opportunities/opp-secret", "conf").status == 200);
  BOOST_TEST(get("/postings/post-secret").status == 403);
  auto missing = get("/opportunities/nope");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.body["code"] == "ResourceNotFound");
  BOOST_TEST(missing.body["message"] == "opportunities nope was not found");
}

BOOST_AUTO_TEST_CASE(an_injected_fault_answers_the_next_two_calls_then_clears) {
  auto set = call(client, "POST", control + "/faults",
                  {{"method", "GET"}, {"path", "/v1/stages"}, {"status", 503}, {"count", 2}});
  BOOST_TEST(set.status == 201);
  auto first = get("/stages");
  BOOST_TEST(first.status == 503);
  BOOST_TEST(first.headers["retry-after"] == "1");
  BOOST_TEST(get("/stages").status == 503);
  auto third = get("/stages");
  BOOST_TEST(third.status == 200);
  BOOST_TEST(third.body["data"].size() == 4u);
  auto calls = call(client, "GET", control + "/calls?method=GET&path=/v1/st.*").body["calls"];
  BOOST_REQUIRE(calls.size() == 3u);
  BOOST_TEST(calls[0]["injected"] == true);
  BOOST_TEST(calls[0]["key"] == "k");
  BOOST_TEST(calls[2]["injected"] == false);
  BOOST_TEST(calls[2]["status"] == 200);
}

BOOST_AUTO_TEST_CASE(an_injected_delay_slows_only_the_matching_route) {
  call(client, "POST", control + "/delays",
       {{"method", "GET"}, {"path", "/v1/stages"}, {"seconds", 0.4}});
  auto start = std::chrono::steady_clock::now();
  vouch::net::client_request slow;
  slow.url = base + "/stages";
  slow.basic_user = "k";
  auto pending = client.perform(slow);
  BOOST_TEST(get("/users").status == 200);  // served while /stages still waits
  BOOST_TEST(ms_since(start) < 350);
  BOOST_TEST(pending.get().status == 200);
  BOOST_TEST(ms_since(start) >= 400);
  call(client, "DELETE", control + "/delays");
  start = std::chrono::steady_clock::now();
  get("/stages");
  BOOST_TEST(ms_since(start) < 350);
}

BOOST_AUTO_TEST_CASE(move_sends_a_signed_stage_change_webhook_and_retries_failures) {
  receiver hook;
  hook.answer_with({500});  // the first delivery fails; the retry 0.5 s later succeeds
  call(client, "POST", control + "/webhooks",
       {{"stage_change_url", hook.url() + "/webhooks/lever/acme/stage-change"},
        {"stage_token", "stage-secret"},
        {"hired_url", hook.url() + "/webhooks/lever/acme/hired"},
        {"hired_token", "hired-secret"}});
  auto moved = call(client, "POST", control + "/move",
                    {{"opportunity", "opp-1"}, {"stage", "stage-refcheck"}});
  BOOST_TEST(moved.status == 200);
  BOOST_TEST(moved.body["webhook"] == "queued");
  BOOST_REQUIRE(hook.wait_for(2));
  auto reqs = hook.requests();
  BOOST_TEST(reqs[0].body == reqs[1].body);  // a retry resends the same delivery
  const auto& req = reqs[1];
  BOOST_TEST(req.path == "/webhooks/lever/acme/stage-change");
  BOOST_TEST(req.header("user-agent") == "Lever-Webhooks");
  json env = json::parse(req.body);
  BOOST_TEST(env["event"] == "candidateStageChange");
  BOOST_TEST(env["token"].get<std::string>().size() == 48u);
  BOOST_TEST(env["data"]["opportunityId"] == "opp-1");
  BOOST_TEST(env["data"]["contactId"] == "ct-opp-1");
  BOOST_TEST(env["data"]["fromStageId"] == "stage-phone");
  BOOST_TEST(env["data"]["toStageId"] == "stage-refcheck");
  BOOST_TEST(vouch::core::lever_signature_valid("stage-secret", env["token"].get<std::string>(),
                                                env["triggeredAt"].get<int64_t>(),
                                                env["signature"].get<std::string>()));
  BOOST_TEST(get("/opportunities/opp-1").body["data"]["stage"] == "stage-refcheck");
}

BOOST_AUTO_TEST_CASE(archiving_with_a_hired_reason_sends_candidate_hired) {
  receiver hook;
  call(client, "POST", control + "/webhooks",
       {{"hired_url", hook.url() + "/hired"}, {"hired_token", "hired-secret"}});
  auto bad = call(client, "PUT", base + "/opportunities/opp-2/archived", {{"reason", "nope"}}, "k");
  BOOST_TEST(bad.status == 400);
  auto notfit =
      call(client, "PUT", base + "/opportunities/opp-2/archived", {{"reason", "ar-notfit"}}, "k");
  BOOST_TEST(notfit.status == 200);
  auto r =
      call(client, "PUT", base + "/opportunities/opp-2/archived", {{"reason", "ar-hired"}}, "k");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body["data"]["archived"]["reason"] == "ar-hired");
  BOOST_REQUIRE(hook.wait_for(1));
  json env = json::parse(hook.requests()[0].body);
  BOOST_TEST(env["event"] == "candidateHired");
  BOOST_TEST(env["data"]["opportunityId"] == "opp-2");
  BOOST_TEST(vouch::core::lever_signature_valid("hired-secret", env["token"].get<std::string>(),
                                                env["triggeredAt"].get<int64_t>(),
                                                env["signature"].get<std::string>()));
  BOOST_TEST(hook.requests().size() == 1u);  // not-a-fit sent nothing
}

BOOST_AUTO_TEST_CASE(stage_id_and_advanced_at_start_find_only_the_recent_move) {
  BOOST_TEST(
      post_sim("/move",
               {{"opportunity", "opp-1"}, {"stage", "stage-offer"}, {"at", t0}, {"webhook", false}})
          .status == 200);
  post_sim(
      "/move",
      {{"opportunity", "opp-2"}, {"stage", "stage-offer"}, {"at", t0 - 10000}, {"webhook", false}});
  post_sim("/move", {{"opportunity", "opp-3"}, {"stage", "stage-refcheck"}, {"at", t0}});
  const std::string since = std::to_string(t0);
  BOOST_TEST(ids("/opportunities?stage_id=stage-offer&advanced_at_start=" + since) ==
             ids_t{"opp-1"});
  BOOST_TEST(ids("/opportunities?stage_id=stage-offer") == (ids_t{"opp-1", "opp-2"}));
  BOOST_TEST(ids("/opportunities?stage_id=stage-offer&stage_id=stage-refcheck&advanced_at_start=" +
                 since) == (ids_t{"opp-1", "opp-3"}));
  // Bounds are inclusive on both ends.
  BOOST_TEST(ids("/opportunities?advanced_at_start=" + std::to_string(t0 - 10000) +
                 "&advanced_at_end=" + std::to_string(t0 - 10000)) == ids_t{"opp-2"});
  // Filters page like any list.
  auto first = get("/opportunities?stage_id=stage-offer&limit=1");
  BOOST_TEST(first.body["data"].size() == 1u);
  BOOST_TEST(first.body["hasNext"] == true);
}

BOOST_AUTO_TEST_CASE(archived_and_archived_at_filters_select_by_archive_state_and_time) {
  auto hired = post_sim("/hire", {{"opportunity", "opp-3"}, {"at", t0}, {"webhook", false}});
  BOOST_TEST(hired.status == 200);
  BOOST_TEST(
      call(client, "PUT", base + "/opportunities/opp-4/archived", {{"reason", "ar-notfit"}}, "k")
          .status == 200);
  BOOST_TEST(ids("/opportunities?archived=true") == (ids_t{"opp-3", "opp-4"}));
  BOOST_TEST(ids("/opportunities?archived=false") == (ids_t{"opp-1", "opp-2", "opp-5"}));
  BOOST_TEST(ids("/opportunities?archived_at_start=" + std::to_string(t0) +
                 "&archived_at_end=" + std::to_string(t0)) == ids_t{"opp-3"});
  BOOST_TEST(ids("/opportunities?archived_at_start=" + std::to_string(t0 + 1)) == ids_t{"opp-4"});
  BOOST_TEST(ids("/opportunities?archive_reason_id=ar-hired") == ids_t{"opp-3"});
  auto bad = get("/opportunities?archived=maybe");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.body["code"] == "BadRequest");
  BOOST_TEST(bad.body["message"] == "archived must be true or false");
  // Unarchiving through the API clears the archive state again.
  call(client, "PUT", base + "/opportunities/opp-4/archived", {{"reason", nullptr}}, "k");
  BOOST_TEST(ids("/opportunities?archived=true") == ids_t{"opp-3"});
}

BOOST_AUTO_TEST_CASE(a_bad_timestamp_bound_is_a_400_naming_the_parameter) {
  auto r = get("/opportunities?advanced_at_start=yesterday");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.body["code"] == "BadRequest");
  BOOST_TEST(r.body["message"] == "advanced_at_start must be a timestamp in ms");
  auto frac = get("/opportunities?updated_at_end=1.5");
  BOOST_TEST(frac.status == 400);
  BOOST_TEST(frac.body["message"] == "updated_at_end must be a timestamp in ms");
  BOOST_TEST(get("/opportunities?created_at_start=").body["message"] ==
             "created_at_start must be a timestamp in ms");
  BOOST_TEST(get("/opportunities?created_at_end=1700000000000").body["data"].size() == 5u);
}

BOOST_AUTO_TEST_CASE(a_move_appends_a_stage_change_and_sets_last_advanced_at) {
  auto seeded = get("/opportunities/opp-1").body["data"];
  BOOST_REQUIRE(seeded["stageChanges"].size() == 1u);
  BOOST_TEST(seeded["stageChanges"][0] == (json{{"toStageId", "stage-phone"},
                                                {"toStageIndex", 1},
                                                {"userId", "user-owner-1"},
                                                {"updatedAt", 1700000000000}}));
  auto moved = post_sim("/move", {{"opportunity", "opp-1"},
                                  {"stage", "stage-refcheck"},
                                  {"at", t0},
                                  {"user", "user-owner-2"},
                                  {"webhook", false}});
  BOOST_TEST(moved.status == 200);
  BOOST_TEST(moved.body["updatedAt"] == t0);
  auto listed = get("/opportunities?email=grace@example.com").body["data"][0];
  BOOST_TEST(listed["stage"] == "stage-refcheck");
  BOOST_TEST(listed["lastAdvancedAt"] == t0);
  BOOST_TEST(listed["updatedAt"] == t0);
  BOOST_REQUIRE(listed["stageChanges"].size() == 2u);
  BOOST_TEST(listed["stageChanges"][1] == (json{{"toStageId", "stage-refcheck"},
                                                {"toStageIndex", 2},
                                                {"userId", "user-owner-2"},
                                                {"updatedAt", t0}}));
  // An API move is recorded too, by the perform_as user, at the current time.
  auto put = call(client, "PUT", base + "/opportunities/opp-1/stage?perform_as=user-recruiter",
                  {{"stage", "stage-offer"}}, "k");
  BOOST_TEST(put.status == 200);
  const auto& last = put.body["data"]["stageChanges"].back();
  BOOST_TEST(last["userId"] == "user-recruiter");
  BOOST_TEST(last["toStageIndex"] == 3);
  BOOST_TEST(put.body["data"]["lastAdvancedAt"] == last["updatedAt"]);
  BOOST_TEST(post_sim("/move", {{"opportunity", "nope"}, {"stage", "stage-offer"}}).status == 404);
  BOOST_TEST(post_sim("/move", {{"opportunity", "opp-1"}, {"stage", "nope"}}).status == 400);
  BOOST_TEST(post_sim("/move", {{"opportunity", "opp-1"}, {"stage", "stage-new"}, {"at", "soon"}})
                 .status == 400);
}

BOOST_AUTO_TEST_CASE(a_move_with_webhook_false_sends_nothing_while_a_normal_move_sends) {
  receiver hook;
  send_webhooks_to(hook);
  auto silent = post_sim(
      "/move", {{"opportunity", "opp-1"}, {"stage", "stage-refcheck"}, {"webhook", false}});
  BOOST_TEST(silent.status == 200);
  BOOST_TEST(silent.body["webhook"] == "suppressed");
  BOOST_TEST(silent.body["updatedAt"].is_number_integer());
  BOOST_TEST(call(client, "GET", control + "/webhooks").body["deliveries"].empty());
  auto loud = post_sim("/move", {{"opportunity", "opp-2"}, {"stage", "stage-offer"}});
  BOOST_TEST(loud.body["webhook"] == "queued");
  BOOST_REQUIRE(hook.wait_for(1));
  BOOST_TEST(!hook.wait_for(2, std::chrono::milliseconds(300)));
  json env = json::parse(hook.requests()[0].body);
  BOOST_TEST(env["data"]["opportunityId"] == "opp-2");
  BOOST_TEST(call(client, "GET", control + "/webhooks").body["deliveries"].size() == 1u);
  BOOST_TEST(get("/opportunities/opp-1").body["data"]["stage"] == "stage-refcheck");
}

BOOST_AUTO_TEST_CASE(the_drop_switch_drops_exactly_n_webhooks_then_sends_again) {
  receiver hook;
  send_webhooks_to(hook);
  auto set = post_sim("/webhooks/drop", {{"count", 2}, {"event", "candidateStageChange"}});
  BOOST_TEST(set.status == 200);
  BOOST_TEST(call(client, "GET", control + "/webhooks").body["drop"] ==
             (json{{"count", 2}, {"event", "candidateStageChange"}}));
  // Another event passes untouched and does not use up the count.
  BOOST_TEST(post_sim("/hire", {{"opportunity", "opp-5"}}).body["webhook"] == "queued");
  std::vector<std::string> outcomes;
  for (const char* stage : {"stage-refcheck", "stage-offer", "stage-new"}) {
    outcomes.push_back(
        post_sim("/move", {{"opportunity", "opp-1"}, {"stage", stage}}).body["webhook"]);
  }
  BOOST_TEST(outcomes == (std::vector<std::string>{"dropped", "dropped", "queued"}));
  BOOST_REQUIRE(hook.wait_for(2));
  BOOST_TEST(!hook.wait_for(3, std::chrono::milliseconds(300)));
  auto hooks = call(client, "GET", control + "/webhooks").body;
  BOOST_TEST(hooks["drop"].is_null());
  BOOST_REQUIRE(hooks["deliveries"].size() == 4u);
  for (int i : {1, 2}) {
    BOOST_TEST(hooks["deliveries"][i]["dropped"] == true);
    BOOST_TEST(hooks["deliveries"][i]["state"] == "dropped");
    BOOST_TEST(hooks["deliveries"][i]["attempts"].empty());
  }
  BOOST_TEST(hooks["deliveries"][3]["dropped"] == false);
  // The data moved regardless; a null count drops until cleared.
  BOOST_TEST(get("/opportunities/opp-1").body["data"]["stageChanges"].size() == 4u);
  post_sim("/webhooks/drop", {{"count", nullptr}, {"event", nullptr}});
  BOOST_TEST(
      post_sim("/move", {{"opportunity", "opp-2"}, {"stage", "stage-offer"}}).body["webhook"] ==
      "dropped");
  BOOST_TEST(call(client, "DELETE", control + "/webhooks/drop").status == 200);
  BOOST_TEST(
      post_sim("/move", {{"opportunity", "opp-2"}, {"stage", "stage-new"}}).body["webhook"] ==
      "queued");
  BOOST_TEST(hook.wait_for(3));
}

BOOST_AUTO_TEST_CASE(hire_with_webhook_false_archives_with_archived_at_and_sends_nothing) {
  receiver hook;
  send_webhooks_to(hook);
  auto r = post_sim("/hire", {{"opportunity", "opp-2"}, {"at", t0}, {"webhook", false}});
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body["archivedAt"] == t0);
  BOOST_TEST(r.body["webhook"] == "suppressed");
  auto opp = get("/opportunities/opp-2?expand=applications").body["data"];
  BOOST_TEST(opp["archived"] == (json{{"archivedAt", t0}, {"reason", "ar-hired"}}));
  BOOST_TEST(opp["applications"][0]["archived"] == opp["archived"]);
  BOOST_TEST(opp["updatedAt"] == t0);
  BOOST_TEST(call(client, "GET", control + "/webhooks").body["deliveries"].empty());
  BOOST_TEST(!hook.wait_for(1, std::chrono::milliseconds(300)));
  // Silently any reason goes; announced, only a hired-type one.
  BOOST_TEST(
      post_sim("/hire", {{"opportunity", "opp-4"}, {"reason", "ar-notfit"}, {"webhook", false}})
          .status == 200);
  BOOST_TEST(post_sim("/hire", {{"opportunity", "opp-4"}, {"reason", "ar-notfit"}}).status == 400);
  BOOST_TEST(post_sim("/hire", {{"opportunity", "nope"}}).status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
