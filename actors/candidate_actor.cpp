// The candidate actor: one per (org, opportunity) while it is busy. It applies its inputs
// strictly in order through the pure machine (core::apply), waits for the store to commit
// each transition before taking the next input, then hands new commands to the dispatcher
// and new timers to the timer service. Its record is read once, at activation.
#include <atomic>
#include <optional>

#include <spdlog/spdlog.h>

#include "actors/actors.hpp"
#include "actors/candidate_shell.hpp"
#include "actors/messages.hpp"

namespace vouch::actors {
namespace {

struct candidate_state {
  core::candidate_record rec;
  bool exists = false;     ///< a record is in LMDB
  std::string unreadable;  ///< why its record could not be read ("" = read fine)
  std::shared_ptr<std::atomic<uint64_t>> handled;  ///< inputs handled (router reads it)
  static inline const char* name = "vouch.candidate";
};

void finish(const candidate_input& in, delivery_outcome o) {
  if (in.done) in.done(o);
}

/// What a delivery key already in storage means for this input: the same delivery again
/// (duplicate) or, for a Lever delivery with other data under the same identity, a forgery.
delivery_outcome seen_before(const storage::dedupe_read& d, const candidate_input& in) {
  if (!in.delivery_digest.empty() && !d.digest.empty() && d.digest != in.delivery_digest)
    return delivery_outcome::forged;
  return delivery_outcome::duplicate;
}

/// Checks the input's delivery key: nullopt = new, go on; otherwise the answer.
std::optional<delivery_outcome> check_delivery(engine_context& ctx, const candidate_input& in) {
  if (in.dedupe_key.empty()) return std::nullopt;
  auto d = storage::read_dedupe(*ctx.db, in.dedupe_key);
  switch (d.status) {
    case storage::read_status::not_found:
      return std::nullopt;
    case storage::read_status::found:
      return seen_before(d, in);
    case storage::read_status::failed:
      // Fail closed: an unreadable dedupe table must not let a duplicate act twice.
      spdlog::error("msg=dedupe_read_failed org={} opp={} error={:?}", in.org, in.opp, d.error);
      return delivery_outcome::unavailable;
  }
  return delivery_outcome::unavailable;
}

candidate_actor::behavior_type candidate(candidate_actor::stateful_pointer<candidate_state> self,
                                         engine_context* ctx, store_actor store,
                                         dispatcher_actor dispatcher, timer_service_actor timers,
                                         router_actor router, storage::candidate_read loaded,
                                         std::shared_ptr<std::atomic<uint64_t>> handled) {
  self->state.exists = loaded.status == storage::read_status::found;
  self->state.rec = std::move(loaded.rec);
  if (loaded.status == storage::read_status::failed) self->state.unreadable = loaded.error;
  self->state.handled = handled;
  return {
      [=](input_atom, candidate_input& in) {
        auto& st = self->state;
        ++*st.handled;
        if (!st.unreadable.empty()) {
          // Its record could not be read: never act as if it were new (that would write
          // over its history). Answer 503 and leave, so the next input reads it again.
          spdlog::error("msg=candidate_unreadable org={} opp={} error={:?}", in.org, in.opp,
                        st.unreadable);
          finish(in, delivery_outcome::unavailable);
          caf::anon_send(router, passivate_atom::value, in.org, in.opp);
          return;
        }
        if (auto seen = check_delivery(*ctx, in)) {
          finish(in, *seen);
          return;
        }
        if (!st.exists && !in.create_if_missing) {
          finish(in, delivery_outcome::unknown);
          return;
        }
        auto org = ctx->orgs->find(st.rec.org);
        auto mctx = machine_context_for(*ctx, org.get());
        auto t = core::apply(st.rec, in.event, mctx);
        // A cancelled timer firing changes nothing but its table entry.
        if (in.event.kind() == core::event_kind::timer_fired && t.history.empty()) t.next = st.rec;
        auto prepared = prepare_commit(*ctx, in, t, org.get(), st.exists ? &st.rec : nullptr);
        bool ignored = t.ignored;
        // Wait for the commit before the next message: the candidate's events apply in
        // order, and a duplicate delivery finds the first one's dedupe key.
        self->request(store, caf::infinite, commit_atom::value, std::move(prepared.ws))
            .await(
                [=](commit_result& r) mutable {
                  if (r.code() == core::errc::conflict) {
                    // Its delivery key was claimed meanwhile (the same event through another
                    // path): nothing of this set was written.
                    auto seen = check_delivery(*ctx, in);
                    finish(in, seen ? *seen : delivery_outcome::unavailable);
                    return;
                  }
                  if (!r.ok()) {
                    spdlog::error("msg=commit_failed org={} opp={} error={:?} delivery={:?}",
                                  in.org, in.opp, r.message(), in.delivery_id);
                    ctx->stats.inc("vouch_candidate_commit_failures_total");
                    finish(in, delivery_outcome::unavailable);
                    return;
                  }
                  const std::string delivery =
                      in.delivery_id.empty() ? std::string() : " delivery=" + in.delivery_id;
                  for (const auto& h : t.history) {
                    if (h.from != h.to)
                      spdlog::info(
                          "msg=transition org={} opp={} from={} to={} event={} detail={:?}{}",
                          t.next.org, t.next.opp, h.from, h.to, h.event, h.detail, delivery);
                    else
                      spdlog::debug("msg=recorded org={} opp={} state={} event={} detail={:?}{}",
                                    t.next.org, t.next.opp, h.to, h.event, h.detail, delivery);
                  }
                  self->state.rec = t.next;
                  self->state.exists = true;
                  if (!prepared.new_commands.empty())
                    caf::anon_send(dispatcher, enqueue_atom::value,
                                   std::move(prepared.new_commands));
                  if (!prepared.new_timers.empty())
                    self->send(timers, timers_atom::value, std::move(prepared.new_timers));
                  finish(in, ignored ? delivery_outcome::ignored : delivery_outcome::accepted);
                },
                [=](caf::error&) mutable { finish(in, delivery_outcome::unavailable); });
      },
      [=](stop_atom) { self->quit(); },
  };
}

}  // namespace

candidate_actor spawn_candidate(caf::local_actor* parent, engine_context& ctx, store_actor store,
                                dispatcher_actor dispatcher, timer_service_actor timers,
                                router_actor router, storage::candidate_read loaded,
                                std::shared_ptr<std::atomic<uint64_t>> handled) {
  return parent->spawn(candidate, &ctx, store, dispatcher, timers, router, std::move(loaded),
                       std::move(handled));
}

}  // namespace vouch::actors
