// Outages and operator mistakes, end to end: a platform or Lever outage held by the target's
// breaker and drained afterwards, the retry time budget and bulk retry, one vouchd per
// storage path, the live key check, and a drain that ends at drain_s.
// Durations are shortened by config (retry_base, retry_max, retry_for), never special-cased.
#include <signal.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/harness.hpp"

using namespace vouch::e2e;

namespace {

std::string str(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

/// The breaker named `target` (or whose name starts with it) in GET /admin/v1/breakers.
json breaker(vouchd& d, const std::string& target) {
  for (const auto& b : d.admin_ok("GET", "/admin/v1/breakers").value("items", json::array()))
    if (str(b, "target").rfind(target, 0) == 0) return b;
  return nullptr;
}

/// Recorded calls whose "t" (ms) falls in [from, to).
std::size_t calls_between(const json& calls, int64_t from, int64_t to) {
  return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const json& c) {
    const auto t = c.value("t", int64_t{0});
    return t >= from && t < to;
  }));
}

std::vector<std::string> opportunities(lever_sim& lever, const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const auto opp = prefix + std::to_string(i);
    lever.add_opportunity(opp, "Outage " + opp, opp + "@example.com", "post-eng");
    out.push_back(opp);
  }
  return out;
}

json dead_commands(vouchd& d) {
  return d.admin_ok("GET", "/admin/v1/outbox?status=dead").value("items", json::array());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outages)

BOOST_AUTO_TEST_CASE(a_platform_outage_is_held_by_the_breaker_and_drains_with_nothing_dead) {
  // A 12-second outage against a 1-second retry_max: the shape of a 10-minute outage under
  // the 10-minute default, a thousand times faster.
  env e(json{
      {"platform",
       {{"max_attempts", 0}, {"retry_base", "100ms"}, {"retry_max", "1s"}, {"breaker_after", 3}}}});
  auto org = e.setup_org("acme", default_templates());
  const auto opps = opportunities(e.lever, "out-", 10);
  const std::string create = "/v1/reference-requests";
  // Retry-After: 1 on every refusal: a floor for the backoff, never a shortcut past it.
  e.platform.control("POST", "faults",
                     {{"method", "POST"},
                      {"path", create},
                      {"status", 503},
                      {"retry_after", 1},
                      {"count", nullptr}});
  for (const auto& opp : opps) expect_accepted(e.stage_change(org, opp), "stage change " + opp);

  const json open = wait_for(
      "the platform breaker to open", [&] { return breaker(*e.daemon, "platform"); },
      [](const json& b) { return str(b, "state") == "open" || str(b, "state") == "half_open"; });
  BOOST_CHECK(open["opened_at"].is_number());
  auto h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK_EQUAL(str(h, "breaker"), "closed");  // the org's Lever key is fine

  // While it lasts, the platform sees about one probe per backoff interval, not one call per
  // waiting command. At the 1 s cap a jittered interval lasts 0.5-1 s, so 8 s hold at most
  // 17 probes; without the breaker, 10 commands each at that cap would make 80-160 calls.
  const int64_t window_from = now_ms();
  std::this_thread::sleep_for(8s);
  const int64_t window_to = now_ms();
  const auto during = calls_between(e.platform.calls("POST", create), window_from, window_to);
  const double per_s = static_cast<double>(during) * 1000.0 / double(window_to - window_from);
  BOOST_TEST_MESSAGE("platform outage: " << during << " calls in " << (window_to - window_from)
                                         << " ms = " << per_s * 60 << " calls/min to the failing "
                                         << "target (retry_max 1s, 10 commands waiting)");
  BOOST_CHECK_MESSAGE(during <= 17, "the failing platform saw " << during << " calls in "
                                                                << (window_to - window_from)
                                                                << " ms; expected about one per "
                                                                   "backoff interval");
  BOOST_CHECK_MESSAGE(during >= 4, "no probes reached the platform during the outage: " << during);
  for (const auto& opp : opps) {
    json c = e.daemon->candidate("acme", opp);
    BOOST_CHECK_MESSAGE(str(c, "state") == "requesting", opp << " during the outage: " << c.dump());
  }
  BOOST_CHECK(dead_commands(*e.daemon).empty());
  const std::string m = e.daemon->metrics();
  BOOST_CHECK_MESSAGE(metric_sum(m, "vouch_breaker_state", "platform") >= 1,
                      "vouch_breaker_state{target=\"platform\"} is not open:\n"
                          << m);
  BOOST_CHECK_MESSAGE(metric_sum(m, "vouch_breaker_opens_total", "platform") >= 1,
                      "vouch_breaker_opens_total{target=\"platform\"} did not count the opening");

  // The outage ends: the next probe succeeds, the breaker closes and the backlog drains.
  const int64_t recovered_at = now_ms();
  e.platform.control("DELETE", "faults");
  for (const auto& opp : opps) e.wait_state("acme", opp, {"awaiting_references"}, 20s);
  const double drain_s = double(now_ms() - recovered_at) / 1000.0;
  BOOST_TEST_MESSAGE("platform outage: backlog of " << opps.size() << " delivered " << drain_s
                                                    << " s after the platform came back");
  for (const auto& opp : opps)
    BOOST_CHECK_MESSAGE(e.platform.requests("acme", opp).size() == 1,
                        opp << ": expected exactly one reference request");
  BOOST_CHECK(dead_commands(*e.daemon).empty());
  BOOST_CHECK_EQUAL(str(breaker(*e.daemon, "platform"), "state"), "closed");
}

