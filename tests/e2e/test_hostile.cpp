// Hostile input and storage faults against a real vouchd: poisoned ids fail alone, a captured
// delivery cannot carry other data, a failed or undecodable read is answered 503 and never
// written over, and a result whose commit fails is handed over again until it lands.
// Storage faults come from the VOUCHD_TEST_FAULTS seam (see engine/main.cpp).
#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/record_codec.hpp"
#include "storage/repository.hpp"
#include "tests/e2e/harness.hpp"
#include "tests/support/run_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

using namespace vouch::e2e;

namespace {

std::string str(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

/// A Lever body signed with `signature_token` for exactly this token and triggeredAt.
json signed_body(const std::string& event, const json& data, const std::string& sig_token,
                 int64_t triggered_at, const std::string& token) {
  return lever_body(event, data, sig_token, triggered_at, token);
}

/// Sets VOUCHD_TEST_FAULTS for the next vouchd start(s) of this test; cleared on exit.
struct test_faults {
  explicit test_faults(const std::string& spec) { ::setenv("VOUCHD_TEST_FAULTS", spec.c_str(), 1); }
  ~test_faults() { ::unsetenv("VOUCHD_TEST_FAULTS"); }
};

std::string file_text(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)

BOOST_AUTO_TEST_CASE(a_flood_of_poisoned_ids_fails_alone_and_every_legitimate_delivery_lands) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  std::vector<std::pair<std::string, bool>> work;  // (body, legitimate)
  for (int i = 0; i < 120; ++i)
    work.emplace_back(
        lever_body("candidateStageChange", stage_data("legit-" + std::to_string(i), "stage-phone"),
                   org.stage_token)
            .dump(),
        true);
  const std::vector<std::string> poisons = {std::string(600, 'p'), std::string(498, 'q'),
                                            std::string(129, 'r'), std::string("victim\0x", 8),
                                            "tab\there",           "cr\rlf\n"};
  for (int i = 0; i < 60; ++i)
    work.emplace_back(
        lever_body("candidateStageChange", stage_data(poisons[i % poisons.size()], "stage-phone"),
                   org.stage_token)
            .dump(),
        false);
  // Interleave them and send from 8 threads at once, so poisons share group commits with
  // legitimate deliveries.
  for (std::size_t i = 0; i < work.size(); i += 3) std::swap(work[i], work[work.size() - 1 - i]);
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::vector<std::string> wrong;
  std::vector<std::thread> senders;
  for (int t = 0; t < 8; ++t)
    senders.emplace_back([&] {
      for (std::size_t i; (i = next++) < work.size();) {
        auto r = post_webhook(*e.daemon, "acme", "stage-change", work[i].first);
        const bool ok = work[i].second ? r.status == 200
                                       : r.status == 400 && r.error_code() == "bad_request" &&
                                             r.body.find("data.opportunityId") != std::string::npos;
        if (!ok) {
          std::lock_guard<std::mutex> g(mu);
          wrong.push_back((work[i].second ? "legitimate: " : "poisoned: ") + r.describe());
        }
      }
    });
  for (auto& t : senders) t.join();
  BOOST_CHECK_MESSAGE(wrong.empty(),
                      wrong.size() << " wrong answers, first: " << (wrong.empty() ? "" : wrong[0]));
  for (int i = 0; i < 120; i += 17)
    BOOST_CHECK_EQUAL(str(e.daemon->candidate("acme", "legit-" + std::to_string(i)), "state"),
                      "idle");
  // "victim\0x" wrote nothing into "victim".
  BOOST_CHECK(e.daemon->candidate("acme", "victim").is_null());
  const json listed = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/candidates?limit=500");
  BOOST_CHECK_EQUAL(listed.value("items", json::array()).size(), 120u);

  // The same rule for the platform's ids.
  json ev = {
      {"id", "evt-long"},
      {"type", "prospect.created"},
      {"org", "acme"},
      {"prospect", {{"id", std::string(600, 'z')}, {"name", "Long"}, {"emails", {"l@x.io"}}}},
      {"at", now_ms()}};
  auto r = e.send_event(ev);
  expect_error(r, 400, "bad_request", "a 600-character prospect.id");
  BOOST_CHECK(r.body.find("prospect.id") != std::string::npos);
  ev = {{"id", "evt-nul"},
        {"type", "report.completed"},
        {"org", "acme"},
        {"opportunity_id", "legit-1"},
        {"request_id", std::string("req\0x", 5)},
        {"report_url", "https://p.example/r"},
        {"at", now_ms()}};
  r = e.send_event(ev);
  expect_error(r, 400, "bad_request", "a request_id with a NUL");
  BOOST_CHECK(r.body.find("request_id") != std::string::npos);
  auto bad_path = e.daemon->admin("GET", "/admin/v1/orgs/acme/candidates/" + std::string(200, 'y'));
  expect_error(bad_path, 400, "bad_request", "an over-long opportunity id in an admin path");
}

BOOST_AUTO_TEST_CASE(a_captured_delivery_replayed_with_other_data_is_refused_and_changes_nothing) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  const int64_t at = now_ms() - 1000;
  const std::string token = "tok-" + random_hex(8);
  auto hired_data = [](const std::string& opp) {
    return json{{"candidateId", "c-" + opp}, {"opportunityId", opp}, {"contactId", "ct"}};
  };
  const json original =
      signed_body("candidateHired", hired_data("opp-1"), org.hired_token, at, token);
  expect_accepted(post_webhook(*e.daemon, "acme", "hired", original.dump()), "the real hire");
  e.wait_state("acme", "opp-1", {"hired"});

