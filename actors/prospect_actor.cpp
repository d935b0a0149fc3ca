// The prospect owner: the one actor that writes prospect and export records. Intake from the
// platform, a bulk export's start, each export's result, the drop of a cancelled job's
// queued exports and the cancellation itself arrive as messages and are handled one at a
// time; each waits for its commit before the next is taken, so every read it makes is of
// committed state and no two writers can interleave (the stale-write race of having the
// ingress threads, the admin thread and the dispatcher each read-modify-write prospects).
// The rules themselves are core/prospect_machine; actors/prospects.cpp builds the writes.
#include <chrono>

#include <spdlog/spdlog.h>

#include "actors/actors.hpp"
#include "actors/messages.hpp"
#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"

namespace vouch::actors {
namespace {

struct prospect_owner_state {
  static inline const char* name = "vouch.prospects";
};

/// A result or a drop whose commit failed waits this long before it is tried again; the
/// command stays pending in LMDB meanwhile, so a restart sends it again.
constexpr std::chrono::seconds retry_commit_after{2};

prospect_owner_actor::behavior_type prospect_owner(
    prospect_owner_actor::stateful_pointer<prospect_owner_state> self, engine_context* ctx,
    store_actor store, dispatcher_actor dispatcher) {
  // Commits `ws`, then enqueues `commands` and calls `then` with the store's answer. The
  // await holds this actor's next message until the commit is done.
  auto commit_then = [=](storage::write_set ws, std::vector<core::command> commands,
                         std::function<void(const commit_result&)> then) {
    self->request(store, caf::infinite, commit_atom::value, std::move(ws))
        .await(
            [=](commit_result& r) {
              if (r.ok() && !commands.empty())
                caf::anon_send(dispatcher, enqueue_atom::value, command_list(commands));
              then(r);
            },
            [=](caf::error& e) { then(commit_result(core::errc::unavailable, to_string(e))); });
  };
  return {
      [=](intake_atom, prospect_intake& in) {
        const auto seen = storage::read_dedupe(*ctx->db, in.dedupe_key);
        if (seen.status == storage::read_status::found) return in.done(delivery_outcome::duplicate);
        auto org = ctx->orgs->find(in.org);
        if (seen.status == storage::read_status::failed || !org)
          return in.done(delivery_outcome::unavailable);
        auto plan = intake_prospect(*ctx, *org, std::move(in.record), in.dedupe_key, now_ms());
        auto done = in.done;
        commit_then(std::move(plan.ws), std::move(plan.commands), [done](const commit_result& r) {
          done(r.ok()                             ? delivery_outcome::accepted
               : r.code() == core::errc::conflict ? delivery_outcome::duplicate
                                                  : delivery_outcome::unavailable);
        });
      },
      [=](export_start_atom, const std::string& org, export_started& done) {
        auto plan = start_export(*ctx, org, now_ms());
        const auto id = plan.export_id;
        commit_then(
            std::move(plan.ws), std::move(plan.commands),
            [done, id](const commit_result& r) { done(r.ok(), r.ok() ? id : r.message()); });
      },
      [=](export_result_atom, core::command& cmd, call_outcome& out) {
        // The job is read from LMDB each time: this actor is its only writer, so what is
        // stored is current, and a failed commit leaves nothing to roll back.
        auto job = storage::load_export(*ctx->db, export_id_of(cmd));
        storage::write_set ws;
        finish_export(*ctx, cmd, out.ok ? &out : nullptr, out.error, job ? &*job : nullptr,
                      now_ms(), ws);
        commit_then(std::move(ws), {}, [=](const commit_result& r) {
          if (r.ok()) return;
          spdlog::error("msg=result_commit_failed command={} kind={} error={:?}", cmd.id,
                        core::to_string(cmd.kind), r.message());
          ctx->stats.inc("vouch_result_commit_retries_total");
          self->delayed_send(self, retry_commit_after, export_result_atom::value, cmd, out);
        });
      },
      [=](export_drop_atom, core::command& cmd) {
        storage::write_set ws;
        drop_export(*ctx, cmd, now_ms(), ws);
        commit_then(std::move(ws), {}, [=](const commit_result& r) {
          if (!r.ok()) self->delayed_send(self, retry_commit_after, export_drop_atom::value, cmd);
        });
      },
      [=](cancel_atom, const std::string& export_id, commit_done& done) {
        auto job = storage::load_export(*ctx->db, export_id);
        if (!job) return done(false, "no export " + export_id);
        if (job->state != core::export_state::running)
          return done(false, std::string("export ") + export_id + " is already " +
                                 core::to_string(job->state));
        job->state = core::export_state::cancelled;
        job->updated_at = now_ms();
        storage::write_set ws;
        storage::put_export(ws, *job);
        commit_then(std::move(ws), {}, [=](const commit_result& r) {
          // The dispatcher drops the job's queued exports (each comes back as a drop).
          if (r.ok()) caf::anon_send(dispatcher, cancelled_atom::value, export_id);
          done(r.ok(), r.message());
        });
      },
  };
}

}  // namespace

prospect_owner_actor spawn_prospect_owner(caf::actor_system& sys, engine_context& ctx,
                                          store_actor store, dispatcher_actor dispatcher) {
  return sys.spawn(prospect_owner, &ctx, store, dispatcher);
}

}  // namespace vouch::actors
