// Backup and restore as an operator does them: `vouchctl backup FILE` while webhooks keep
// arriving and commands keep failing, then the file (and its master key) put into a fresh
// storage directory and vouchd started on it. Everything acknowledged before the backup
// began is there: candidates with their state and timers, pending outbox commands, and the
// delivery keys (a replayed webhook is still a duplicate, so nothing is sent twice).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "tests/e2e/harness.hpp"
#include "tests/support/run_command.hpp"

using namespace vouch::e2e;
namespace fs = std::filesystem;

namespace {

/// The pending reference requests the refusing platform holds back (other commands, such
/// as Lever reads, finish meanwhile and leave the outbox rightly).
std::set<uint64_t> pending_ids(vouchd& d) {
  std::set<uint64_t> out;
  std::string cursor;
  do {
    json page = d.admin_ok("GET", "/admin/v1/outbox?status=pending&limit=500" +
                                      (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& c : page["items"])
      if (c.value("kind", "") == "platform.create_request") out.insert(c["id"].get<uint64_t>());
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(backup)

BOOST_AUTO_TEST_CASE(a_backup_under_load_restores_every_candidate_timer_and_outbox_entry) {
  // The master key as most installs have it: a file vouchd made in the storage directory.
  env e(json{{"security", {{"master_key", ""}}}});
  auto org = e.setup_org("acme", default_templates());
  // Twenty candidates settled in awaiting_references (each with its reminder and expiry).
  std::vector<json> settled;
  std::vector<json> settled_bodies;
  for (int i = 0; i < 20; ++i) {
    const std::string opp = "opp-" + std::to_string(i);
    e.lever.add_opportunity(opp, "Candidate " + opp, opp + "@example.com", "post-eng");
    json body;
    expect_accepted(e.stage_change(org, opp, "stage-refcheck", std::nullopt, &body), opp);
    settled_bodies.push_back(body);
  }
  for (int i = 0; i < 20; ++i)
    settled.push_back(e.wait_state("acme", "opp-" + std::to_string(i), {"awaiting_references"}));
  // From here the platform refuses: new candidates' requests stay in the outbox.
  e.platform.control("POST", "faults",
                     {{"method", "POST"},
                      {"path", "/v1/reference-requests"},
                      {"status", 503},
                      {"count", nullptr}});
  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::thread load([&] {
    for (int i = 0; !stop; ++i) {
      const std::string opp = "load-" + std::to_string(i);
      e.lever.add_opportunity(opp, "Load " + opp, opp + "@example.com", "post-eng");
      if (e.stage_change(org, opp).status == 200) {
        std::lock_guard<std::mutex> g(mu);
        acked.push_back(opp);
      }
    }
  });
  // Let the load build up an outbox, then back up in the middle of it.
  std::this_thread::sleep_for(1500ms);
  std::vector<std::string> acked_before;
  {
    std::lock_guard<std::mutex> g(mu);
    acked_before = acked;
  }
  const auto pending_before = pending_ids(*e.daemon);
  const std::string file = e.dir.path() + "/vouch-backup.mdb";
  auto r = vouch::test_support::run_command(
      VOUCHCTL_BIN, {"backup", file},
      {"VOUCH_ADMIN_URL=" + e.daemon->admin_url(), "VOUCH_ADMIN_TOKEN=" + e.daemon->admin_token()});
  std::this_thread::sleep_for(300ms);
  stop = true;
  load.join();
  BOOST_REQUIRE_MESSAGE(r.code == 0, "vouchctl backup: exit " << r.code << " " << r.out << r.err);
  BOOST_CHECK_MESSAGE(r.out.find("backup: " + file) != std::string::npos, r.out);
  BOOST_CHECK_MESSAGE(r.out.find("master key: " + file + ".master-key") != std::string::npos,
                      r.out);
  BOOST_TEST_MESSAGE("backup taken with " << acked_before.size() << " load candidates acked and "
                                          << pending_before.size() << " commands pending");
  BOOST_REQUIRE_GT(acked_before.size(), 0u);
  BOOST_REQUIRE_GT(pending_before.size(), 0u);
  // A second backup to the same file is refused and changes nothing.
  auto again = vouch::test_support::run_command(
      VOUCHCTL_BIN, {"backup", file},
      {"VOUCH_ADMIN_URL=" + e.daemon->admin_url(), "VOUCH_ADMIN_TOKEN=" + e.daemon->admin_token()});
  BOOST_CHECK_NE(again.code, 0);
  BOOST_CHECK_MESSAGE(again.err.find("exists") != std::string::npos, again.err);

  // Restore into a fresh directory, the way the operator guide says.
  BOOST_REQUIRE(e.daemon->stop().has_value());
  const std::string restored = e.dir.path() + "/restored";
  fs::create_directories(restored);
  fs::copy_file(file, restored + "/data.mdb");
  fs::copy_file(file + ".master-key", restored + "/master.key");
  fs::permissions(restored + "/master.key", fs::perms::owner_read | fs::perms::owner_write);
  e.daemon->set("storage", "path", restored);
  e.daemon->start();

  for (int i = 0; i < 20; ++i) {
    const std::string opp = "opp-" + std::to_string(i);
    json c = e.daemon->candidate("acme", opp);
    BOOST_REQUIRE_MESSAGE(!c.is_null(), opp << " is missing from the restored store");
    BOOST_CHECK_EQUAL(c.value("state", ""), "awaiting_references");
    BOOST_CHECK_EQUAL(c["request_id"], settled[i]["request_id"]);
    BOOST_CHECK_MESSAGE(c["timers"] == settled[i]["timers"],
                        opp << " timers " << c["timers"] << " != " << settled[i]["timers"]);
  }
  for (const auto& opp : acked_before)
    BOOST_CHECK_MESSAGE(!e.daemon->candidate("acme", opp).is_null(),
                        opp << " was acknowledged before the backup and is missing");
  const auto pending_after = pending_ids(*e.daemon);
  for (uint64_t id : pending_before)
    BOOST_CHECK_MESSAGE(pending_after.count(id), "outbox command " << id << " is missing");
  // The delivery keys came along: a replay of an old delivery is a duplicate, not a second
  // reference request.
  auto replay = http("POST", e.daemon->public_url() + "/webhooks/lever/acme/stage-change",
                     settled_bodies[0].dump());
  expect_accepted(replay, "replayed delivery", "duplicate");
  BOOST_CHECK_EQUAL(e.platform.requests("acme", "opp-0").size(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
