// Prospect intake and bulk exports (CONTRACT §6–§7): decisions about which prospects get
// an export command, as write sets the store commits in one transaction. No CAF here.
#pragma once

#include <string>
#include <vector>

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

}  // namespace vouch::actors