BOOST_AUTO_TEST_CASE(a_lever_outage_opens_that_keys_breaker_and_shows_in_the_orgs_health) {
  env e(json{
      {"lever",
       {{"max_attempts", 0}, {"retry_base", "100ms"}, {"retry_max", "1s"}, {"breaker_after", 3}}}});
  auto org = e.setup_org("acme", default_templates());
  const auto opps = opportunities(e.lever, "lev-", 6);
  e.lever.fault(
      {{"method", "GET"}, {"path", "/v1/opportunities/.*"}, {"status", 502}, {"count", nullptr}});
  for (const auto& opp : opps) expect_accepted(e.stage_change(org, opp), "stage change " + opp);

  const json open = wait_for(
      "the Lever key's breaker to open", [&] { return breaker(*e.daemon, "lever:"); },
      [](const json& b) { return str(b, "state") == "open" || str(b, "state") == "half_open"; });
  BOOST_CHECK_MESSAGE(open.value("orgs", json::array()) == json::array({"acme"}),
                      "the breaker should name the org that uses the key: " << open);
  BOOST_CHECK_MESSAGE(str(open, "target").find(org.api_key) == std::string::npos,
                      "the breaker name must not reveal the API key: " << open);
  json h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK_MESSAGE(str(h, "breaker") != "closed", "health: " << h);
  BOOST_CHECK_MESSAGE(str(h["lever"], "status") == "unreachable", "health: " << h);

  const std::string path = "/v1/opportunities/lev-[0-9]+";
  const int64_t from = now_ms();
  std::this_thread::sleep_for(5s);
  const auto during = calls_between(e.lever.calls("GET", path), from, now_ms());
  BOOST_TEST_MESSAGE("lever outage: " << during << " calls in 5 s to the failing key");
  // 0.5-1 s per probe at the cap: at most 11 in 5 s (6 commands alone would make 30-60).
  BOOST_CHECK_MESSAGE(during <= 11, "the failing key saw " << during << " calls in 5 s");

  e.lever.clear_faults();
  for (const auto& opp : opps) e.wait_state("acme", opp, {"awaiting_references"}, 20s);
  BOOST_CHECK(dead_commands(*e.daemon).empty());
  h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK_MESSAGE(str(h, "breaker") == "closed" && str(h["lever"], "status") == "ok",
                      "health after recovery: " << h);
}

