// Export decisions on a real LMDB: which prospects are stored, queued, skipped, and what a
// bulk export picks up.
#define BOOST_TEST_MODULE vouch prospects
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "actors/prospects.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "storage/repository.hpp"

using namespace vouch;
namespace fs = std::filesystem;

namespace {

struct fixture {
  fs::path dir;
  actors::engine_context ctx;
  actors::org_view org;
  fixture() {
    dir = fs::temp_directory_path() / ("vouch-prospects-" + core::hex_lower(core::random_bytes(6)));
    std::string err;
    ctx.db = storage::database::open(dir.string(), 64ull << 20, err);
    BOOST_REQUIRE_MESSAGE(ctx.db, err);
    org.rec.id = "acme";
    org.rec.connected = true;
  }
  ~fixture() {
    ctx.db.reset();
    fs::remove_all(dir);
  }
  core::prospect_record prospect(const std::string& id, std::vector<std::string> emails) {
    core::prospect_record p;
    p.org = "acme";
    p.id = id;
    p.name = "Ada " + id;
    p.emails = std::move(emails);
    return p;
  }
  actors::prospect_plan intake(const core::prospect_record& p, const std::string& key) {
    auto plan = actors::intake_prospect(ctx, org, p, key, 1000);
    std::string err;
    BOOST_REQUIRE(ctx.db->commit(plan.ws, err) == storage::commit_error::none);
    return plan;
  }
  core::prospect_status status(const std::string& id) {
    auto p = storage::load_prospect(*ctx.db, "acme", id);
    BOOST_REQUIRE(p);
    return p->status;
  }
};

bool is(core::prospect_status a, core::prospect_status b) {
  return a == b;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_prospect_is_stored_even_when_automatic_export_is_off, fixture) {
  auto plan = intake(prospect("p-1", {"ada@example.com"}), "k1");
  BOOST_TEST(plan.commands.empty());
  BOOST_TEST(is(status("p-1"), core::prospect_status::stored));
  BOOST_TEST((storage::read_dedupe(*ctx.db, "k1").status == storage::read_status::found));
}

BOOST_FIXTURE_TEST_CASE(automatic_export_queues_one_command_for_a_new_prospect_only, fixture) {
  org.rec.conn.auto_export_new_prospects = true;
  auto plan = intake(prospect("p-1", {"ada@example.com"}), "k1");
  BOOST_REQUIRE(plan.commands.size() == 1u);
  BOOST_TEST(core::to_string(plan.commands[0].kind) == std::string("prospect.export"));
  BOOST_TEST(plan.commands[0].payload.find("ada@example.com") != std::string::npos);
  BOOST_TEST(is(status("p-1"), core::prospect_status::queued));
  BOOST_TEST(storage::load_command(*ctx.db, plan.commands[0].id).has_value());
  // The same prospect again (a second event): stored data refreshed, no second export.
  auto again = intake(prospect("p-1", {"ada@example.com"}), "k2");
  BOOST_TEST(again.commands.empty());
  BOOST_TEST(!again.stored_new);
}

BOOST_FIXTURE_TEST_CASE(a_prospect_without_email_is_kept_but_not_exportable, fixture) {
  org.rec.conn.auto_export_new_prospects = true;
  auto plan = intake(prospect("p-1", {}), "k1");
  BOOST_TEST(plan.commands.empty());
  auto p = storage::load_prospect(*ctx.db, "acme", "p-1");
  BOOST_REQUIRE(p);
  BOOST_TEST(is(p->status, core::prospect_status::not_exportable));
  BOOST_TEST(p->reason.find("email") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_bulk_export_takes_stored_and_failed_prospects_and_counts_them, fixture) {
  intake(prospect("p-1", {"a@example.com"}), "k1");
  intake(prospect("p-2", {"b@example.com"}), "k2");
  intake(prospect("p-3", {}), "k3");  // not exportable
  auto failed = *storage::load_prospect(*ctx.db, "acme", "p-2");
  failed.status = core::prospect_status::failed;
  storage::write_set ws;
  storage::put_prospect(ws, failed);
  auto exported = prospect("p-4", {"d@example.com"});
  exported.status = core::prospect_status::exported;
  storage::put_prospect(ws, exported);
  std::string err;
  BOOST_REQUIRE(ctx.db->commit(ws, err) == storage::commit_error::none);

  auto plan = actors::start_export(ctx, "acme", 2000);
  BOOST_REQUIRE(ctx.db->commit(plan.ws, err) == storage::commit_error::none);
  BOOST_TEST(plan.commands.size() == 2u);
  auto job = storage::load_export(*ctx.db, plan.export_id);
  BOOST_REQUIRE(job);
  BOOST_TEST(job->total == 2u);
  BOOST_TEST(core::to_string(job->state) == std::string("running"));
  BOOST_TEST(is(status("p-1"), core::prospect_status::queued));
  BOOST_TEST(is(status("p-2"), core::prospect_status::queued));
  BOOST_TEST(is(status("p-3"), core::prospect_status::not_exportable));
  BOOST_TEST(is(status("p-4"), core::prospect_status::exported));
  for (const auto& c : plan.commands)
    BOOST_TEST(c.payload.find(plan.export_id) != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_bulk_export_with_nothing_to_do_is_done_at_once, fixture) {
  auto plan = actors::start_export(ctx, "acme", 2000);
  std::string err;
  BOOST_REQUIRE(ctx.db->commit(plan.ws, err) == storage::commit_error::none);
  auto job = storage::load_export(*ctx.db, plan.export_id);
  BOOST_REQUIRE(job);
  BOOST_TEST(job->total == 0u);
  BOOST_TEST(core::to_string(job->state) == std::string("done"));
}
