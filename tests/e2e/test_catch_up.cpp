// Catch-up of missed Lever webhooks, end to end: lever-sim loses a webhook (its drop switch,
// or a change made without one) and a catch-up pass finds the change in Lever's list; the
// late webhook after it changes nothing; what sat in Lever before the connection was saved
// is left alone; and health (API and vouchctl) says what is wrong with a connection.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "tests/e2e/harness.hpp"
#include "tests/support/run_command.hpp"

using namespace vouch::e2e;
namespace fs = std::filesystem;

namespace {

json health(env& e, const std::string& org) {
  return e.daemon->admin_ok("GET", "/admin/v1/orgs/" + org + "/health");
}

/// Asks for a pass now and waits until one ended after the call (ok or not).
json run_pass(env& e, const std::string& org) {
  const int64_t asked = now_ms();
  auto r = e.daemon->admin("POST", "/admin/v1/orgs/" + org + "/reconcile");
  BOOST_REQUIRE_MESSAGE(r.status == 202, "POST reconcile: " << r.describe());
  return wait_for(
             "a catch-up pass of " + org, [&] { return health(e, org)["reconcile"]; },
             [&](const json& rc) {
               return rc["last_pass_at"].is_number() && rc["last_pass_at"].get<int64_t>() >= asked;
             })
      .get<json>();
}

std::size_t mail_count(const std::string& maildir) {
  if (!fs::exists(maildir + "/new")) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(maildir + "/new"), {}));
}

bool history_has(const json& candidate, const std::string& event) {
  for (const auto& h : candidate.value("history", json::array()))
    if (h.value("event", std::string{}) == event) return true;
  return false;
}

vouch::test_support::run_result vouchctl(env& e, std::vector<std::string> args) {
  return vouch::test_support::run_command(
      VOUCHCTL_BIN, std::move(args),
      {"VOUCH_ADMIN_URL=" + e.daemon->admin_url(), "VOUCH_ADMIN_TOKEN=" + e.daemon->admin_token()});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catch_up)

