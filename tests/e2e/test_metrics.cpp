// /metrics as Prometheus and an operator read it: the text passes `promtool check metrics`,
// every family has HELP and TYPE, the counters an alert needs exist at 0 from start, values
// print exactly, and the per-org and per-target figures move with what happened. The alert
// rules shipped in deploy/prometheus are unit-tested by promtool in their own ctest entry.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "tests/e2e/harness.hpp"
#include "tests/support/run_command.hpp"

using namespace vouch::e2e;

namespace {

/// The value of one exact series line (`name{labels}`), or -1 when absent.
double series_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return -1;
}

std::string promtool_check(const std::string& text, const std::string& dir) {
  const std::string path = dir + "/metrics.txt";
  std::ofstream(path) << text;
  auto r = vouch::test_support::run_command("/bin/sh", {"-c", "promtool check metrics < " + path});
  return r.code == 0 ? std::string() : "exit " + std::to_string(r.code) + ": " + r.out + r.err;
}

/// What both the metrics and the log tests observe: acme's opp-1 triggered to
/// awaiting_references, then a webhook for an org that does not exist. Returns the
/// accepted delivery (its "token" is the delivery id in the logs).
json trigger_one_and_refuse_an_unknown_org(env& e) {
  auto org = e.setup_org("acme", default_templates());
  json delivery;
  expect_accepted(e.stage_change(org, "opp-1", "stage-refcheck", std::nullopt, &delivery),
                  "trigger");
  e.wait_state("acme", "opp-1", {"awaiting_references"}, 20s);
  http("POST", e.daemon->public_url() + "/webhooks/lever/no-such-org/stage-change", "{}");
  return delivery;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(a_fresh_daemon_exports_every_family_with_help_and_its_alert_counters_at_zero) {
  env e;
  const std::string m = e.daemon->metrics();
  const std::string lint = promtool_check(m, e.dir.path());
  BOOST_CHECK_MESSAGE(lint.empty(), "promtool check metrics: " << lint << "\n" << m);
  BOOST_CHECK_MESSAGE(m.find("undocumented") == std::string::npos, m);
  // Every family that has samples has HELP and TYPE lines.
  std::regex sample(R"(^([a-z_]+?)(_bucket|_sum|_count)?(\{.*\})? \S+$)");
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    std::smatch g;
    if (line.empty() || line[0] == '#' || !std::regex_match(line, g, sample)) continue;
    const std::string fam = g[1];
    const bool has = m.find("# HELP " + fam + " ") != std::string::npos ||
                     m.find("# HELP " + fam + g[2].str() + " ") != std::string::npos;
    BOOST_CHECK_MESSAGE(has, "no HELP for " << line);
  }
  for (const char* s :
       {"vouch_commands_dead_total{kind=\"lever.note\"}",
        "vouch_commands_failed_total{kind=\"platform.create_request\"}",
        "vouch_reconcile_passes_total{outcome=\"failed\"}", "vouch_lmdb_commit_failures_total",
        "vouch_candidate_commit_failures_total"})
    BOOST_CHECK_MESSAGE(series_value(m, s) == 0, s << " should be 0 from start");
  BOOST_CHECK_GT(series_value(m, "process_resident_memory_bytes"), 1e6);
  BOOST_CHECK_GT(series_value(m, "process_open_fds"), 3);
  // Exact integers, never 6-digit scientific notation.
  BOOST_CHECK_MESSAGE(std::regex_search(m, std::regex(R"(\nvouch_lmdb_map_size_bytes \d+\n)")),
                      "map size is not an exact integer");
  BOOST_CHECK_MESSAGE(m.find("e+") == std::string::npos, "a value in scientific notation");
}

