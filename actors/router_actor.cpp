// The candidate router: activates one candidate actor per (org, opportunity) on its first
// input, holds inputs for an actor that is leaving, and passivates idle ones.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "actors/actors.hpp"
#include "actors/messages.hpp"
#include "actors/wall_clock.hpp"

namespace vouch::actors {
namespace {

// -- router -------------------------------------------------------------------------------

struct resident {
  candidate_actor handle;
  int64_t activated_at = 0, last_used = 0;
  std::string last_event;
  uint64_t sent = 0;                               ///< inputs sent to the actor
  std::shared_ptr<std::atomic<uint64_t>> handled;  ///< inputs it has taken from its mailbox
  uint64_t depth() const { return handled ? sent - std::min(sent, handled->load()) : 0; }
  bool passivating = false;
  bool in_lru = false;
  std::list<std::string>::iterator lru_pos;  ///< its place in router_state::lru
  std::vector<candidate_input> waiting;      ///< arrived while the old actor was leaving (a
                                             ///< vector: no allocation while empty)
};

struct router_state {
  std::unordered_map<std::string, resident> residents;
  std::list<std::string> lru;  ///< keys of residents not leaving, most recently used first
  std::unordered_map<caf::actor_addr, std::string> keys;
  uint64_t activations = 0;
  bool trim_pending = false;
  static inline const char* name = "vouch.router";
};

std::string key_of(const std::string& org, const std::string& opp) {
  return org + '\0' + opp;
}

/// Moves a resident to the front of the LRU list (adding it when new).
void touch(router_state& st, const std::string& key, resident& r) {
  if (r.in_lru) {
    st.lru.splice(st.lru.begin(), st.lru, r.lru_pos);
  } else {
    st.lru.push_front(key);
    r.lru_pos = st.lru.begin();
    r.in_lru = true;
  }
}

void unlink(router_state& st, resident& r) {
  if (!r.in_lru) return;
  st.lru.erase(r.lru_pos);
  r.in_lru = false;
}

// Stopping an actor costs the one CAF worker a few microseconds (the stop, the actor's
// exit, the down message). Stops come in slices of at most this many, each slice a message
// of its own behind the inputs already queued, so routing goes on between them: one trim
// or sweep of thousands at once held webhooks up for milliseconds (docs/BENCHMARKS.md).
constexpr std::size_t max_stops_per_slice = 256;

using sweep_more_atom = caf::atom_constant<caf::atom("sweepmore")>;

/// The router's public contract plus the trim and sweep slices it sends itself.
using router_impl = router_actor::extend<caf::reacts_to<trim_atom>, caf::reacts_to<sweep_atom>,
                                         caf::reacts_to<sweep_more_atom>>;

/// Stops an idle resident: it leaves the LRU list, and inputs for it wait until it is gone.
template <class Self>
void passivate(Self* self, router_state& st, resident& r) {
  r.passivating = true;
  unlink(st, r);
  self->send(r.handle, stop_atom::value);
}

router_impl::behavior_type router(router_impl::stateful_pointer<router_state> self,
                                  engine_context* ctx, store_actor store,
                                  dispatcher_actor dispatcher, timer_service_actor timers) {
  auto activate = [=](resident& r, const std::string& org, const std::string& opp) {
    auto loaded = storage::read_candidate(*ctx->db, org, opp);
    if (loaded.status != storage::read_status::found) {
      loaded.rec.org = org;
      loaded.rec.opp = opp;
    }
    r.handled = std::make_shared<std::atomic<uint64_t>>(0);
    r.sent = 0;
    r.activated_at = now_ms();
    auto a = spawn_candidate(self, *ctx, store, dispatcher, timers,
                             caf::actor_cast<router_actor>(self), std::move(loaded), r.handled);
    self->monitor(a);
    self->state.keys[a.address()] = key_of(org, opp);
    ++self->state.activations;
    ctx->stats.inc("vouch_actor_activations_total");
    return a;
  };
  self->set_down_handler([=](caf::down_msg& dm) {
    auto it = self->state.keys.find(dm.source);
    if (it == self->state.keys.end()) return;
    auto key = it->second;
    self->state.keys.erase(it);
    auto rt = self->state.residents.find(key);
    if (rt == self->state.residents.end()) return;
    auto waiting = std::move(rt->second.waiting);
    unlink(self->state, rt->second);
    self->state.residents.erase(rt);
    if (waiting.empty()) return;
    // Messages that came in while the old actor left: a fresh one loads the committed state.
    auto& r = self->state.residents[key];
    r.handle = activate(r, waiting.front().org, waiting.front().opp);
    r.last_used = now_ms();
    touch(self->state, key, r);
    for (auto& in : waiting) {
      ++r.sent;
      self->send(r.handle, input_atom::value, std::move(in));
    }
  });
  auto sweep_every = std::max<int64_t>(ctx->cfg.timing.passivate_after.count() / 2, 100);
  // At max_resident, one trim slice goes behind the inputs already queued (one at a time).
  // After a slice that found only busy actors, the next waits a moment instead of spinning.
  auto trim_soon = [=](bool right_away) {
    auto& st = self->state;
    if (st.trim_pending || st.lru.size() < static_cast<std::size_t>(ctx->cfg.actors.max_resident))
      return;
    st.trim_pending = true;
    if (right_away)
      self->send(self, trim_atom::value);
    else
      self->delayed_send(self, std::chrono::milliseconds(5), trim_atom::value);
  };
  self->delayed_send(self, std::chrono::milliseconds(sweep_every), sweep_atom::value);
  return {
      [=](route_atom, candidate_input& in) {
        if (in.routed_at_ns)
          *in.routed_at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
        auto key = key_of(in.org, in.opp);
        auto& r = self->state.residents[key];
        if (r.passivating) {
          r.waiting.push_back(std::move(in));
          return;
        }
        if (!r.handle) {
          r.handle = activate(r, in.org, in.opp);
          trim_soon(true);
        }
        r.last_used = now_ms();
        touch(self->state, key, r);
        r.last_event = core::event_name(in.event);
        ++r.sent;
        self->send(r.handle, input_atom::value, std::move(in));
      },
      [=](passivate_atom, const std::string& org, const std::string& opp) {
        // A candidate whose record could not be read asks to go: inputs already queued for
        // it are answered first (stop comes after them), later ones get a fresh read.
        auto it = self->state.residents.find(key_of(org, opp));
        if (it != self->state.residents.end() && it->second.handle && !it->second.passivating)
          passivate(self, self->state, it->second);
      },
      [=](trim_atom) {
        // At max_resident: passivate the least recently used idle actors, the excess plus
        // 0.1 % headroom, at most one slice, walking the LRU list from its old end. Actors
        // already leaving are not in the list, so they are not counted twice.
        auto& st = self->state;
        st.trim_pending = false;
        auto limit = static_cast<std::size_t>(ctx->cfg.actors.max_resident);
        if (st.lru.size() < limit) return;
        std::size_t want = std::min(st.lru.size() - limit + std::max<std::size_t>(1, limit / 1000),
                                    max_stops_per_slice);
        std::size_t stopped = 0, looked = 0;
        auto it = st.lru.end();
        while (stopped < want && it != st.lru.begin() && looked < 4 * want) {
          --it;
          ++looked;
          auto rt = st.residents.find(*it);
          if (rt == st.residents.end()) {
            it = st.lru.erase(it);
            continue;
          }
          auto& r = rt->second;
          if (r.passivating || !r.handle || r.depth() != 0) continue;  // busy: keep it
          ++it;  // passivate() erases r's own list entry
          passivate(self, st, r);
          ++stopped;
        }
        ctx->stats.inc("vouch_actor_early_passivations_total", "", stopped);
        trim_soon(stopped > 0);  // still over: the next slice
      },
      [=](sweep_atom) {
        self->send(self, sweep_more_atom::value);
        self->delayed_send(self, std::chrono::milliseconds(sweep_every), sweep_atom::value);
      },
      [=](sweep_more_atom) {
        // Idle actors sit at the old end of the LRU list (every input moves its actor to the
        // front): stop them from there, one slice per message, until a recent one comes.
        auto& st = self->state;
        auto cutoff = now_ms() - ctx->cfg.timing.passivate_after.count();
        std::size_t stopped = 0;
        while (!st.lru.empty() && stopped < max_stops_per_slice) {
          auto rt = st.residents.find(st.lru.back());
          if (rt == st.residents.end()) {
            st.lru.pop_back();
            continue;
          }
          auto& r = rt->second;
          if (r.last_used >= cutoff) break;
          // The stop queues behind every input already sent, so nothing is lost.
          passivate(self, st, r);
          ++stopped;
        }
        ctx->stats.set("vouch_actors_resident", "", static_cast<double>(st.residents.size()));
        if (stopped == max_stops_per_slice) self->send(self, sweep_more_atom::value);
      },
      [=](stats_atom) -> std::string {
        // Resident actors per org and mailbox depth percentiles across them.
        std::map<std::string, uint64_t> per_org;
        std::vector<uint64_t> depths;
        for (const auto& [key, r] : self->state.residents) {
          ++per_org[key.substr(0, key.find('\0'))];
          depths.push_back(r.depth());
        }
        std::sort(depths.begin(), depths.end());
        auto pct = [&](double q) -> uint64_t {
          if (depths.empty()) return 0;
          return depths[std::min(depths.size() - 1, static_cast<std::size_t>(q * depths.size()))];
        };
        nlohmann::json j = {{"resident", self->state.residents.size()},
                            {"activations", self->state.activations},
                            {"resident_by_org", per_org},
                            {"mailbox_depth",
                             {{"p50", pct(0.5)},
                              {"p90", pct(0.9)},
                              {"p99", pct(0.99)},
                              {"max", depths.empty() ? 0 : depths.back()}}},
                            {"router_mailbox", self->mailbox().size()}};
        return j.dump();
      },
      [=](stats_atom, const std::string& org, const std::string& opp) -> std::string {
        nlohmann::json j = {{"resident", false}};
        auto it = self->state.residents.find(key_of(org, opp));
        if (it != self->state.residents.end() && it->second.handle) {
          const auto& r = it->second;
          j = {{"resident", true},
               {"passivating", r.passivating},
               {"resident_since", r.activated_at},
               {"mailbox_depth", r.depth()},
               {"last_message", r.last_event},
               {"last_message_at", r.last_used}};
        }
        return j.dump();
      },
  };
}

}  // namespace

router_actor spawn_router(caf::actor_system& sys, engine_context& ctx, store_actor store,
                          dispatcher_actor dispatcher, timer_service_actor timers) {
  return caf::actor_cast<router_actor>(sys.spawn(router, &ctx, store, dispatcher, timers));
}

}  // namespace vouch::actors
