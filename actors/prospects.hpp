// Prospect intake and bulk exports: the only code that writes prospect and export records.
// Each change goes through the pure prospect machine (core/prospect_machine.hpp) and comes
// out as a write set the store commits in one transaction. No CAF here.
#pragma once

#include <string>
#include <vector>

#include "actors/call_outcome.hpp"
#include "actors/engine_context.hpp"
#include "storage/database.hpp"

namespace vouch::actors {

struct prospect_plan {
  storage::write_set ws;
  std::vector<core::command> commands;  ///< enqueue after the commit
  std::string export_id;                ///< start_export: the new job's id
  bool stored_new = false;              ///< intake: the prospect was new
};

/// A prospect.created event: store the prospect (always, so a later bulk export has it);
/// when the org exports new prospects automatically and the prospect is new and has an
/// email, queue its export. The dedupe key commits in the same transaction.
prospect_plan intake_prospect(engine_context& ctx, const org_view& org,
                              core::prospect_record incoming, const std::string& dedupe_key,
                              int64_t now_ms);

/// A bulk export of the org's stored prospects that are not exported yet.
prospect_plan start_export(engine_context& ctx, const std::string& org, int64_t now_ms);

/// The outbox command that exports one prospect (its data frozen in the payload).
core::command export_command(engine_context& ctx, const core::prospect_record& p,
                             const std::string& export_id, int64_t now_ms);

/// The export job a command belongs to ("" for an automatic export).
std::string export_id_of(const core::command& cmd);

/// Records an export's result (`ok` null: dead-lettered with `error`): the prospect through
/// the machine, the job's progress (when `job` is given), and the outbox row gone.
void finish_export(engine_context& ctx, const core::command& cmd, const call_outcome* ok,
                   const std::string& error, core::export_record* job, int64_t now_ms,
                   storage::write_set& ws);

/// A queued export whose job was cancelled: the prospect goes back to stored, the row goes.
void drop_export(engine_context& ctx, const core::command& cmd, int64_t now_ms,
                 storage::write_set& ws);

}  // namespace vouch::actors
