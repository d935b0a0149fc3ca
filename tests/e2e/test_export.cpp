// Prospect export end to end (issue #4): bulk and automatic, duplicates by event id and by
// email, a 429 storm, kill -9 in the middle, cancellation, and live candidate work during a
// bulk export. Real vouchd, lever-sim and platform-sim processes.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <set>

#include "tests/e2e/harness.hpp"

using namespace vouch::e2e;

namespace {

json prospect_event(const std::string& org, const std::string& evt, const std::string& pid,
                    const std::string& name, const json& emails) {
  return {{"id", evt},
          {"type", "prospect.created"},
          {"org", org},
          {"prospect",
           {{"id", pid},
            {"name", name},
            {"emails", emails},
            {"phones", json::array({"+15550100"})},
            {"headline", "Engineering manager"}}},
          {"at", now_ms()}};
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Successful POST /v1/opportunities per lower-cased email.
std::map<std::string, int> created_by_email(lever_sim& lever) {
  std::map<std::string, int> out;
  for (const auto& c : lever.ok_calls("POST", "/v1/opportunities")) {
    const auto& b = c["body"];
    if (!b.is_object()) continue;
    for (const auto& e : b.value("emails", json::array()))
      if (e.is_string()) ++out[lower(e.get<std::string>())];
  }
  return out;
}

json export_state(vouchd& d, const std::string& id) {
  return d.admin_ok("GET", "/admin/v1/exports/" + id);
}

json wait_export_done(vouchd& d, const std::string& id, milliseconds timeout) {
  return wait_for(
      "export " + id + " to finish", [&] { return export_state(d, id); },
      [](const json& j) { return j.value("state", "") != "running"; }, timeout);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prospect_export)

BOOST_AUTO_TEST_CASE(
    a_bulk_export_of_hundreds_creates_one_opportunity_per_email_through_a_429_storm) {
  env e({{"lever", {{"rate_per_s", 100}, {"burst", 40}}}}, {"--rate", "100", "--burst", "40"});
  auto org = e.setup_org("acme", default_templates());
  std::set<std::string> unique;
  int sent = 0;
  for (int i = 0; i < 250; ++i) {  // 250 distinct people
    auto mail = "person" + std::to_string(i) + "@example.com";
    unique.insert(mail);
    expect_accepted(e.send_event(prospect_event("acme", "evt-" + std::to_string(i),
                                                "p-" + std::to_string(i), "Person", {mail})),
                    "prospect " + std::to_string(i));
    ++sent;
  }
  for (int i = 0; i < 10; ++i)  // another prospect id, same email in other case
    expect_accepted(e.send_event(prospect_event("acme", "evt-dup-" + std::to_string(i),
                                                "p-dup-" + std::to_string(i), "Again",
                                                {"PERSON" + std::to_string(i) + "@Example.com"})),
                    "prospect with a known email");
  expect_accepted(e.send_event(prospect_event("acme", "evt-known", "p-known", "Grace",
                                              {"grace@example.com"})),  // already in Lever
                  "prospect already in Lever");
  expect_accepted(
      e.send_event(prospect_event("acme", "evt-noemail", "p-none", "Nobody", json::array())),
      "prospect without email");
  auto dup =
      e.send_event(prospect_event("acme", "evt-0", "p-0", "Person", {"person0@example.com"}));
  expect_accepted(dup, "repeated event id", "duplicate");
  auto bad = e.send_event({{"id", "evt-bad"},
                           {"type", "prospect.created"},
                           {"org", "acme"},
                           {"prospect", {{"id", "p-bad"}, {"name", "Bad"}, {"emails", "x@y"}}},
                           {"at", now_ms()}});
  expect_error(bad, 400, "bad_request", "emails as a string");
  BOOST_TEST(bad.body.find("emails") != std::string::npos);

  e.lever.fault(
      {{"method", "POST"}, {"path", "/v1/opportunities"}, {"status", 429}, {"count", 12}});
  auto started = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", json::object(), {202});
  const std::string id = started.value("id", "");
  auto job = wait_export_done(*e.daemon, id, 120s);
  BOOST_TEST(job.value("state", "") == "done");
  BOOST_TEST(job.value("total", 0) == 261);  // 250 + 10 + 1 with email; the bad one was not stored
  BOOST_TEST(job.value("failed", -1) == 0);
  BOOST_TEST(job.value("done", 0) + job.value("skipped", 0) == 261);
  BOOST_TEST(job.value("skipped", 0) >= 11);  // 10 same-email + grace

  auto created = created_by_email(e.lever);
  for (const auto& mail : unique)
    BOOST_TEST(created[mail] == 1, mail << " created " << created[mail]);
  BOOST_TEST(created["grace@example.com"] == 0);
  BOOST_TEST(e.lever.calls("POST", "/v1/opportunities").size() >= 250u + 12u);  // the 429s retried
  for (const auto& c : e.lever.ok_calls("POST", "/v1/opportunities"))
    BOOST_TEST(c["query"].value("perform_as", json::array()).dump().find("user-recruiter") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(
    a_kill_minus_9_in_the_middle_of_an_export_ends_with_one_opportunity_per_email) {
  env e({{"lever", {{"rate_per_s", 30}, {"burst", 10}}}}, {"--rate", "30", "--burst", "10"});
  auto org = e.setup_org("acme", default_templates());
  for (int i = 0; i < 120; ++i)
    expect_accepted(
        e.send_event(prospect_event("acme", "evt-" + std::to_string(i), "p-" + std::to_string(i),
                                    "Person", {"p" + std::to_string(i) + "@example.com"})),
        "prospect");
  auto started = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", json::object(), {202});
  const std::string id = started.value("id", "");
  wait_for(
      "some prospects exported", [&] { return json(created_by_email(e.lever).size()); },
      [](const json& n) { return n.get<std::size_t>() >= 20; }, 60s);
  e.daemon->kill9();
  e.daemon->start();
  auto job = wait_export_done(*e.daemon, id, 120s);
  BOOST_TEST(job.value("state", "") == "done");
  BOOST_TEST(job.value("total", 0) == 120);
  BOOST_TEST(job.value("failed", -1) == 0);
  // A create cut off by the kill may count as done or skipped (docs/reference.md#prospects).
  BOOST_TEST(job.value("done", 0) + job.value("skipped", 0) == 120);
  auto created = created_by_email(e.lever);
  BOOST_TEST(created.size() == 120u);
  for (const auto& [mail, n] : created) BOOST_TEST(n == 1, mail << " created " << n);
}

BOOST_AUTO_TEST_CASE(a_cancelled_export_stops_and_a_later_export_takes_the_rest) {
  env e({{"lever", {{"rate_per_s", 10}, {"burst", 5}}}}, {"--rate", "10", "--burst", "5"});
  auto org = e.setup_org("acme", default_templates());
  for (int i = 0; i < 60; ++i)
    expect_accepted(
        e.send_event(prospect_event("acme", "evt-" + std::to_string(i), "p-" + std::to_string(i),
                                    "Person", {"c" + std::to_string(i) + "@example.com"})),
        "prospect");
  auto id = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", json::object(), {202})
                .value("id", "");
  auto r = e.daemon->admin("POST", "/admin/v1/exports/" + id + "/cancel", json::object());
  BOOST_TEST(r.status == 202, r.describe());
  auto job = wait_export_done(*e.daemon, id, 30s);
  BOOST_TEST(job.value("state", "") == "cancelled");
  stays(
      "no more creations after the cancel settles",
      [&, n = created_by_email(e.lever).size()]() mutable {
        auto now = created_by_email(e.lever).size();
        bool ok = now <= n + 2;  // at most the exports already in flight
        return ok;
      },
      1500ms);
  BOOST_TEST(created_by_email(e.lever).size() < 60u);
  auto id2 = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", json::object(), {202})
                 .value("id", "");
  auto job2 = wait_export_done(*e.daemon, id2, 60s);
  BOOST_TEST(job2.value("state", "") == "done");
  auto created = created_by_email(e.lever);
  BOOST_TEST(created.size() == 60u);
  for (const auto& [mail, n] : created) BOOST_TEST(n == 1, mail << " created " << n);
}

BOOST_AUTO_TEST_CASE(live_candidate_work_goes_out_within_seconds_during_a_bulk_export) {
  env e;  // Lever's default limits: 10 rps, burst 20, on both sides
  auto org = e.setup_org("acme", default_templates());
  for (int i = 0; i < 100; ++i)  // about 20 s of export work at 10 rps
    expect_accepted(
        e.send_event(prospect_event("acme", "evt-" + std::to_string(i), "p-" + std::to_string(i),
                                    "Person", {"l" + std::to_string(i) + "@example.com"})),
        "prospect");
  e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", json::object(), {202});
  wait_for(
      "the export to be under way", [&] { return json(created_by_email(e.lever).size()); },
      [](const json& n) { return n.get<std::size_t>() >= 5; }, 30s);
  auto t0 = std::chrono::steady_clock::now();
  auto r = e.stage_change(org, "opp-1");
  expect_accepted(r, "stage change during the export");
  e.wait_request("acme", "opp-1", 10s);
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST(took.count() < 5000, "the reference request took " << took.count() << " ms");
  BOOST_TEST(created_by_email(e.lever).size() < 100u);  // the export was still running
  int limited = 0;
  for (const auto& c : e.lever.calls("", ".*"))
    if (c.value("ratelimited", false)) ++limited;
  BOOST_TEST(limited == 0, "Lever answered 429 " << limited << " times");
}

BOOST_AUTO_TEST_SUITE_END()