  // The captured envelope (token, triggeredAt, signature) with another candidate in data.
  json forged = original;
  forged["data"] = hired_data("opp-2");
  auto r = post_webhook(*e.daemon, "acme", "hired", forged.dump());
  expect_error(r, 401, "bad_signature", "a replay carrying another opportunityId");
  BOOST_CHECK(e.daemon->candidate("acme", "opp-2").is_null());
  // The same delivery again is the duplicate Lever's retries make.
  expect_accepted(post_webhook(*e.daemon, "acme", "hired", original.dump()), "Lever's retry",
                  "duplicate");

  // Correctly signed, but outside the window: 15 days old, or far in the future.
  const std::vector<int64_t> whens = {now_ms() - int64_t{15} * 86400000,
                                      now_ms() + int64_t{10} * 60000, int64_t{9223372036854775807},
                                      int64_t{978307200000}};
  for (int64_t when : whens) {
    auto old = signed_body("candidateStageChange", stage_data("opp-3"), org.stage_token, when,
                           "tok-" + random_hex(8));
    auto res = post_webhook(*e.daemon, "acme", "stage-change", old.dump());
    expect_error(res, 401, "bad_signature", "triggeredAt " + std::to_string(when));
    BOOST_CHECK(res.body.find("triggeredAt") != std::string::npos);
  }
  BOOST_CHECK(e.daemon->candidate("acme", "opp-3").is_null());
  const json h = e.daemon->admin_ok("GET", "/admin/v1/orgs/acme/health");
  BOOST_CHECK(h["webhooks"]["stage_change"]["rejected_last_at"].is_number());
}

BOOST_AUTO_TEST_CASE(a_failed_or_undecodable_read_is_answered_503_and_the_record_survives) {
  env e;
  auto org = e.setup_org("acme", default_templates());
  expect_accepted(e.stage_change(org, "opp-1", "stage-phone"), "first stage change");
  const json before = e.wait_state("acme", "opp-1", {"idle"});
  BOOST_REQUIRE_EQUAL(before["history"].size(), 1u);
  BOOST_REQUIRE_EQUAL(e.daemon->stop().value_or(-1), 0);

  json retried;
  {
    test_faults faults("fail_reads:candidates");
    e.daemon->start();
    auto r = e.stage_change(org, "opp-1", "stage-phone", std::nullopt, &retried);
    expect_error(r, 503, "unavailable", "a stage change whose candidate cannot be read");
    BOOST_CHECK(!r.header("retry-after").empty());
    // The admin view says so too, instead of "no such candidate".
    auto a = e.daemon->admin("GET", "/admin/v1/orgs/acme/candidates/opp-1");
    BOOST_CHECK_EQUAL(a.status, 503);
    BOOST_REQUIRE_EQUAL(e.daemon->stop().value_or(-1), 0);
  }
  e.daemon->start();
  json after = e.daemon->candidate("acme", "opp-1");
  BOOST_CHECK_EQUAL(after["history"].size(), 1u);  // not rewritten from seq 1
  BOOST_CHECK_EQUAL(after["history"][0].dump(), before["history"][0].dump());
  // Lever's retry of the refused delivery now lands, once.
  expect_accepted(post_webhook(*e.daemon, "acme", "stage-change", retried.dump()),
                  "the retried delivery");
  after = e.wait_state("acme", "opp-1", {"idle"});
  BOOST_CHECK_EQUAL(after["history"].size(), 2u);

  // A record written by a newer vouchd: 503, logged with its key, bytes untouched.
  BOOST_REQUIRE_EQUAL(e.daemon->stop().value_or(-1), 0);
  std::string newer;
  {
    std::string err;
    auto db =
        vouch::storage::database::open(e.daemon->config()["storage"]["path"], 256ull << 20, err);
    BOOST_REQUIRE_MESSAGE(db, err);
    vouch::core::candidate_record c;
    c.org = "acme";
    c.opp = "opp-new";
    newer = vouch::core::encode(c);
    newer[0] = char(99);
    vouch::storage::write_set ws;
    ws.put(vouch::storage::table::candidates, vouch::storage::candidate_key("acme", "opp-new"),
           newer);
    BOOST_REQUIRE(db->commit(ws, err) == vouch::storage::commit_error::none);
  }
  e.daemon->start();
  auto r = e.stage_change(org, "opp-new", "stage-refcheck");
  expect_error(r, 503, "unavailable", "an event for a record this binary cannot decode");
  BOOST_CHECK_MESSAGE(e.daemon->log_tail(60).find("acme/opp-new") != std::string::npos,
                      "the log should name the record's key");
  BOOST_REQUIRE_EQUAL(e.daemon->stop().value_or(-1), 0);
  std::string err;
  auto db =
      vouch::storage::database::open(e.daemon->config()["storage"]["path"], 256ull << 20, err);
  BOOST_REQUIRE(db);
  BOOST_CHECK(
      db->get(vouch::storage::table::candidates, vouch::storage::candidate_key("acme", "opp-new"))
          .value_or("") == newer);
  BOOST_CHECK(e.platform.requests("acme", "opp-new").empty());
}

