// Typed access to the tables: key layouts and record codecs in one place, so no other file
// spells a key by hand. Writers add operations to a write_set; readers take short read
// transactions through `database`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "storage/database.hpp"

namespace vouch::storage {

// -- keys -------------------------------------------------------------------------------

std::string candidate_key(std::string_view org, std::string_view opp);
std::string history_key(std::string_view org, std::string_view opp, uint64_t seq);
std::string template_key(std::string_view org, std::string_view id);
std::string timer_key(int64_t due, std::string_view org, std::string_view opp,
                      core::timer_kind kind);
std::string outbox_key(uint64_t id);

/// A timer as stored, with its owner.
struct stored_timer {
  std::string org, opp;
  core::timer_entry timer;
};
std::optional<stored_timer> parse_timer_key(std::string_view key);

// -- writes -------------------------------------------------------------------------------

/// Writes the record and keeps its entry in the by_change index (newest change first).
/// `before`: the record as stored until now (nullptr when new), whose index entry goes.
void put_candidate(write_set& ws, const core::candidate_record& c,
                   const core::candidate_record* before = nullptr);
/// The by_change key of a candidate; `org_of_change_key` etc. read it back.
std::string change_key(const core::candidate_record& c);
/// The opportunity id at the end of a by_change key ("" when it is not one).
std::string opp_of_change_key(std::string_view key);
/// Builds the by_change index when it is empty but candidates exist (a store written before
/// the index), in slices of `slice` records per transaction. Returns the entries written.
uint64_t build_change_index(database& db, std::size_t slice = 10000);
void put_history(write_set& ws, const std::string& org, const std::string& opp,
                 const core::history_entry& h);
void put_command(write_set& ws, const core::command& c);
void del_command(write_set& ws, uint64_t id);
void put_timer(write_set& ws, const std::string& org, const std::string& opp,
               const core::timer_entry& t);
void del_timer(write_set& ws, const std::string& org, const std::string& opp,
               const core::timer_entry& t);
/// Claims a delivery key (put_new: a second claim of it fails the set with `conflict`).
/// `digest` ("" for none) identifies the delivery's data.
void put_dedupe(write_set& ws, const std::string& key, int64_t now_ms,
                const std::string& digest = {});
void put_org(write_set& ws, const core::org_record& o);
void put_reconcile(write_set& ws, const core::reconcile_record& r);
void put_template(write_set& ws, const std::string& org, const core::template_record& t);
void del_template(write_set& ws, const std::string& org, const std::string& id);

// -- reads --------------------------------------------------------------------------------

/// A candidate as read for a decision: found (decoded), not there, or failed, where failed
/// also covers a record this binary cannot decode (e.g. written by a newer version); `error`
/// then names the key. Never "not there" when the read did not work.
struct candidate_read {
  read_status status = read_status::not_found;
  core::candidate_record rec;
  std::string error;
};
candidate_read read_candidate(const database& db, std::string_view org, std::string_view opp);
/// Found and decoded, or nothing (listings and pages that show what they find).
std::optional<core::candidate_record> load_candidate(const database& db, std::string_view org,
                                                     std::string_view opp);
std::vector<core::history_entry> load_history(const database& db, std::string_view org,
                                              std::string_view opp);
std::vector<core::candidate_record> list_candidates(const database& db, std::string_view org);
std::optional<core::org_record> load_org(const database& db, std::string_view org);
/// The org's catch-up record; nothing when it has none (never connected, or a store from
/// before catch-up: the first pass then starts its cursor).
std::optional<core::reconcile_record> load_reconcile(const database& db, std::string_view org);
std::vector<core::org_record> list_orgs(const database& db);
std::vector<core::template_record> list_templates(const database& db, std::string_view org);
std::optional<core::template_record> load_template(const database& db, std::string_view org,
                                                   std::string_view id);
std::optional<core::command> load_command(const database& db, uint64_t id);
/// Every outbox entry (pending and dead), in id order.
std::vector<core::command> list_commands(const database& db);
std::vector<stored_timer> list_timers(const database& db);
/// The timers due in [from, before), by due time: one range scan (the timers table is keyed
/// by due time first), so a caller holds only the timers of a window.
std::vector<stored_timer> list_timers_due(const database& db, int64_t from, int64_t before);
/// A delivery key: found (with when and the data digest), not there, or failed.
struct dedupe_read {
  read_status status = read_status::not_found;
  int64_t first_seen = 0;
  std::string digest;  ///< "" when the entry holds none (internal events, older entries)
  std::string error;
};
dedupe_read read_dedupe(const database& db, const std::string& key);
/// Highest command id in the outbox or remembered in meta (ids are never reused).
uint64_t max_command_id(const database& db);

// -- prospects and exports ------------------------------------------------------------------

void put_prospect(write_set& ws, const core::prospect_record& p);
std::optional<core::prospect_record> load_prospect(const database& db, std::string_view org,
                                                   std::string_view id);
std::vector<core::prospect_record> list_prospects(const database& db, std::string_view org);
void put_export(write_set& ws, const core::export_record& e);
std::optional<core::export_record> load_export(const database& db, std::string_view id);
std::vector<core::export_record> list_exports(const database& db);
void put_max_command_id(write_set& ws, uint64_t id);

}  // namespace vouch::storage
