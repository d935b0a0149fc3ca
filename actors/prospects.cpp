#include "actors/prospects.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "storage/repository.hpp"

namespace vouch::actors {

using namespace vouch::core;

core::command export_command(engine_context& ctx, const prospect_record& p,
                             const std::string& export_id, int64_t now_ms) {
  command cmd;
  cmd.id = ctx.next_command_id.fetch_add(1);
  cmd.org = p.org;
  cmd.opp = "";  // not a candidate's command: results go to the prospect, not an actor
  cmd.kind = command_kind::prospect_export;
  cmd.payload =
      nlohmann::json{{"prospect_id", p.id},    {"export_id", export_id}, {"name", p.name},
                     {"headline", p.headline}, {"emails", p.emails},     {"phones", p.phones}}
          .dump();
  cmd.idem_key = "vouch-" + p.org + "-" + std::to_string(cmd.id);
  cmd.created_at = cmd.next_at = now_ms;
  return cmd;
}

prospect_plan intake_prospect(engine_context& ctx, const org_view& org, prospect_record incoming,
                              const std::string& dedupe_key, int64_t now_ms) {
  prospect_plan plan;
  storage::put_dedupe(plan.ws, dedupe_key, now_ms);
  auto existing = storage::load_prospect(*ctx.db, incoming.org, incoming.id);
  if (existing) {
    // Keep the export state; refresh the person's data for a later export.
    existing->name = incoming.name;
    existing->headline = incoming.headline;
    existing->emails = incoming.emails;
    existing->phones = incoming.phones;
    existing->updated_at = now_ms;
    if (existing->status == prospect_status::not_exportable && !existing->emails.empty()) {
      existing->status = prospect_status::stored;
      existing->reason.clear();
    }
    storage::put_prospect(plan.ws, *existing);
    return plan;
  }
  plan.stored_new = true;
  incoming.created_at = incoming.updated_at = now_ms;
  if (incoming.emails.empty()) {
    incoming.status = prospect_status::not_exportable;
    incoming.reason = "no email address: Lever deduplicates people by email";
  } else if (org.rec.connected && org.rec.conn.auto_export_new_prospects) {
    incoming.status = prospect_status::queued;
    auto cmd = export_command(ctx, incoming, "", now_ms);
    storage::put_command(plan.ws, cmd);
    storage::put_max_command_id(plan.ws, cmd.id);
    plan.commands.push_back(std::move(cmd));
  }
  storage::put_prospect(plan.ws, incoming);
  return plan;
}

prospect_plan start_export(engine_context& ctx, const std::string& org, int64_t now_ms) {
  prospect_plan plan;
  export_record job;
  job.id = "exp-" + hex_lower(random_bytes(6));
  job.org = org;
  job.created_at = job.updated_at = now_ms;
  uint64_t max_id = 0;
  for (auto& p : storage::list_prospects(*ctx.db, org)) {
    if (p.status != prospect_status::stored && p.status != prospect_status::failed) continue;
    p.status = prospect_status::queued;
    p.reason.clear();
    p.updated_at = now_ms;
    auto cmd = export_command(ctx, p, job.id, now_ms);
    max_id = std::max(max_id, cmd.id);
    storage::put_prospect(plan.ws, p);
    storage::put_command(plan.ws, cmd);
    plan.commands.push_back(std::move(cmd));
    ++job.total;
  }
  if (max_id) storage::put_max_command_id(plan.ws, max_id);
  if (job.total == 0) job.state = export_state::done;
  storage::put_export(plan.ws, job);
  plan.export_id = job.id;
  return plan;
}

}  // namespace vouch::actors
