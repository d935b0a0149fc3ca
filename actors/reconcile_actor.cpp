// Catch-up (missed webhooks): a scheduler that decides when each org's pass runs, and
// detached workers that run them. A pass asks Lever (actors/catch_up_pass), hands what it
// found to the candidates as the webhooks would have been, waits until every one of them
// has committed, and only then moves the org's cursor forward in LMDB. So a pass that
// fails anywhere (Lever refuses, storage full, shutdown) is simply run again later.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "actors/actors.hpp"
#include "actors/catch_up_pass.hpp"
#include "actors/messages.hpp"
#include "actors/wall_clock.hpp"
#include "core/crypto.hpp"

namespace vouch::actors {
namespace {

using pass_done_atom = caf::atom_constant<caf::atom("passdone")>;

/// Changes up to this long before the cursor are asked for again: Lever's list and our
/// clock may disagree by a little, and a change must never fall between two passes.
constexpr int64_t overlap_ms = 5 * 60 * 1000;
/// How long a pass waits for its candidates to commit what it handed them.
constexpr std::chrono::seconds hand_over_timeout{60};
constexpr std::chrono::milliseconds tick_every{250};
constexpr int64_t cursor_save_every_ms = 60 * 1000;
constexpr std::size_t worker_count = 2;

/// A catch-up worker: runs one org's pass, blocking, and answers whether it completed.
using catch_up_worker = caf::typed_actor<caf::replies_to<run_atom, std::string>::with<bool>>;

/// The scheduler's contract plus its own ticks.
using reconciler_impl = reconciler_actor::extend<caf::reacts_to<tick_atom>>;

/// Waits for the outcomes of the inputs a pass handed to candidates.
class outcomes {
 public:
  explicit outcomes(std::size_t expected) : left_(expected) {}
  void add(delivery_outcome o) {
    std::lock_guard<std::mutex> lk(mu_);
    if (o == delivery_outcome::accepted) ++accepted_;
    if (o == delivery_outcome::unavailable) ++unavailable_;
    if (left_ > 0) --left_;
    cv_.notify_all();
  }
  /// True when all came back in time; gives up early when the engine drains.
  bool wait(const std::atomic<bool>& draining) {
    std::unique_lock<std::mutex> lk(mu_);
    const auto deadline = std::chrono::steady_clock::now() + hand_over_timeout;
    while (left_ > 0) {
      if (draining || std::chrono::steady_clock::now() >= deadline) return false;
      cv_.wait_for(lk, std::chrono::milliseconds(100));
    }
    return true;
  }
  uint64_t accepted() const {
    std::lock_guard<std::mutex> lk(mu_);
    return accepted_;
  }
  uint64_t unavailable() const {
    std::lock_guard<std::mutex> lk(mu_);
    return unavailable_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t left_;
  uint64_t accepted_ = 0, unavailable_ = 0;
};

/// The input a webhook would have produced for `c`. Its dedupe key is the change itself, so
/// the overlap of the next pass finds it as a duplicate and writes nothing.
candidate_input input_for(const std::string& org, const caught_change& c, int64_t now) {
  candidate_input in;
  in.org = org;
  in.opp = c.opp;
  in.create_if_missing = true;
  if (c.hired) {
    in.event = core::machine_event(now, core::events::hired_webhook{core::lever_origin::catch_up});
  } else {
    core::events::stage_change change;
    change.to_stage = c.stage;
    change.triggered_at = c.at;
    change.origin = core::lever_origin::catch_up;
    in.event = core::machine_event(now, std::move(change));
  }
  in.dedupe_key = core::hmac_sha256("vouch-dedupe", "reconcile|" + org + "|" + c.opp + "|" +
                                                        (c.hired ? "hired" : c.stage) + "|" +
                                                        std::to_string(c.at));
  return in;
}

struct worker_deps {
  engine_context* ctx;
  store_actor store;
  router_actor router;
  net::http_client* http;
};

/// Commits the org's reconcile record; false when the store refused it.
bool save(caf::actor_system& sys, store_actor store, const core::reconcile_record& rec) {
  storage::write_set ws;
  storage::put_reconcile(ws, rec);
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(store, caf::infinite, commit_atom::value, std::move(ws))
      .receive([&](const commit_result& r) { ok = r.ok(); }, [&](caf::error&) { ok = false; });
  return ok;
}

/// One pass over `org`; true when it completed and its cursor moved.
bool run_pass(caf::actor_system& sys, const worker_deps& d, catch_up_client& client,
              const std::string& org) {
  auto& ctx = *d.ctx;
  auto view = ctx.orgs->find(org);
  if (!view || !view->rec.connected || view->api_key.empty()) return false;
  const int64_t started = now_ms();
  auto stored = storage::load_reconcile(*ctx.db, org);
  core::reconcile_record rec;
  if (stored) {
    rec = *stored;
  } else {
    // A store from before catch-up (or a record lost): start the cursor now, as if the
    // connection had been saved now; nothing older is acted on.
    rec.org = org;
    rec.started_at = rec.cursor = started;
  }
  catch_up_request req;
  req.base_url = view->lever_base_url;
  while (!req.base_url.empty() && req.base_url.back() == '/') req.base_url.pop_back();
  req.api_key = view->api_key;
  req.trigger_stage_ids = view->rec.conn.trigger_stage_ids;
  req.since = std::max<int64_t>(0, rec.cursor - overlap_ms);
  req.not_before = rec.started_at;
  auto result = client.run(req);
  ctx.health.lever_answered(org, result.status, result.error, now_ms());

  uint64_t found = 0;
  if (result.ok) {
    auto waiting = std::make_shared<outcomes>(result.found.size());
    for (const auto& c : result.found) {
      auto in = input_for(org, c, now_ms());
      in.done = [waiting](delivery_outcome o) { waiting->add(o); };
      caf::anon_send(d.router, route_atom::value, std::move(in));
    }
    if (!waiting->wait(ctx.draining)) {
      result.ok = false;
      result.error = "the candidates did not take the changes found in time";
    } else if (waiting->unavailable() > 0) {
      result.ok = false;
      result.error = std::to_string(waiting->unavailable()) +
                     " change(s) found could not be committed (storage unavailable)";
    }
    found = waiting->accepted();
  }
  const int64_t ended = now_ms();
  rec.last_pass_at = ended;
  rec.last_pass_ok = result.ok;
  rec.last_error = result.ok ? std::string{} : result.error;
  rec.last_duration_ms = ended - started;
  if (result.ok) {
    rec.cursor = started;  // every change before the pass began was asked for
    rec.found_total += found;
    rec.last_found = found;
    if (found > 0) rec.last_found_at = ended;
  }
  // Durable when it matters: something found (counts), the outcome or its error changed,
  // or the stored cursor is a minute behind. A crash before the next save only makes the
  // next pass ask for a minute more (the overlap covers five); health shows the newest
  // pass from memory meanwhile. At a thousand orgs this keeps catch-up off the store.
  const bool must_save = !stored || found > 0 || stored->last_pass_ok != rec.last_pass_ok ||
                         stored->last_error != rec.last_error ||
                         rec.cursor - stored->cursor >= cursor_save_every_ms;
  const bool saved = !must_save || save(sys, d.store, rec);
  if (saved) ctx.health.catch_up(rec);
  ctx.stats.inc("vouch_reconcile_passes_total",
                std::string("outcome=\"") + (result.ok && saved ? "ok" : "failed") + "\"");
  if (found > 0) ctx.stats.inc("vouch_reconcile_found_total", "org=\"" + org + "\"", found);
  ctx.stats.observe("vouch_reconcile_pass_seconds", (ended - started) / 1000.0,
                    {0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120});
  return result.ok && saved;
}

catch_up_worker::behavior_type worker(catch_up_worker::pointer self, worker_deps d) {
  auto client = std::make_shared<catch_up_client>(
      *d.http, *d.ctx->lever_limiter, d.ctx->cfg.lever.timeout,
      // Keep a quarter of the burst for live candidate work, as bulk exports do.
      std::max(2.0, d.ctx->cfg.lever.burst / 4));
  return {[=](run_atom, const std::string& org) -> bool {
    return run_pass(self->system(), d, *client, org);
  }};
}

struct reconciler_state {
  std::map<std::string, int64_t> due;  ///< org -> when its next scheduled pass is due
  std::set<std::string> running;       ///< orgs whose pass is on a worker
  std::set<std::string> again;         ///< asked for while running: run once more after
  std::deque<std::string> waiting;     ///< due or asked for, waiting for a worker
  std::vector<catch_up_worker> idle;
  uint64_t passes = 0, failed = 0;
  static inline const char* name = "vouch.reconciler";
};

/// Where in the period an org's passes fall: spread by its id, so a thousand orgs do not
/// all ask Lever in the same second.
int64_t phase_of(const std::string& org, int64_t period_ms) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : org) h = (h ^ c) * 1099511628211ULL;
  return static_cast<int64_t>(h % static_cast<uint64_t>(period_ms));
}

reconciler_impl::behavior_type reconciler(reconciler_impl::stateful_pointer<reconciler_state> self,
                                          engine_context* ctx, worker_deps deps) {
  for (std::size_t i = 0; i < worker_count; ++i)
    self->state.idle.push_back(self->spawn<caf::detached + caf::linked>(worker, deps));
  const int64_t period = ctx->cfg.lever.reconcile_every.count();

  auto queue = [=](const std::string& org, bool first) {
    auto& st = self->state;
    if (st.running.count(org)) {
      st.again.insert(org);
      return;
    }
    if (std::find(st.waiting.begin(), st.waiting.end(), org) != st.waiting.end()) return;
    if (first)
      st.waiting.push_front(org);
    else
      st.waiting.push_back(org);
  };
  // Hands waiting orgs to idle workers; each answer frees the worker and the org (and
  // pumps again through a self-sent message: a lambda cannot name itself).
  auto pump_again = [=] { self->send(self, reconcile_atom::value, std::string{}); };
  auto pump = [=] {
    auto& st = self->state;
    while (!st.idle.empty() && !st.waiting.empty()) {
      auto org = st.waiting.front();
      st.waiting.pop_front();
      auto w = st.idle.back();
      st.idle.pop_back();
      st.running.insert(org);
      self->request(w, caf::infinite, run_atom::value, org)
          .then(
              [=](bool ok) {
                auto& s = self->state;
                ++s.passes;
                if (!ok) ++s.failed;
                s.running.erase(org);
                s.idle.push_back(w);
                if (s.again.erase(org)) s.waiting.push_front(org);
                pump_again();
              },
              [=](caf::error&) {  // the worker died: the engine is stopping
                self->state.running.erase(org);
              });
    }
  };
  self->send(self, tick_atom::value);
  return {
      [=](reconcile_atom, const std::string& org) {
        if (!org.empty()) queue(org, true);  // "" only pumps
        pump();
      },
      [=](tick_atom) {
        if (period > 0 && !ctx->draining) {
          const int64_t now = now_ms();
          auto& due = self->state.due;
          for (const auto& org : ctx->orgs->ids()) {
            auto it = due.find(org);
            if (it == due.end()) {
              // First sight of the org (start-up or a new connection): its phase decides.
              due[org] = now + phase_of(org, period);
              continue;
            }
            if (it->second > now) continue;
            // The next one keeps the phase; a pass that ran long does not make them bunch.
            it->second += period * ((now - it->second) / period + 1);
            auto view = ctx->orgs->find(org);
            if (view && view->rec.connected) queue(org, false);
          }
        }
        pump();
        self->delayed_send(self, tick_every, tick_atom::value);
      },
      [=](stats_atom) -> std::string {
        const auto& st = self->state;
        nlohmann::json j{{"every_ms", period},           {"running", st.running.size()},
                         {"waiting", st.waiting.size()}, {"passes", st.passes},
                         {"failed", st.failed},          {"workers", worker_count}};
        return j.dump();
      },
  };
}

}  // namespace

reconciler_actor spawn_reconciler(caf::actor_system& sys, engine_context& ctx, store_actor store,
                                  router_actor router, net::http_client& http) {
  worker_deps deps{&ctx, store, router, &http};
  // Detached: its tick walks every org, which must not hold up the CAF worker that the
  // router and the candidates share.
  return caf::actor_cast<reconciler_actor>(sys.spawn<caf::detached>(reconciler, &ctx, deps));
}

}  // namespace vouch::actors
