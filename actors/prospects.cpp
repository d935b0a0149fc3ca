#include "actors/prospects.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/prospect_machine.hpp"
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
  prospect_event ev;
  ev.kind = prospect_event_kind::intake;
  ev.now = now_ms;
  ev.incoming = std::move(incoming);
  ev.auto_export = org.rec.connected && org.rec.conn.auto_export_new_prospects;
  const auto existing = storage::load_prospect(*ctx.db, ev.incoming.org, ev.incoming.id);
  auto t = core::apply(existing, ev);
  plan.stored_new = !existing.has_value();
  if (t.queue_export) {
    auto cmd = export_command(ctx, t.next, "", now_ms);
    storage::put_command(plan.ws, cmd);
    storage::put_max_command_id(plan.ws, cmd.id);
    plan.commands.push_back(std::move(cmd));
  }
  if (t.changed) storage::put_prospect(plan.ws, t.next);
  return plan;
}

prospect_plan start_export(engine_context& ctx, const std::string& org, int64_t now_ms) {
  prospect_plan plan;
  export_record job;
  job.id = "exp-" + hex_lower(random_bytes(6));
  job.org = org;
  job.created_at = job.updated_at = now_ms;
  uint64_t max_id = 0;
  prospect_event ev;
  ev.kind = prospect_event_kind::export_picked;
  ev.now = now_ms;
  ev.export_id = job.id;
  for (auto& p : storage::list_prospects(*ctx.db, org)) {
    auto t = core::apply(p, ev);
    if (!t.queue_export) continue;
    auto cmd = export_command(ctx, t.next, job.id, now_ms);
    max_id = std::max(max_id, cmd.id);
    storage::put_prospect(plan.ws, t.next);
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

namespace {
std::string payload_field(const core::command& cmd, const char* key) {
  auto p = nlohmann::json::parse(cmd.payload, nullptr, false);
  return p.is_object() ? p.value(key, std::string{}) : std::string{};
}

/// Applies `ev` to the command's prospect and writes it when it changed.
void apply_to_prospect(engine_context& ctx, const core::command& cmd, prospect_event ev,
                       storage::write_set& ws) {
  ev.incoming.org = cmd.org;
  ev.incoming.id = payload_field(cmd, "prospect_id");
  auto t = core::apply(storage::load_prospect(*ctx.db, cmd.org, ev.incoming.id), ev);
  if (t.changed) storage::put_prospect(ws, t.next);
}
}  // namespace

std::string export_id_of(const core::command& cmd) {
  return payload_field(cmd, "export_id");
}

void finish_export(engine_context& ctx, const core::command& cmd, const call_outcome* ok,
                   const std::string& error, export_record* job, int64_t now_ms,
                   storage::write_set& ws) {
  prospect_event ev;
  ev.kind = ok ? prospect_event_kind::export_done : prospect_event_kind::export_failed;
  ev.now = now_ms;
  if (ok) {
    ev.linked = ok->linked;
    ev.lever_opportunity_id = ok->lever_opportunity_id;
  }
  ev.error = error;
  apply_to_prospect(ctx, cmd, std::move(ev), ws);
  storage::del_command(ws, cmd.id);
  if (!job) return;
  if (!ok) {
    ++job->failed;
    if (job->failures.size() < 100)
      job->failures.push_back(payload_field(cmd, "prospect_id") + ": " + error);
  } else if (ok->linked) {
    ++job->skipped;
  } else {
    ++job->done;
  }
  job->updated_at = now_ms;
  if (job->done + job->failed + job->skipped >= job->total && job->state == export_state::running)
    job->state =
        job->failed == job->total && job->total > 0 ? export_state::failed : export_state::done;
  storage::put_export(ws, *job);
}

void drop_export(engine_context& ctx, const core::command& cmd, int64_t now_ms,
                 storage::write_set& ws) {
  prospect_event ev;
  ev.kind = prospect_event_kind::export_dropped;
  ev.now = now_ms;
  apply_to_prospect(ctx, cmd, std::move(ev), ws);
  storage::del_command(ws, cmd.id);
}

}  // namespace vouch::actors
