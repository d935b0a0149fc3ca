// The hiring half end to end (issue #3): not hired, hired before the report, Lever's echo
// of our own archive, the platform's hire status, Lever already archived as hired when the
// follow-up is due, and expired links.
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "core/encoding.hpp"
#include "core/hire_token.hpp"
#include "tests/e2e/harness.hpp"

using namespace vouch::e2e;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> mail_texts(const std::string& maildir) {
  std::vector<std::string> out;
  if (!fs::exists(maildir + "/new")) return out;
  for (const auto& f : fs::directory_iterator(maildir + "/new")) {
    std::ifstream in(f.path());
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

/// The link for `answer` in a follow-up email.
std::string link_in(const std::string& text, const std::string& answer) {
  std::smatch m;
  std::regex rx("(http://[^\\s]+/hire-confirmation/[A-Za-z0-9_.-]+\\?answer=" + answer + ")\\b");
  return std::regex_search(text, m, rx) ? m[1].str() : "";
}

response post_answer(const std::string& url, const std::string& answer) {
  return http("POST", url, "answer=" + answer,
              {{"Content-Type", "application/x-www-form-urlencoded"}});
}

/// Drives a candidate to awaiting_hire_decision; returns the request id.
std::string to_hire_decision(env& e, const org_handle& org, const std::string& opp) {
  auto rid = e.request_to_awaiting(org, opp);
  auto r = e.report_completed(org, opp, rid, "https://platform.example/reports/" + rid);
  expect_accepted(r, "report.completed");
  e.wait_state(org.id, opp, {"awaiting_hire_decision", "awaiting_owner_response"});
  return rid;
}

/// Reminder calls the platform received for each request: their total, or -1 as soon as one
/// request got two (sent twice: the caller fails at once).
json reminders_sent(platform_sim& platform, const std::vector<std::string>& rids) {
  std::size_t all = 0;
  for (const auto& rid : rids) {
    auto n = platform.calls("POST", "/v1/reference-requests/" + rid + "/remind").size();
    if (n > 1) return json(-1);
    all += n;
  }
  return json(all);
}

/// Waits until every request got its reminder, then checks none gets a second.
void expect_each_reminded_once(env& e, const std::vector<std::string>& rids, const char* what,
                               milliseconds timeout) {
  auto reminded = [&] { return reminders_sent(e.platform, rids); };
  wait_for(
      what, reminded, [&](const json& v) { return v == json(-1) || v == json(rids.size()); },
      timeout);
  stays(
      "each reminder went out once", [&] { return reminded() == json(rids.size()); }, 800ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hire_status)

BOOST_AUTO_TEST_CASE(the_owner_answering_not_hired_records_it_in_lever_and_on_the_platform) {
  env e(json{{"timing", {{"hire_followup_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  to_hire_decision(e, org, "opp-1");
  e.wait_state("acme", "opp-1", {"awaiting_owner_response"});
  auto mails = wait_for(
      "the follow-up email", [&] { return json(mail_texts(e.daemon->maildir())); },
      [](const json& v) { return !v.empty(); });
  auto url = link_in(mails[0].get<std::string>(), "not_hired");
  BOOST_REQUIRE(!url.empty());
  auto p = post_answer(url, "not_hired");
  BOOST_TEST(p.status == 200, p.describe());
  e.wait_state("acme", "opp-1", {"not_hired"});
  auto hs = wait_for(
      "hiring-status not hired", [&] { return e.platform.hiring_status("acme", "opp-1"); },
      [](const json& v) { return !v.empty(); });
  BOOST_TEST(hs[0]["body"].value("hired", true) == false);
  BOOST_TEST(hs[0]["body"].value("source", "") == "owner_email");
  wait_for(
      "a note recording the decision", [&] { return json(e.lever.note_values("opp-1").size()); },
      [](const json& n) { return n.get<std::size_t>() >= 2; });
  BOOST_TEST(e.lever.calls("PUT", "/v1/opportunities/opp-1/archived").empty());
  // A different second answer is refused: the page shows the recorded one.
  auto again = post_answer(link_in(mails[0].get<std::string>(), "hired"), "hired");
  BOOST_TEST(again.status == 200);
  BOOST_TEST(again.body.find("not hired") != std::string::npos);
  stays(
      "the recorded answer stays",
      [&] { return e.daemon->candidate("acme", "opp-1").value("state", "") == "not_hired"; },
      800ms);
}

BOOST_AUTO_TEST_CASE(a_hire_before_the_report_ends_in_hired_without_any_follow_up_email) {
  env e(json{{"timing", {{"hire_followup_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  auto rid = e.request_to_awaiting(org, "opp-1");
  expect_accepted(e.hired(org, "opp-1"), "hired webhook before the report");
  auto c = e.wait_state("acme", "opp-1", {"awaiting_references"});
  wait_for(
      "hired flag", [&] { return e.daemon->candidate("acme", "opp-1"); },
      [](const json& c) { return c.value("hired", false); });
  expect_accepted(e.report_completed(org, "opp-1", rid, "https://platform.example/r/" + rid),
                  "report");
  e.wait_state("acme", "opp-1", {"hired"}, 20s);
  BOOST_TEST(e.lever.note_values("opp-1").size() == 1u);  // the report note
  stays(
      "no follow-up email once the answer is known",
      [&] { return mail_texts(e.daemon->maildir()).empty(); }, 2500ms);
  auto hs = e.platform.hiring_status("acme", "opp-1");
  BOOST_REQUIRE(hs.size() == 1u);
  BOOST_TEST(hs[0]["body"].value("source", "") == "lever_webhook");
}

BOOST_AUTO_TEST_CASE(lever_echoing_our_own_archive_changes_nothing) {
  env e(json{{"timing", {{"hire_followup_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  e.route_lever_webhooks(org);
  to_hire_decision(e, org, "opp-1");
  e.wait_state("acme", "opp-1", {"awaiting_owner_response"});
  auto mails = wait_for(
      "the follow-up email", [&] { return json(mail_texts(e.daemon->maildir())); },
      [](const json& v) { return !v.empty(); });
  BOOST_TEST(post_answer(link_in(mails[0].get<std::string>(), "hired"), "hired").status == 200);
  e.wait_state("acme", "opp-1", {"hired"});
  // lever-sim sends candidateHired after the archive call; vouchd records it and stops.
  wait_for(
      "the echo in the candidate's history",
      [&] { return e.daemon->candidate("acme", "opp-1")["history"]; },
      [](const json& h) {
        if (!h.is_array()) return false;
        for (const auto& x : h)
          if (x.value("event", "") == "lever.hired") return true;
        return false;
      });
  stays(
      "one hire note, one hiring-status, one archive",
      [&] {
        return e.lever.note_values("opp-1").size() == 2 &&
               e.platform.hiring_status("acme", "opp-1").size() == 1 &&
               e.lever.calls("PUT", "/v1/opportunities/opp-1/archived").size() == 1;
      },
      1000ms);
}

BOOST_AUTO_TEST_CASE(the_platform_reporting_a_hire_archives_in_lever_and_is_not_told_back) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  to_hire_decision(e, org, "opp-1");
  json ev = {{"id", "evt-hs-1"}, {"type", "hire_status.changed"},
             {"org", "acme"},    {"opportunity_id", "opp-1"},
             {"hired", true},    {"at", now_ms()}};
  expect_accepted(e.send_event(ev), "hire_status.changed");
  e.wait_state("acme", "opp-1", {"hired"});
  wait_for(
      "archived in Lever",
      [&] { return e.lever.ok_calls("PUT", "/v1/opportunities/opp-1/archived"); },
      [](const json& v) { return !v.empty(); });
  stays(
      "the platform is not told back",
      [&] { return e.platform.hiring_status("acme", "opp-1").empty(); }, 800ms);

  to_hire_decision(e, org, "opp-2");
  json no = {{"id", "evt-hs-2"}, {"type", "hire_status.changed"},
             {"org", "acme"},    {"opportunity_id", "opp-2"},
             {"hired", false},   {"at", now_ms()}};
  expect_accepted(e.send_event(no), "hire_status.changed false");
  e.wait_state("acme", "opp-2", {"not_hired"});
}

BOOST_AUTO_TEST_CASE(a_follow_up_finds_lever_already_archived_as_hired_and_sends_no_email) {
  env e(json{{"timing", {{"hire_followup_after", "2s"}}}});
  auto org = e.setup_org("acme", default_templates());
  to_hire_decision(e, org, "opp-1");
  // Someone archives the opportunity as hired in Lever; no webhook reaches vouchd.
  auto r =
      http("PUT", e.lever.base_url() + "/opportunities/opp-1/archived", R"({"reason":"ar-hired"})",
           {{"Content-Type", "application/json"},
            {"Authorization", "Basic " + vouch::core::base64_encode(org.api_key + ":")}});
  BOOST_REQUIRE(r.status == 200);
  e.wait_state("acme", "opp-1", {"hired"}, 20s);
  BOOST_TEST(mail_texts(e.daemon->maildir()).empty());
  auto hs = wait_for(
      "hiring-status", [&] { return e.platform.hiring_status("acme", "opp-1"); },
      [](const json& v) { return !v.empty(); });
  BOOST_TEST(hs[0]["body"].value("source", "") == "lever_webhook");
}

BOOST_AUTO_TEST_CASE(an_expired_hire_link_answers_410_and_changes_nothing) {
  env e(json{{"timing", {{"hire_followup_after", "1s"}}}});
  auto org = e.setup_org("acme", default_templates());
  to_hire_decision(e, org, "opp-1");
  e.wait_state("acme", "opp-1", {"awaiting_owner_response"});
  std::string master;
  BOOST_REQUIRE(vouch::core::hex_decode(
      e.daemon->config()["security"]["master_key"].get<std::string>(), master));
  auto token = vouch::core::make_hire_token(vouch::core::hire_token_key(master), "acme", "opp-1",
                                            now_ms() - 1000);
  auto url = e.daemon->public_url() + "/hire-confirmation/" + token + "?answer=hired";
  BOOST_TEST(http("GET", url).status == 410);
  BOOST_TEST(post_answer(url, "hired").status == 410);
  stays(
      "nothing changes",
      [&] {
        return e.daemon->candidate("acme", "opp-1").value("state", "") == "awaiting_owner_response";
      },
      600ms);
}

BOOST_AUTO_TEST_CASE(a_timer_that_came_due_while_vouchd_was_stopped_fires_right_after_start) {
  env e(json{{"timing", {{"reference_reminder_after", "2s"}, {"request_expiry_after", "1h"}}}});
  auto org = e.setup_org("acme", default_templates());
  auto rid = e.request_to_awaiting(org, "opp-1");
  BOOST_REQUIRE(e.daemon->stop() == 0);  // a clean stop, well before the reminder is due
  // The downtime itself: the reminder comes due while nothing runs.
  std::this_thread::sleep_for(3s);
  BOOST_TEST(e.platform.calls("POST", "/v1/reference-requests/" + rid + "/remind").empty());
  auto started = std::chrono::steady_clock::now();
  e.daemon->start();
  wait_for(
      "the overdue reminder",
      [&] { return e.platform.calls("POST", "/v1/reference-requests/" + rid + "/remind"); },
      [](const json& v) { return !v.empty(); }, 10s);
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  BOOST_TEST(took.count() < 3000,
             "the overdue reminder went out " << took.count() << " ms after start");
  stays(
      "one reminder only",
      [&] {
        return e.platform.calls("POST", "/v1/reference-requests/" + rid + "/remind").size() == 1;
      },
      800ms);
}

// The regression of a start-up race: the outbox was read while candidates already
// committed the reminders their overdue timers caused, and one went out twice.
BOOST_AUTO_TEST_CASE(overdue_reminders_of_many_candidates_go_out_once_each_after_a_restart) {
  env e(json{{"timing", {{"reference_reminder_after", "2s"}, {"request_expiry_after", "1h"}}}});
  auto org = e.setup_org("acme", default_templates());
  std::vector<std::string> rids;
  for (int i = 0; i < 12; ++i) {
    auto opp = "many-" + std::to_string(i);
    e.lever.add_opportunity(opp, "Candidate " + opp, opp + "@example.com", "post-eng");
    rids.push_back(e.request_to_awaiting(org, opp));
  }
  BOOST_REQUIRE(e.daemon->stop() == 0);
  std::this_thread::sleep_for(2500ms);  // every reminder comes due while nothing runs
  e.daemon->start();
  expect_each_reminded_once(e, rids, "every overdue reminder", 10s);
}

BOOST_AUTO_TEST_CASE(timers_beyond_the_in_memory_window_are_read_when_it_reaches_them) {
  // The timer service holds only the timers due within its window (10 min; 1 s here, through
  // the test seam) and reads the next window from LMDB as time passes. Reminders set before a
  // restart and due well after the first window must each go out once.
  ::setenv("VOUCHD_TEST_TIMER_WINDOW_MS", "1000", 1);
  struct unset {
    ~unset() { ::unsetenv("VOUCHD_TEST_TIMER_WINDOW_MS"); }
  } unset_at_exit;
  env e(json{{"timing", {{"reference_reminder_after", "5s"}, {"request_expiry_after", "1h"}}}});
  auto org = e.setup_org("acme", default_templates());
  std::vector<std::string> rids;
  for (int i = 0; i < 6; ++i) {
    auto opp = "window-" + std::to_string(i);
    e.lever.add_opportunity(opp, "Candidate " + opp, opp + "@example.com", "post-eng");
    rids.push_back(e.request_to_awaiting(org, opp));
  }
  BOOST_REQUIRE(e.daemon->stop() == 0);
  e.daemon->start();  // the reminders are 3-5 s away: beyond the first 1 s window
  BOOST_CHECK_EQUAL(reminders_sent(e.platform, rids), json(0));  // not early
  expect_each_reminded_once(e, rids, "every reminder, from later windows", 15s);
  BOOST_CHECK_MESSAGE(e.daemon->log_tail(200).find("msg=test_timer_window") != std::string::npos,
                      "the seam was not in effect");
}

BOOST_AUTO_TEST_SUITE_END()
