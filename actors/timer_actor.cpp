#include <chrono>
#include <map>

#include "actors/actors.hpp"
#include "actors/messages.hpp"
#include "actors/wall_clock.hpp"

namespace vouch::actors {
namespace {

using set_router_atom = caf::atom_constant<caf::atom("setrouter")>;

struct timer_state {
  std::multimap<int64_t, storage::stored_timer> due;  ///< by due time
  caf::actor router;
  static inline const char* name = "vouch.timers";
};

// Timers are checked on a short tick rather than one CAF timeout per timer: 100k pending
// timers cost one map entry each, and a tick of 50 ms is well inside any figure we promise.
constexpr std::chrono::milliseconds tick_every{50};

caf::behavior timer_service(caf::stateful_actor<timer_state>* self, engine_context* ctx) {
  for (auto& t : storage::list_timers(*ctx->db)) self->state.due.emplace(t.timer.due, t);
  ctx->stats.set("vouch_timers_pending", "", static_cast<double>(self->state.due.size()));
  return {
      [=](set_router_atom, caf::actor r) {
        self->state.router = std::move(r);
        self->send(self, tick_atom::value);
      },
      [=](timers_atom, timer_list& ts) {
        for (auto& t : ts) self->state.due.emplace(t.timer.due, std::move(t));
      },
      [=](tick_atom) {
        auto now = now_ms();
        auto& due = self->state.due;
        while (!due.empty() && due.begin()->first <= now) {
          auto t = std::move(due.begin()->second);
          due.erase(due.begin());
          candidate_input in;
          in.org = t.org;
          in.opp = t.opp;
          in.create_if_missing = false;
          in.event.kind = core::event_kind::timer_fired;
          in.event.now = now;
          in.event.timer = t.timer;
          ctx->stats.inc("vouch_timers_fired_total",
                         std::string("kind=\"") + core::to_string(t.timer.kind) + "\"");
          self->send(self->state.router, route_atom::value, std::move(in));
        }
        ctx->stats.set("vouch_timers_pending", "", static_cast<double>(due.size()));
        self->delayed_send(self, tick_every, tick_atom::value);
      },
      [=](stats_atom) { return static_cast<uint64_t>(self->state.due.size()); },
  };
}

}  // namespace

caf::actor spawn_timer_service(caf::actor_system& sys, engine_context& ctx) {
  return sys.spawn(timer_service, &ctx);
}

void set_timer_router(caf::actor timers, caf::actor router) {
  caf::anon_send(timers, set_router_atom::value, router);
}

}  // namespace vouch::actors