BOOST_AUTO_TEST_CASE(figures_per_org_and_target_follow_a_candidate_and_ignore_made_up_orgs) {
  env e;
  // The webhook for an org that does not exist adds no per-org series (no cardinality
  // attack).
  const json delivery = trigger_one_and_refuse_an_unknown_org(e);
  const std::string m = e.daemon->metrics();
  const std::string lint = promtool_check(m, e.dir.path());
  BOOST_CHECK_MESSAGE(lint.empty(), "promtool check metrics: " << lint);
  BOOST_CHECK_EQUAL(series_value(m, R"(vouch_candidates{org="acme",state="awaiting_references"})"),
                    1);
  BOOST_CHECK_EQUAL(series_value(m, R"(vouch_candidates{org="acme",state="needs_attention"})"), 0);
  BOOST_CHECK_EQUAL(series_value(m, R"(vouch_commands_dead{org="acme"})"), 0);
  BOOST_CHECK_EQUAL(
      series_value(
          m, R"(vouch_org_webhooks_total{org="acme",kind="stage_change",outcome="accepted"})"),
      1);
  BOOST_CHECK(m.find("no-such-org") == std::string::npos);
  // The refusal is in the log, with why (metrics count it, the log says which and why).
  const std::string log = [&] {
    std::ifstream in(e.daemon->log_path());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  // The transition the webhook caused names its delivery by Lever's token.
  BOOST_CHECK_MESSAGE(
      log.find("from=idle to=resolving event=lever.stage_change") != std::string::npos &&
          log.find("delivery=" + delivery.value("token", std::string("?"))) != std::string::npos,
      log);
  BOOST_CHECK_MESSAGE(
      log.find("msg=webhook_refused source=lever_stage_change "
               "org=\"no-such-org\" status=404 code=unknown_org") != std::string::npos,
      log);
  BOOST_CHECK_GE(
      series_value(m, R"(vouch_outgoing_call_seconds_count{target="lever",outcome="ok"})"), 1);
  BOOST_CHECK_EQUAL(
      series_value(m, R"(vouch_outgoing_call_seconds_count{target="platform",outcome="ok"})"), 1);
  BOOST_CHECK_GE(series_value(m, "vouch_webhook_ack_seconds_count"), 1);
  BOOST_CHECK_GT(series_value(m, "vouch_lmdb_used_bytes"), 0);
  // Commits that worked are not failures (the alert on this counter must stay quiet).
  BOOST_CHECK_EQUAL(series_value(m, "vouch_lmdb_commit_failures_total"), 0);
  BOOST_CHECK_MESSAGE(log.find("lmdb_commit_failed") == std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(json_log_lines_carry_the_same_fields_one_object_per_line) {
  // [log] format = "json": a log shipper gets one object per line with the fields the text
  // format has (ts in UTC, the documented level names, msg, the delivery id), nothing else.
  env e(json{{"log", {{"format", "json"}}}});
  const json delivery = trigger_one_and_refuse_an_unknown_org(e);
  std::ifstream in(e.daemon->log_path());
  const std::regex ts(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  int lines = 0;
  bool transition = false, refused = false, started = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.rfind("=====", 0) == 0) continue;  // the harness's start markers
    ++lines;
    json j;
    BOOST_REQUIRE_NO_THROW(j = json::parse(line));
    BOOST_REQUIRE_MESSAGE(j.is_object() && j.contains("ts") && j.contains("level"), line);
    BOOST_CHECK_MESSAGE(std::regex_match(j["ts"].get<std::string>(), ts), line);
    const auto level = j["level"].get<std::string>();
    BOOST_CHECK_MESSAGE(level == "debug" || level == "info" || level == "warn" || level == "error",
                        line);
    for (const auto& [k, v] : j.items()) BOOST_CHECK_MESSAGE(v.is_string(), k << " in " << line);
    const auto msg = j.value("msg", std::string());
    started = started || (msg == "serving" && !j.value("version", "").empty());
    if (j.value("event", std::string()) == "lever.stage_change" && j.value("to", "") == "resolving")
      transition = j.value("delivery", std::string()) == delivery.value("token", std::string("?"));
    if (msg == "webhook_refused")
      refused = j.value("org", "") == "no-such-org" && j.value("code", "") == "unknown_org" &&
                j.value("status", "") == "404";
  }
  BOOST_CHECK_GT(lines, 3);
  BOOST_CHECK_MESSAGE(started, "no msg=serving line\n" << e.daemon->log_tail());
  BOOST_CHECK_MESSAGE(transition, "no transition line naming its delivery\n"
                                      << e.daemon->log_tail());
  BOOST_CHECK_MESSAGE(refused, "no webhook_refused line\n" << e.daemon->log_tail());
}

BOOST_AUTO_TEST_SUITE_END()