BOOST_AUTO_TEST_CASE(a_result_whose_commit_fails_is_handed_over_again_until_it_lands) {
  // The first three commits of a command's result (they delete its outbox row) fail.
  test_faults faults("fail_deletes:outbox:3");
  env e;
  auto org = e.setup_org("acme", default_templates());
  expect_accepted(e.stage_change(org, "opp-1"), "trigger");
  e.wait_state("acme", "opp-1", {"awaiting_references"}, 20s);
  BOOST_CHECK_EQUAL(e.platform.requests("acme", "opp-1").size(), 1u);
  // The Lever read went out once: its result was handed over again, the call not repeated.
  BOOST_CHECK_EQUAL(e.lever.calls("GET", "/v1/opportunities/opp-1").size(), 1u);
  const std::string log = file_text(e.daemon->log_path());
  BOOST_CHECK_EQUAL(count_of(log, "msg=result_commit_failed"), 3u);
  BOOST_CHECK(e.daemon->admin_ok("GET", "/admin/v1/outbox?status=pending")["items"].empty());
}

BOOST_AUTO_TEST_CASE(check_refuses_a_storage_directory_it_cannot_write_and_head_healthz_works) {
  env e;
  auto head = http("HEAD", e.daemon->public_url() + "/healthz");
  BOOST_CHECK_EQUAL(head.status, 200);
  BOOST_CHECK(head.body.empty());
  BOOST_CHECK_EQUAL(http("HEAD", e.daemon->public_url() + "/readyz").status, 200);

  auto v = vouch::test_support::run_command(VOUCHD_BIN, {"--version"});
  BOOST_CHECK_MESSAGE(
      v.code == 0 && v.out.rfind("vouchd 0.", 0) == 0 && v.out.find("(git ") != std::string::npos,
      "vouchd --version: exit " << v.code << " " << v.out << v.err);
  BOOST_CHECK_MESSAGE(metric_sum(e.daemon->metrics(), "vouch_build_info") == 1,
                      "vouch_build_info should be 1");

  // --check as another user, on a storage directory only root may write.
  if (::geteuid() != 0 || ::access("/usr/sbin/runuser", X_OK) != 0) {
    BOOST_TEST_MESSAGE("skipped the unwritable-storage check: needs root and runuser");
    return;
  }
  char tmpl[] = "/tmp/vouch-check-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl));
  const std::string dir = tmpl;
  ::chmod(dir.c_str(), 0755);
  ::mkdir((dir + "/data").c_str(), 0755);
  std::ofstream(dir + "/vouch.toml") << "[storage]\npath = \"" << dir << "/data\"\n";
  ::chmod((dir + "/vouch.toml").c_str(), 0644);
  auto r = vouch::test_support::run_command(
      "/usr/sbin/runuser",
      {"-u", "nobody", "--", VOUCHD_BIN, "--config", dir + "/vouch.toml", "--check"});
  BOOST_CHECK_MESSAGE(r.code == 1 && r.err.find("not writable") != std::string::npos &&
                          r.err.find(dir + "/data") != std::string::npos,
                      "exit " << r.code << "\n"
                              << r.out << r.err);
  // Root may write it: the same file is fine.
  auto ok =
      vouch::test_support::run_command(VOUCHD_BIN, {"--config", dir + "/vouch.toml", "--check"});
  BOOST_CHECK_MESSAGE(ok.code == 0, ok.out << ok.err);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