BOOST_AUTO_TEST_CASE(commands_failing_past_retry_for_are_dead_and_one_bulk_retry_resumes_them) {
  env e(json{{"platform",
              {{"max_attempts", 0},
               {"retry_base", "100ms"},
               {"retry_max", "200ms"},
               {"retry_for", "1s"},
               {"breaker_after", 0}}}});
  auto acme = e.setup_org("acme", default_templates());
  auto beta = e.setup_org("beta", default_templates());
  const auto opps = opportunities(e.lever, "dl-", 3);
  const std::string create = "/v1/reference-requests";
  e.platform.control("POST", "faults",
                     {{"method", "POST"}, {"path", create}, {"status", 500}, {"count", nullptr}});
  for (const auto& opp : opps) expect_accepted(e.stage_change(acme, opp), "stage change " + opp);
  expect_accepted(e.stage_change(beta, "opp-1"), "stage change beta/opp-1");
  for (const auto& opp : opps) {
    json c = e.wait_state("acme", opp, {"needs_attention"}, 15s);
    BOOST_CHECK_MESSAGE(str(c, "reason").rfind("dead_letter", 0) == 0, c.dump());
  }
  e.wait_state("beta", "opp-1", {"needs_attention"}, 15s);
  json dead = dead_commands(*e.daemon);
  BOOST_REQUIRE_EQUAL(dead.size(), 4u);
  BOOST_CHECK_MESSAGE(str(dead[0], "last_error").find("retry_for") != std::string::npos,
                      "the dead letter should say why: " << dead[0]);
  // Each try is kept (the newest ten): when, what the platform answered, why it failed.
  for (const auto& d : dead) {
    const json& tries = d["recent_attempts"];
    BOOST_REQUIRE_MESSAGE(tries.is_array() && tries.size() >= 2, d.dump());
    BOOST_CHECK_LE(tries.size(), 10u);
    int64_t prev = 0;
    for (const auto& t : tries) {
      BOOST_CHECK_EQUAL(t.value("http_status", 0), 500);
      BOOST_CHECK_EQUAL(t.value("outcome", std::string()), "retry");
      BOOST_CHECK_MESSAGE(t["error"].is_string() && !t["error"].get<std::string>().empty(),
                          t.dump());
      BOOST_CHECK_GE(t.value("at", int64_t{0}), prev);  // oldest first
      prev = t.value("at", int64_t{0});
    }
  }
  // The outbox filters by org and kind; a bad filter is refused naming it.
  const json beta_dead = e.daemon->admin_ok(
      "GET", "/admin/v1/outbox?status=dead&org=beta&kind=platform.create_request");
  BOOST_REQUIRE_EQUAL(beta_dead["items"].size(), 1u);
  BOOST_CHECK_EQUAL(str(beta_dead["items"][0], "org"), "beta");
  BOOST_CHECK(
      e.daemon->admin_ok("GET", "/admin/v1/outbox?status=dead&kind=lever.note")["items"].empty());
  expect_error(e.daemon->admin("GET", "/admin/v1/outbox?kind=lever.teleport"), 400, "bad_request",
               "unknown kind in a query");

  // Bad filters are refused naming the field, and change nothing.
  auto bad = e.daemon->admin("POST", "/admin/v1/outbox/retry", {{"kind", "platform.teleport"}});
  expect_error(bad, 400, "bad_request", "unknown kind");
  BOOST_CHECK(bad.j["error"]["message"].get<std::string>().find("kind") != std::string::npos);
  bad = e.daemon->admin("POST", "/admin/v1/outbox/retry", {{"ids", {0}}});
  expect_error(bad, 400, "bad_request", "id 0");
  bad = e.daemon->admin("POST", "/admin/v1/outbox/retry", {{"org", "ACME!"}});
  expect_error(bad, 400, "bad_request", "bad org id");
  bad = e.daemon->admin("POST", "/admin/v1/outbox/retry", {{"colour", "red"}});
  expect_error(bad, 400, "bad_request", "unknown field");
  BOOST_CHECK_EQUAL(dead_commands(*e.daemon).size(), 4u);

  // A filter that matches nothing retries nothing.
  json none = e.daemon->admin_ok("POST", "/admin/v1/outbox/retry",
                                 {{"org", "acme"}, {"kind", "lever.note"}});
  BOOST_CHECK_EQUAL(none.value("retried", -1), 0);

  // The platform is back: one call retries acme's three, beta's stays dead.
  e.platform.control("DELETE", "faults");
  json r = e.daemon->admin_ok("POST", "/admin/v1/outbox/retry",
                              {{"org", "acme"}, {"kind", "platform.create_request"}});
  BOOST_CHECK_EQUAL(r.value("retried", -1), 3);
  for (const auto& opp : opps) {
    json c = e.wait_state("acme", opp, {"awaiting_references"}, 15s);
    BOOST_CHECK(c["reason"].is_null());
    BOOST_CHECK_EQUAL(e.platform.requests("acme", opp).size(), 1u);
  }
  dead = dead_commands(*e.daemon);
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_CHECK_EQUAL(str(dead[0], "org"), "beta");
  // {} retries every dead command.
  r = e.daemon->admin_ok("POST", "/admin/v1/outbox/retry", json::object());
  BOOST_CHECK_EQUAL(r.value("retried", -1), 1);
  e.wait_state("beta", "opp-1", {"awaiting_references"}, 15s);
  BOOST_CHECK(dead_commands(*e.daemon).empty());
}

