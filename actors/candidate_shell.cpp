#include "actors/candidate_shell.hpp"

#include "actors/command_payloads.hpp"

namespace vouch::actors {

using namespace vouch::core;

core::machine_context machine_context_for(const engine_context& ctx, const org_view* org) {
  machine_context m;
  if (org) {
    m.trigger_stage_ids = org->rec.conn.trigger_stage_ids;
    m.templates = org->template_refs();
  }
  m.reminder_after_ms = ctx.cfg.timing.reference_reminder_after.count();
  m.expiry_after_ms = ctx.cfg.timing.request_expiry_after.count();
  m.followup_after_ms = ctx.cfg.timing.hire_followup_after.count();
  return m;
}

prepared_commit prepare_commit(engine_context& ctx, const candidate_input& in, const transition& t,
                               const org_view* org, const candidate_record* before) {
  prepared_commit out;
  auto& ws = out.ws;
  const auto& c = t.next;
  const auto& ev = in.event;
  storage::put_candidate(ws, c, before);
  for (const auto& h : t.history) storage::put_history(ws, c.org, c.opp, h);
  if (!in.dedupe_key.empty()) storage::put_dedupe(ws, in.dedupe_key, ev.now, in.delivery_digest);

  // The outbox entry that produced this event is finished (done) or now dead.
  if (const auto* d = ev.as<core::events::command_done>()) storage::del_command(ws, d->command_id);
  if (ev.as<core::events::command_dead>()) storage::put_command(ws, in.dead_command);

  uint64_t max_id = 0;
  org_view empty;
  for (const auto& spec : t.commands) {
    command cmd;
    cmd.id = ctx.next_command_id.fetch_add(1);
    max_id = std::max(max_id, cmd.id);
    cmd.org = c.org;
    cmd.opp = c.opp;
    cmd.kind = spec.kind;
    cmd.payload = build_payload(spec, c, org ? *org : empty);
    cmd.idem_key = "vouch-" + c.org + "-" + std::to_string(cmd.id);
    cmd.generation = c.generation;
    cmd.created_at = ev.now;
    cmd.next_at = ev.now;
    storage::put_command(ws, cmd);
    out.new_commands.push_back(std::move(cmd));
  }
  if (max_id) storage::put_max_command_id(ws, max_id);

  {
    for (auto id : t.requeue) {
      auto cmd = storage::load_command(*ctx.db, id);
      if (!cmd) continue;
      cmd->status = command_status::pending;
      cmd->attempts = 0;
      cmd->failing_since = 0;  // an operator retry gets a fresh time budget
      cmd->next_at = ev.now;
      storage::put_command(ws, *cmd);
      out.new_commands.push_back(std::move(*cmd));
    }
  }

  for (const auto& tm : t.timers_cleared) storage::del_timer(ws, c.org, c.opp, tm);
  for (const auto& tm : t.timers_set) {
    storage::put_timer(ws, c.org, c.opp, tm);
    out.new_timers.push_back({c.org, c.opp, tm});
  }
  // A fired timer that no longer applied still leaves the table.
  if (const auto* f = ev.as<core::events::timer_fired>())
    storage::del_timer(ws, c.org, c.opp, f->timer);
  return out;
}

}  // namespace vouch::actors
