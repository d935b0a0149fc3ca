#include <malloc.h>

#include <chrono>
#include <map>

#include "actors/actors.hpp"
#include "actors/messages.hpp"
#include "actors/wall_clock.hpp"
#include "core/bytes.hpp"

namespace vouch::actors {
namespace {

using prune_atom = caf::atom_constant<caf::atom("prune")>;

// Dedupe keys only need to outlive Lever's and the platform's retries (hours, at most
// days); after 30 days they go. Keys are hashes, so pruning walks the table a slice at a
// time from a remembered position instead of holding one long read transaction.
constexpr int64_t dedupe_keep_ms = 30LL * 86400000;
constexpr std::size_t prune_slice = 10000;
constexpr std::chrono::minutes prune_every{10};

/// Its public contract plus the ticks and prune slices it sends itself.
using timer_impl =
    timer_service_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<prune_atom>>;

struct timer_state {
  /// Every stored timer due before `loaded_until`, by due time. Later ones stay in LMDB and
  /// are read a window at a time as the clock nears them, so start-up and memory depend on
  /// the timers due soon, not on all of them (10M candidates may hold millions).
  std::multimap<int64_t, storage::stored_timer> due;
  int64_t loaded_until = 0;
  router_actor router;
  std::string prune_from;  ///< dedupe key where the next pruning slice starts
  static inline const char* name = "vouch.timers";
};

// Timers are checked on a short tick rather than one CAF timeout per timer: a pending timer
// in the window costs one map entry, and a tick of 50 ms is well inside any figure we promise.
constexpr std::chrono::milliseconds tick_every{50};

/// Adds `t` unless the same timer (due, org, opp, kind) is held already: a timer committed
/// just before a window was read can arrive both from that read and by message.
void hold(timer_state& st, storage::stored_timer t) {
  auto [lo, hi] = st.due.equal_range(t.timer.due);
  for (auto it = lo; it != hi; ++it)
    if (it->second.org == t.org && it->second.opp == t.opp && it->second.timer == t.timer) return;
  st.due.emplace(t.timer.due, std::move(t));
}

/// Reads the stored timers of [loaded_until, now + ctx.timer_window_ms) into memory. The tick
/// calls it when half of the window held has passed.
void load_window(timer_state& st, engine_context& ctx, int64_t now) {
  const int64_t until = now + ctx.timer_window_ms;
  for (auto& t : storage::list_timers_due(*ctx.db, st.loaded_until, until)) hold(st, std::move(t));
  st.loaded_until = until;
}

// Pending timers are those in LMDB. The in-memory schedule also holds timers a candidate
// has cancelled since (it learns of them when they come due and the candidate ignores them),
// so it would over-count: a candidate hired after its report still shows a follow-up.
void publish_pending(engine_context& ctx) {
  ctx.stats.set("vouch_timers_pending", "",
                static_cast<double>(ctx.db->count(storage::table::timers)));
}

timer_impl::behavior_type timer_service(timer_impl::stateful_pointer<timer_state> self,
                                        engine_context* ctx, store_actor store,
                                        std::vector<storage::stored_timer> stored,
                                        int64_t loaded_until) {
  self->delayed_send(self, std::chrono::seconds(2), prune_atom::value);
  for (auto& t : stored) self->state.due.emplace(t.timer.due, std::move(t));
  self->state.loaded_until = loaded_until;
  publish_pending(*ctx);
  return {
      [=](set_router_atom, router_actor r) {
        self->state.router = std::move(r);
        self->send(self, tick_atom::value);
      },
      [=](timers_atom, timer_list& ts) {
        // Committed before they were sent: one due beyond the window is read with its window.
        for (auto& t : ts)
          if (t.timer.due < self->state.loaded_until) hold(self->state, std::move(t));
      },
      [=](tick_atom) {
        auto now = now_ms();
        if (now + ctx->timer_window_ms / 2 >= self->state.loaded_until)
          load_window(self->state, *ctx, now);
        auto& due = self->state.due;
        while (!due.empty() && due.begin()->first <= now) {
          auto t = std::move(due.begin()->second);
          due.erase(due.begin());
          candidate_input in;
          in.org = t.org;
          in.opp = t.opp;
          in.create_if_missing = false;
          in.event = core::machine_event(now, core::events::timer_fired{t.timer});
          ctx->stats.inc("vouch_timers_fired_total",
                         std::string("kind=\"") + core::to_string(t.timer.kind) + "\"");
          caf::anon_send(self->state.router, route_atom::value, std::move(in));
        }
        publish_pending(*ctx);
        self->delayed_send(self, tick_every, tick_atom::value);
      },
      [=](stats_atom) -> uint64_t { return ctx->db->count(storage::table::timers); },
      [=](prune_atom) {
        auto cutoff = now_ms() - dedupe_keep_ms;
        storage::write_set ws;
        std::size_t seen = 0;
        std::string last;
        ctx->db->scan(
            storage::table::dedupe, {}, self->state.prune_from,
            [&](std::string_view k, std::string_view v) {
              if (++seen > prune_slice) return false;
              last = std::string(k);
              if (v.size() >= 8 && static_cast<int64_t>(core::from_be64(v.substr(0, 8))) < cutoff)
                ws.del(storage::table::dedupe, std::string(k));
              return true;
            });
        // Wrap around at the end of the table; otherwise continue after the slice.
        self->state.prune_from = seen > prune_slice ? last : std::string{};
        if (!ws.empty()) {
          ctx->stats.inc("vouch_dedupe_pruned_total", "", ws.ops.size());
          // Pruning is best effort: a slice that fails is found again on the next round.
          self->request(store, caf::infinite, commit_atom::value, std::move(ws))
              .then([](const commit_result&) {}, [](const caf::error&) {});
        }
        if (seen <= prune_slice) {
          // Once per round, hand memory freed by passivated actors back to the system:
          // glibc keeps it in per-thread arenas otherwise (measured: 380 MiB RSS for 13 MiB
          // in use). Here, off the router's thread, the pause hurts no request.
          malloc_trim(0);
        }
        self->delayed_send(self, seen > prune_slice ? std::chrono::seconds(1) : prune_every,
                           prune_atom::value);
      },
  };
}

}  // namespace

timer_service_actor spawn_timer_service(caf::actor_system& sys, engine_context& ctx,
                                        store_actor store) {
  // Read before the router exists, like the dispatcher's outbox: a timer a candidate sets
  // later arrives by message only, so no timer is held twice.
  // Detached: pruning scans LMDB and malloc_trim may take milliseconds; on its own thread
  // that never holds up the one CAF worker the router and the candidates share.
  // Only the first window: every timer due (or overdue) within ctx.timer_window_ms.
  const int64_t until = now_ms() + ctx.timer_window_ms;
  return caf::actor_cast<timer_service_actor>(sys.spawn<caf::detached>(
      timer_service, &ctx, store, storage::list_timers_due(*ctx.db, 0, until), until));
}

void set_timer_router(timer_service_actor timers, router_actor router) {
  caf::anon_send(timers, set_router_atom::value, router);
}

}  // namespace vouch::actors