BOOST_AUTO_TEST_CASE(a_second_vouchd_on_one_storage_path_exits_1_and_a_killed_holder_blocks_none) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  // A second daemon: own ports and config, the first one's storage.
  temp_dir second_dir;
  vouchd second(second_dir.path(), e.lever.base_url(), e.platform.url(), e.platform_secret,
                {{"storage", {{"path", e.daemon->config()["storage"]["path"]}}}});
  child_process proc;
  const std::string log = second_dir.path() + "/second.log";
  proc.spawn({VOUCHD_BIN, "--config", second_dir.path() + "/vouch.toml"}, second_dir.path(), log,
             false);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (proc.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  BOOST_REQUIRE_MESSAGE(!proc.running(), "a second vouchd on the same storage kept running");
  const auto code = proc.terminate(1s);
  BOOST_CHECK_MESSAGE(code && *code == 1, "second vouchd exit code: " << (code ? *code : -999));
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  const std::string path = e.daemon->config()["storage"]["path"].get<std::string>();
  BOOST_CHECK_MESSAGE(text.str().find(path) != std::string::npos,
                      "message lacks the path: " << text.str());
  BOOST_CHECK_MESSAGE(
      text.str().find("pid " + std::to_string(e.daemon->pid())) != std::string::npos,
      "message lacks the holder's pid " << e.daemon->pid() << ": " << text.str());
  // The first one serves on, untouched.
  expect_accepted(e.stage_change(org, "opp-1"), "stage change to the first vouchd");
  e.wait_state("acme", "opp-1", {"awaiting_references"});

  // A holder killed with -9 leaves no lock behind.
  e.daemon->kill9();
  e.daemon->start();
  BOOST_CHECK_EQUAL(str(e.daemon->candidate("acme", "opp-1"), "state"), "awaiting_references");
}

BOOST_AUTO_TEST_CASE(saving_a_connection_checks_the_key_live_and_health_says_what_lever_said) {
  env e;
  e.daemon->admin_ok("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  json body = {{"api_key", "key-nobody-knows"},
               {"stage_change_signature_token", "st"},
               {"hired_signature_token", "ht"},
               {"trigger_stage_ids", {"stage-refcheck"}},
               {"base_url", e.lever.base_url()}};
  json r = e.daemon->admin_ok("PUT", "/admin/v1/orgs/acme/lever", body, {200});
  BOOST_CHECK_MESSAGE(str(r["health"], "status") == "unauthorized", "PUT answer: " << r);
  BOOST_CHECK_MESSAGE(r["health"]["checked_at"].is_number(), r.dump());
  BOOST_CHECK(r.value("api_key", "") == "set");  // stored all the same
  json h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK_EQUAL(str(h["lever"], "status"), "unauthorized");
  BOOST_CHECK(h["lever"]["error"].is_string());

  e.lever.add_key("key-now-valid");
  body["api_key"] = "key-now-valid";
  r = e.daemon->admin_ok("PUT", "/admin/v1/orgs/acme/lever", body, {200});
  BOOST_CHECK_MESSAGE(str(r["health"], "status") == "ok", "PUT answer: " << r);
  BOOST_CHECK(r["health"]["error"].is_null());

  // A webhook signed with a wrong token shows as refused; a good one as accepted.
  auto bad = post_webhook(*e.daemon, "acme", "stage-change",
                          lever_body("candidateStageChange", stage_data("opp-1"), "wrong").dump());
  BOOST_CHECK_EQUAL(bad.status, 401);
  h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK(h["webhooks"]["stage_change"]["rejected_last_at"].is_number());
  BOOST_CHECK(h["webhooks"]["stage_change"]["last_at"].is_null());
  BOOST_CHECK(h["webhooks"]["hired"]["rejected_last_at"].is_null());
  auto good = post_webhook(*e.daemon, "acme", "stage-change",
                           lever_body("candidateStageChange", stage_data("opp-1"), "st").dump());
  BOOST_CHECK_EQUAL(good.status, 200);
  h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK(h["webhooks"]["stage_change"]["last_at"].is_number());
  auto unknown = e.daemon->admin("GET", "/admin/v1/orgs/nobody/health");
  BOOST_CHECK_EQUAL(unknown.status, 404);
}