BOOST_AUTO_TEST_CASE(
    a_dropped_stage_change_gets_its_request_within_one_pass_and_the_late_webhook_changes_nothing) {
  env e(json{{"lever", {{"reconcile_every", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  e.route_lever_webhooks(org);
  // Lever loses the next stage-change delivery (an outage, a deploy, a network fault).
  e.lever.control("POST", "webhooks/drop", {{"count", 1}, {"event", "candidateStageChange"}});
  json moved =
      e.lever.control("POST", "move", {{"opportunity", "opp-1"}, {"stage", "stage-refcheck"}});
  BOOST_TEST(moved.value("webhook", std::string{}) == "dropped");
  const int64_t moved_at = moved["updatedAt"].get<int64_t>();

  // The scheduled pass (every second here) finds it: exactly one request.
  e.wait_request("acme", "opp-1", 10s);
  auto c = e.wait_state("acme", "opp-1", {"awaiting_references"});
  BOOST_TEST(history_has(c, "reconcile.stage_change"), c.dump());

  // The verdict names the symptom: a change found that no webhook brought.
  wait_for(
      "the pass to record what it found", [&] { return health(e, "acme")["reconcile"]; },
      [](const json& rc) { return rc["found_total"] == 1; });
  auto h = vouchctl(e, {"orgs", "health", "acme"});
  BOOST_TEST(h.code == 0, h.err);
  BOOST_TEST(h.out.find("although catch-up found 1 change(s) they missed") != std::string::npos,
             h.out);

  // The webhook arrives after all (Lever's retry, a replay): the candidate stays where it is.
  expect_accepted(e.stage_change(org, "opp-1", "stage-refcheck", moved_at + 40), "late webhook");
  stays(
      "one reference request and no new flow",
      [&] {
        auto now = e.daemon->candidate("acme", "opp-1");
        return e.platform.requests("acme", "opp-1").size() == 1 &&
               now["state"] == "awaiting_references" && now["request_id"] == c["request_id"];
      },
      2500ms);

  const json rc = health(e, "acme")["reconcile"];
  BOOST_TEST(rc["last_pass_ok"] == true, rc.dump());
  BOOST_TEST(rc["found_total"].get<int>() == 1, rc.dump());
  BOOST_TEST(rc["cursor"].get<int64_t>() > moved_at, rc.dump());
  BOOST_TEST(rc["last_error"].is_null(), rc.dump());
  const std::string metrics = e.daemon->metrics();
  BOOST_TEST(metric_sum(metrics, "vouch_reconcile_found_total", "org=\"acme\"") == 1.0);
  BOOST_TEST(metric_sum(metrics, "vouch_reconcile_passes_total", "outcome=\"ok\"") >= 1.0);
  // The late webhook came after the last change found: the connection looks healthy again.
  h = vouchctl(e, {"orgs", "health", "acme"});
  BOOST_TEST(h.out.rfind("acme: healthy", 0) == 0u, h.out);
}

BOOST_AUTO_TEST_CASE(a_hire_archived_in_lever_without_a_webhook_makes_the_candidate_hired_once) {
  env e(json{{"lever", {{"reconcile_every", "0s"}}}});
  auto org = e.setup_org("acme", default_templates());
  e.request_to_awaiting(org, "opp-2");
  json hired = e.lever.control("POST", "hire", {{"opportunity", "opp-2"}, {"webhook", false}});
  BOOST_TEST(hired["archivedAt"].is_number());

  run_pass(e, "acme");
  auto c = wait_for(
      "opp-2 to be marked hired", [&] { return e.daemon->candidate("acme", "opp-2"); },
      [](const json& v) { return v.is_object() && v.value("hired", false); });
  BOOST_TEST(history_has(c, "reconcile.hired"), c.dump());
  wait_for(
      "the platform to hear of the hire", [&] { return e.platform.hiring_status("acme", "opp-2"); },
      [](const json& v) { return v.size() == 1; });

  // The next pass sees the same hire again: nothing more happens.
  run_pass(e, "acme");
  stays(
      "one hiring-status call and no owner email",
      [&] {
        return e.platform.hiring_status("acme", "opp-2").size() == 1 &&
               mail_count(e.daemon->maildir()) == 0;
      },
      2000ms);
  BOOST_TEST(health(e, "acme")["reconcile"]["found_total"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(
    candidates_already_in_the_trigger_stage_before_the_connection_was_saved_are_left_alone) {
  env e(json{{"lever", {{"reconcile_every", "0s"}}}});
  // Sitting in the trigger stage before vouch was connected: the overlap of the first pass
  // returns it, and it must still get no request from us.
  e.lever.control("POST", "move",
                  {{"opportunity", "opp-3"}, {"stage", "stage-refcheck"}, {"webhook", false}});
  auto org = e.setup_org("acme", default_templates());
  const json rc = run_pass(e, "acme");
  BOOST_TEST(rc["last_pass_ok"] == true, rc.dump());
  BOOST_TEST(rc["found_total"].get<int>() == 0, rc.dump());
  BOOST_TEST(!e.lever.calls("GET", "/v1/opportunities").empty());
  BOOST_TEST(e.daemon->candidate("acme", "opp-3").is_null());
  BOOST_TEST(e.platform.requests("acme", "opp-3").empty());

  // After the connection, a move into the stage is caught up as usual.
  e.lever.control("POST", "move",
                  {{"opportunity", "opp-4"}, {"stage", "stage-refcheck"}, {"webhook", false}});
  run_pass(e, "acme");
  e.wait_request("acme", "opp-4");
  BOOST_TEST(e.platform.requests("acme", "opp-3").empty());
}

BOOST_AUTO_TEST_CASE(a_refused_key_and_a_wrong_signature_token_show_in_health_and_in_vouchctl) {
  env e(json{{"lever", {{"reconcile_every", "0s"}}}});
  auto good = e.setup_org("acme", default_templates());
  // A wrong signature token pasted into the connection: Lever's deliveries are refused.
  auto wrong = good;
  wrong.stage_token = "not-the-token-lever-signs-with";
  auto r = e.stage_change(wrong, "opp-1");
  BOOST_TEST(r.status == 401, r.describe());
  auto h = vouchctl(e, {"orgs", "health", "acme"});
  BOOST_TEST(h.code == 0, h.err);
  BOOST_TEST(h.out.find("wrong signature") != std::string::npos, h.out);

  // A key Lever refuses (revoked, or pasted wrong): the connection is stored all the same,
  // catch-up fails and says why, the cursor stays.
  e.daemon->admin_ok("PUT", "/admin/v1/orgs/beta", {{"name", "Beta"}});
  json put = e.daemon->admin_ok("PUT", "/admin/v1/orgs/beta/lever",
                                {{"api_key", "revoked-key"},
                                 {"stage_change_signature_token", "s"},
                                 {"hired_signature_token", "h"},
                                 {"trigger_stage_ids", {"stage-refcheck"}},
                                 {"perform_as", "user-recruiter"},
                                 {"base_url", e.lever.base_url()}});
  BOOST_TEST(put["health"]["status"] == "unauthorized", put.dump());
  const json before = health(e, "beta")["reconcile"];
  const json rc = run_pass(e, "beta");
  BOOST_TEST(rc["last_pass_ok"] == false, rc.dump());
  BOOST_TEST(rc["last_error"].get<std::string>().find("401") != std::string::npos, rc.dump());
  BOOST_TEST(rc["cursor"] == before["cursor"], rc.dump());
  const json beta = health(e, "beta");
  BOOST_TEST(beta["lever"]["status"] == "unauthorized", beta.dump());
  h = vouchctl(e, {"orgs", "health", "beta"});
  BOOST_TEST(h.out.find("Lever refuses the API key") != std::string::npos, h.out);

  // Unknown and unconnected orgs are told apart from a queued pass.
  BOOST_TEST(e.daemon->admin("POST", "/admin/v1/orgs/nope/reconcile").status == 404);
  e.daemon->admin_ok("PUT", "/admin/v1/orgs/gamma", {{"name", "Gamma"}});
  BOOST_TEST(e.daemon->admin("POST", "/admin/v1/orgs/gamma/reconcile").status == 409);
  auto q = vouchctl(e, {"orgs", "reconcile", "acme"});
  BOOST_TEST(q.code == 0, q.err);
  BOOST_TEST(q.out.find("queued") != std::string::npos, q.out);
}

BOOST_AUTO_TEST_SUITE_END()