BOOST_AUTO_TEST_CASE(a_drain_answers_503_on_healthz_and_ends_at_drain_s_despite_a_hung_call) {
  env e(json{{"server", {{"drain_s", 2}}}});
  auto org = e.setup_org("acme", default_templates());
  // Lever hangs on this candidate's read far longer than the drain.
  e.lever.delay({{"method", "GET"}, {"path", "/v1/opportunities/opp-2"}, {"seconds", 30}});
  expect_accepted(e.stage_change(org, "opp-2"), "stage change opp-2");
  wait_for(
      "the Lever read to be out", [&] { return e.lever.calls("GET", "/v1/opportunities/opp-2"); },
      [](const json& calls) { return !calls.empty(); });

  const auto t0 = std::chrono::steady_clock::now();
  ::kill(e.daemon->pid(), SIGTERM);
  json seen = wait_for(
      "GET /healthz to answer 503 while draining",
      [&] {
        auto r = http("GET", e.daemon->public_url() + "/healthz", "", {}, 1s);
        return json{{"status", r.status}};
      },
      [](const json& v) { return v.value("status", 0) == 503; }, 3s);
  BOOST_CHECK_EQUAL(seen.value("status", 0), 503);
  const auto code = e.daemon->stop();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_CHECK_MESSAGE(code && *code == 0, "exit code after SIGTERM: " << (code ? *code : -999));
  BOOST_CHECK_MESSAGE(took < 4.5, "the drain took " << took << " s with drain_s = 2");

  // The command stayed in the outbox: after the next start it goes out and completes.
  e.lever.clear_delays();
  e.daemon->start();
  e.wait_state("acme", "opp-2", {"awaiting_references"}, 20s);
  BOOST_CHECK_EQUAL(e.platform.requests("acme", "opp-2").size(), 1u);
}

BOOST_AUTO_TEST_CASE(an_operator_retry_moves_a_working_candidate_whose_command_waits) {
  // A long backoff: without the operator, the next try would be 10-20 s away.
  env e(json{{"lever", {{"retry_base", "20s"}, {"retry_max", "20s"}, {"breaker_after", 0}}}});
  auto org = e.setup_org("acme", default_templates());
  e.lever.fault(
      {{"method", "GET"}, {"path", "/v1/opportunities/opp-1"}, {"status", 503}, {"count", 1}});
  expect_accepted(e.stage_change(org, "opp-1"), "trigger");
  wait_for(
      "the failed Lever read", [&] { return e.lever.calls("GET", "/v1/opportunities/opp-1"); },
      [](const json& c) { return c.size() == 1; });
  BOOST_CHECK_EQUAL(str(e.daemon->candidate("acme", "opp-1"), "state"), "resolving");
  json r = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/candidates/opp-1/retry", json::object(),
                              {202});
  BOOST_CHECK_MESSAGE(r.value("expedited", 0) == 1, r.dump());
  e.wait_state("acme", "opp-1", {"awaiting_references"}, 5s);
  // With nothing pending and nothing dead, a retry is still refused.
  auto again =
      e.daemon->admin("POST", "/admin/v1/orgs/acme/candidates/opp-1/retry", json::object());
  expect_error(again, 409, "conflict", "a retry with nothing to retry");
}

BOOST_AUTO_TEST_SUITE_END()
