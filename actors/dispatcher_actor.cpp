// The outbox dispatcher and its client workers.
//
// Workers are detached actors (own threads): a Lever command may wait for a token of its
// key's bucket and then for several HTTP answers; blocking there keeps the dispatcher and
// the candidates free. The HTTP transfers themselves all run on one libcurl multi handle
// (net::http_client), which keeps connections alive per host.
#include <chrono>
#include <map>
#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "actors/actors.hpp"
#include "actors/lever_client.hpp"
#include "actors/mailer.hpp"
#include "actors/messages.hpp"
#include "actors/outbox_queue.hpp"
#include "actors/platform_client.hpp"
#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"
#include "core/breaker.hpp"
#include "core/hire_token.hpp"
#include "core/retry.hpp"
#include "core/signatures.hpp"

namespace vouch::actors {
namespace {

struct worker_deps {
  engine_context* ctx;
  net::http_client* http;
  rate_limiter* limiter;
  std::string platform_key;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// The outcome label of vouch_outgoing_call_seconds.
const char* outcome_label(core::failure_kind k) {
  switch (k) {
    case core::failure_kind::none:
      return "ok";
    case core::failure_kind::retry:
      return "retry";
    case core::failure_kind::rate_limited:
      return "rate_limited";
    case core::failure_kind::permanent:
      return "permanent";
  }
  return "retry";
}

const std::vector<double> call_seconds_bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                 1,     2.5,  5,     10,   30,  60};

command_worker::behavior_type lever_worker(command_worker::pointer, worker_deps deps) {
  auto client = std::make_shared<lever_client>(
      *deps.http, *deps.limiter, deps.ctx->cfg.lever.timeout, deps.ctx->cfg.lever.burst);
  return {[=](run_atom, const core::command& cmd) -> call_outcome {
    const auto started = std::chrono::steady_clock::now();
    call_outcome out;
    auto org = deps.ctx->orgs->find(cmd.org);
    if (!org || org->api_key.empty()) {
      out.status = 0;
      out.error = "org " + cmd.org + " has no Lever API key";
    } else {
      lever_target t{org->lever_base_url, org->api_key, org->rec.conn.perform_as,
                     org->rec.conn.hired_archive_reason_id};
      out = client->run(cmd, t);
    }
    out.command_id = cmd.id;
    out.seconds = seconds_since(started);
    return out;
  }};
}

command_worker::behavior_type platform_worker(command_worker::pointer, worker_deps deps) {
  auto client =
      std::make_shared<platform_client>(*deps.http, deps.ctx->cfg.platform.base_url,
                                        deps.platform_key, deps.ctx->cfg.platform.timeout);
  return {[=](run_atom, const core::command& cmd) -> call_outcome {
    const auto started = std::chrono::steady_clock::now();
    auto out = client->run(cmd);
    out.command_id = cmd.id;
    out.seconds = seconds_since(started);
    return out;
  }};
}

command_worker::behavior_type mail_worker(command_worker::pointer, worker_deps deps) {
  const auto& cfg = deps.ctx->cfg;
  mail_settings ms;
  ms.transport = cfg.mail.transport;
  ms.dir = cfg.mail.dir;
  ms.smtp_url = cfg.mail.smtp_url;
  ms.ca_file = cfg.mail.ca_file;
  ms.from = cfg.mail.from;
  ms.public_url = cfg.server.public_url;
  ms.token_key = core::hire_token_key(deps.ctx->master_key);
  auto m = std::make_shared<mailer>(ms);
  return {[=](run_atom, const core::command& cmd) -> call_outcome {
    const auto started = std::chrono::steady_clock::now();
    auto out = m->run(cmd);
    out.command_id = cmd.id;
    out.seconds = seconds_since(started);
    return out;
  }};
}

// -- dispatcher ---------------------------------------------------------------------------

struct pool {
  std::vector<command_worker> idle;
  std::size_t size = 0;
};

/// Which workers run a command. Exports have a pool of their own (one at a time, behind
/// live work) but are Lever calls: their retry policy and breaker are Lever's.
enum class pool_kind { lever, platform, mail, prospect_export };

const char* to_string(pool_kind p) {
  switch (p) {
    case pool_kind::lever:
      return "lever";
    case pool_kind::platform:
      return "platform";
    case pool_kind::mail:
      return "mail";
    case pool_kind::prospect_export:
      return "export";
  }
  return "lever";
}

pool_kind pool_of(core::command_kind k) {
  if (k == core::command_kind::prospect_export) return pool_kind::prospect_export;
  switch (core::target_of(k)) {
    case core::command_target::lever:
      return pool_kind::lever;
    case core::command_target::platform:
      return pool_kind::platform;
    case core::command_target::mail:
      return pool_kind::mail;
  }
  return pool_kind::lever;
}

/// The command a result event is about (the unsettled map holds only done and dead events).
core::command_kind command_of(const core::machine_event& ev) {
  if (const auto* d = ev.as<core::events::command_done>()) return d->command;
  return std::get<core::events::command_dead>(ev.body).command;
}

const config::retry_config& retry_config_of(const config::config& cfg, core::command_target t) {
  switch (t) {
    case core::command_target::lever:
      return cfg.lever.retry;
    case core::command_target::platform:
      return cfg.platform.retry;
    case core::command_target::mail:
      return cfg.mail.retry;
  }
  return cfg.lever.retry;
}

core::retry_policy policy_of(const config::retry_config& r) {
  return core::retry_policy{r.retry_base, r.retry_max, r.max_attempts, r.retry_for};
}

/// 0 closed, 1 open, 2 half-open: the value of vouch_breaker_state.
double breaker_gauge(core::breaker_state s) {
  return s == core::breaker_state::closed ? 0 : s == core::breaker_state::open ? 1 : 2;
}

/// The export job of a command, from memory or LMDB (nullptr when it has none).
core::export_record* job_of(engine_context& ctx, std::map<std::string, core::export_record>& jobs,
                            const std::string& export_id) {
  if (export_id.empty()) return nullptr;
  auto it = jobs.find(export_id);
  if (it == jobs.end()) {
    auto job = storage::load_export(*ctx.db, export_id);
    if (!job) return nullptr;
    it = jobs.emplace(export_id, std::move(*job)).first;
  }
  return &it->second;
}

// Lever workers block on their key's token bucket; without a cap, one busy key could hold
// every worker and starve the others. Two in flight per key already exhaust 10 rps.
constexpr int max_lever_in_flight_per_key = 2;

struct dispatcher_state {
  std::map<std::string, int> key_busy;                 ///< Lever API key -> commands in flight
  std::map<uint64_t, std::string> in_flight_key;       ///< command id -> its Lever API key
  std::map<std::string, core::export_record> exports;  ///< progress of jobs seen since start
  outbox_queue queue;                                  ///< waiting and in flight, by id
  /// Results handed to their candidate and not committed yet, by command id, with how often
  /// their commit failed. Until the candidate commits one, it is handed over again: the
  /// command stays pending in LMDB, and its result is never dropped on the floor.
  std::map<uint64_t, std::pair<candidate_input, int>> unsettled;
  std::map<pool_kind, pool> pools;
  std::map<std::string, core::breaker> breakers;   ///< by target name (see target_name)
  std::map<std::string, std::string> key_targets;  ///< Lever API key -> "lever:<fp>"
  std::mt19937_64 rng{std::random_device{}()};
  router_actor router;
  prospect_owner_actor prospects;  ///< the prospect owner: export results and drops go there
  bool tick_pending = false;
  static inline const char* name = "vouch.dispatcher";
};

/// Its public contract plus what it sends itself: ticks, worker answers, results to hand
/// over again.
using dispatcher_impl =
    dispatcher_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<outcome_atom, call_outcome>,
                             caf::reacts_to<redeliver_atom, uint64_t>>;

dispatcher_impl::behavior_type dispatcher(dispatcher_impl::stateful_pointer<dispatcher_state> self,
                                          engine_context* ctx, store_actor store,
                                          net::http_client* http,
                                          std::vector<core::command> pending) {
  auto limiter = ctx->lever_limiter;
  std::string platform_key, err;
  core::platform_key_from_secret(ctx->cfg.platform.secret, platform_key, err);
  worker_deps deps{ctx, http, limiter.get(), platform_key};
  auto make_pool = [&](pool_kind kind, std::size_t n, auto fn) {
    auto& p = self->state.pools[kind];
    p.size = n;
    for (std::size_t i = 0; i < n; ++i) {
      p.idle.push_back(self->spawn<caf::detached + caf::linked>(fn, deps));
    }
  };
  make_pool(pool_kind::lever, 8, lever_worker);
  make_pool(pool_kind::platform, 4, platform_worker);
  make_pool(pool_kind::mail, 1, mail_worker);
  // One export worker: exports run one at a time, so two prospects with one email never
  // race past each other's Lever search (and bulk work stays behind live work).
  make_pool(pool_kind::prospect_export, 1, lever_worker);
  self->attach_functor([limiter] {});  // the limiter lives as long as the dispatcher

  // The Lever API key a command of `org` is sent with ("" when the org has none).
  auto api_key_of = [=](const std::string& org) {
    auto view = ctx->orgs->find(org);
    return view ? view->api_key : std::string{};
  };
  // The breaker a command answers to: one per Lever API key, one for the platform, one for
  // the mail transport.
  auto target_name = [=](const core::command& c) -> std::string {
    const auto t = core::target_of(c.kind);
    if (t != core::command_target::lever) return core::to_string(t);
    auto key = api_key_of(c.org);
    auto& names = self->state.key_targets;
    auto it = names.find(key);
    if (it == names.end()) it = names.emplace(key, lever_target_name(key)).first;
    return it->second;
  };
  // Hands a command's result to its candidate; the answer comes back as settled_atom.
  auto hand_over = [=](uint64_t id) {
    auto it = self->state.unsettled.find(id);
    if (it == self->state.unsettled.end()) return;
    candidate_input in = it->second.first;
    auto me = caf::actor_cast<dispatcher_actor>(self);
    in.done = [me, id](delivery_outcome o) {
      caf::anon_send(me, settled_atom::value, id, o == delivery_outcome::unavailable);
    };
    self->send(self->state.router, route_atom::value, std::move(in));
  };
  auto publish_breaker = [=](const std::string& name, const core::breaker& b) {
    const std::string label = "target=\"" + name + "\"";
    ctx->stats.set("vouch_breaker_state", label, breaker_gauge(b.state));
  };

  // The queue gauges, after anything that changes what is waiting, in flight or unsettled.
  auto publish_queue = [=]() {
    const auto& st = self->state;
    ctx->stats.set("vouch_commands_pending", "",
                   static_cast<double>(st.queue.waiting() + st.unsettled.size()));
    ctx->stats.set("vouch_commands_in_flight", "", static_cast<double>(st.queue.in_flight()));
  };

  // Sends every due command that has an idle worker of its target.
  auto pump = [=]() {
    auto& st = self->state;
    st.queue.take_due(now_ms(), [&](const core::command& c) {
      if (c.kind == core::command_kind::prospect_export) {
        auto* job = job_of(*ctx, st.exports, export_id_of(c));
        if (job && job->state == core::export_state::cancelled) {
          // Cancelled: the owner puts the prospect back to stored; nothing goes out.
          self->send(st.prospects, export_drop_atom::value, c);
          return outbox_queue::verdict::drop;
        }
      }
      auto& p = st.pools[pool_of(c.kind)];
      if (p.idle.empty()) return outbox_queue::verdict::wait;
      const bool lever = core::target_of(c.kind) == core::command_target::lever;
      std::string key;
      if (lever) {
        key = api_key_of(c.org);
        // This key is busy; commands of other keys may go.
        if (st.key_busy[key] >= max_lever_in_flight_per_key) return outbox_queue::verdict::wait;
      }
      // An open breaker holds its target's commands untried (no attempt spent) but for one
      // probe per backoff interval.
      const auto name = target_name(c);
      auto& br = st.breakers[name];
      const auto before = br.state;
      if (!core::breaker_admit(br, c.id, now_ms())) return outbox_queue::verdict::wait;
      if (br.state != before) {
        spdlog::info("msg=breaker_probe target={} command={} kind={}", name, c.id,
                     core::to_string(c.kind));
        publish_breaker(name, br);
      }
      if (lever) {
        ++st.key_busy[key];
        st.in_flight_key[c.id] = key;
      }
      auto w = p.idle.back();
      p.idle.pop_back();
      const auto kind = pool_of(c.kind);
      // The worker answers its request; the outcome is handled as a message of its own,
      // after the worker is back in its pool.
      self->request(w, caf::infinite, run_atom::value, c)
          .then(
              [=](call_outcome& out) {
                self->state.pools[kind].idle.push_back(w);
                self->send(self, outcome_atom::value, std::move(out));
              },
              [=](caf::error&) {});  // a worker only fails when the engine stops
      ctx->stats.inc("vouch_commands_sent_total",
                     std::string("kind=\"") + core::to_string(c.kind) + "\"");
      return outbox_queue::verdict::send;
    });
    publish_queue();
  };

  auto arm = [=]() {
    if (self->state.tick_pending) return;
    self->state.tick_pending = true;
    self->delayed_send(self, std::chrono::milliseconds(20), tick_atom::value);
  };

  // Commands pending in LMDB from before a restart go out again, with the same keys.
  for (auto& c : pending) self->state.queue.add(std::move(c));
  self->send(self, tick_atom::value);
  self->state.tick_pending = true;

  return {
      [=](set_router_atom, router_actor r) { self->state.router = std::move(r); },
      [=](enqueue_atom, command_list& cmds) {
        for (auto& c : cmds) self->state.queue.add(std::move(c));
        pump();
        arm();
      },
      [=](requeue_atom, uint64_t id, commit_done& done) {
        auto cmd = storage::load_command(*ctx->db, id);
        if (!cmd) return done(false, "no command " + std::to_string(id));
        if (cmd->status != core::command_status::dead)
          return done(false, "command " + std::to_string(id) + " is not dead");
        // The candidate decides (its record lists the dead command): route an admin retry.
        candidate_input in;
        in.org = cmd->org;
        in.opp = cmd->opp;
        in.create_if_missing = false;
        in.event = core::machine_event(now_ms(), core::events::admin_retry{id});
        in.done = [done](delivery_outcome o) {
          done(o == delivery_outcome::accepted,
               o == delivery_outcome::accepted ? "" : "the candidate has nothing to retry");
        };
        self->send(self->state.router, route_atom::value, std::move(in));
      },
      [=](set_prospects_atom, prospect_owner_actor p) { self->state.prospects = std::move(p); },
      [=](cancelled_atom, const std::string& export_id) {
        // The owner committed the cancellation: read the job again, drop its queued commands.
        self->state.exports.erase(export_id);
        pump();
      },
      [=](tick_atom) {
        self->state.tick_pending = false;
        pump();
        if (self->state.queue.waiting() > 0) arm();
      },
      [=](outcome_atom, call_outcome& out) {
        auto& st = self->state;
        auto finished = st.queue.finish(out.command_id);
        if (!finished) return;
        auto cmd = std::move(*finished);
        if (auto kt = st.in_flight_key.find(cmd.id); kt != st.in_flight_key.end()) {
          if (--st.key_busy[kt->second] <= 0) st.key_busy.erase(kt->second);
          st.in_flight_key.erase(kt);
        }
        auto kind_label = std::string("kind=\"") + core::to_string(cmd.kind) + "\"";
        const auto target = core::target_of(cmd.kind);
        const auto& rc = retry_config_of(ctx->cfg, target);
        const auto policy = policy_of(rc);
        const auto now = now_ms();
        const auto outcome_kind =
            out.ok ? core::failure_kind::none : core::classify_http(out.status);
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        ctx->stats.observe("vouch_outgoing_call_seconds",
                           std::string("target=\"") + to_string(pool_of(cmd.kind)) +
                               "\",outcome=\"" + outcome_label(outcome_kind) + "\"",
                           out.seconds, call_seconds_bounds);
        if (target == core::command_target::lever)
          ctx->health.lever_answered(cmd.org, out.ok ? 200 : out.status, out.error, now);
        {
          const auto name = target_name(cmd);
          auto& br = st.breakers[name];
          const auto opens_before = br.opens;
          const bool closed = core::breaker_record(br, cmd.id, outcome_kind, now, rc.breaker_after,
                                                   policy, jitter(st.rng));
          if (br.opens != opens_before) {
            spdlog::warn("msg=breaker_open target={} failures={} next_probe_in_ms={}", name,
                         br.failures, br.next_probe_at - now);
            ctx->stats.inc("vouch_breaker_opens_total", "target=\"" + name + "\"");
          }
          if (closed) {
            // The target answers again: what waited for it goes out now, within the rate
            // budget (the Lever workers still take tokens from the key's bucket).
            const auto released = st.queue.release(
                now, [&](const core::command& c) { return target_name(c) == name; });
            spdlog::info("msg=breaker_closed target={} released={}", name, released);
          }
          publish_breaker(name, br);
        }
        if (out.ok) {
          ctx->stats.inc("vouch_commands_succeeded_total", kind_label);
        } else {
          // One retry policy for every target: backoff with jitter, Retry-After wins, a 429
          // does not count, permanent answers and exhausted attempts are dead.
          ctx->stats.inc("vouch_commands_failed_total", kind_label);
          auto d = core::decide_retry(policy, {cmd.attempts, cmd.failing_since}, now, outcome_kind,
                                      out.retry_after, jitter(st.rng));
          if (d.counts) ++cmd.attempts;
          cmd.failing_since = d.failing_since;
          cmd.last_error = out.error;
          core::remember_attempt(
              cmd, {now, static_cast<int32_t>(out.status), outcome_label(outcome_kind), out.error});
          if (!d.dead) {
            spdlog::warn(
                "msg=retry command={} kind={} org={} opp={} attempts={} status={} retry_in_ms={} "
                "error={:?}",
                cmd.id, core::to_string(cmd.kind), cmd.org, cmd.opp, cmd.attempts, out.status,
                d.delay.count(), out.error);
            cmd.next_at = now + d.delay.count();
            storage::write_set ws;
            storage::put_command(ws, cmd);
            // The attempt count and next time, for a restart; the queue has them already.
            self->request(store, caf::infinite, commit_atom::value, std::move(ws))
                .then([](const commit_result&) {}, [](const caf::error&) {});
            st.queue.add(std::move(cmd));
            pump();
            arm();
            return;
          }
          spdlog::error(
              "msg=dead_letter command={} kind={} org={} opp={} attempts={} status={} why={} "
              "failing_for_ms={} error={:?}",
              cmd.id, core::to_string(cmd.kind), cmd.org, cmd.opp, cmd.attempts, out.status,
              core::to_string(d.why), cmd.failing_since ? now - cmd.failing_since : 0, out.error);
          if (d.why == core::dead_reason::retry_for)
            cmd.last_error += " (failing for longer than retry_for)";
          else if (d.why == core::dead_reason::max_attempts)
            cmd.last_error += " (max_attempts reached)";
          ctx->stats.inc("vouch_commands_dead_total", kind_label);
          cmd.status = core::command_status::dead;
        }
        if (cmd.kind == core::command_kind::prospect_export) {
          // Not a candidate's command: the prospect owner records the end (prospect, job,
          // outbox row), and retries its commit until it lands.
          self->send(st.prospects, export_result_atom::value, cmd, out);
        } else {
          candidate_input in;
          in.org = cmd.org;
          in.opp = cmd.opp;
          in.create_if_missing = false;
          if (out.ok) {
            core::events::command_done d;
            d.command_id = cmd.id;
            d.command = cmd.kind;
            d.generation = cmd.generation;
            d.resolved = std::move(out.resolved);
            d.created_request_id = out.created_request_id;
            d.archived_as_hired = out.archived_as_hired;
            in.event = core::machine_event(now_ms(), std::move(d));
          } else {
            core::events::command_dead d;
            d.command_id = cmd.id;
            d.command = cmd.kind;
            d.generation = cmd.generation;
            d.http_status = out.status;
            d.error = out.error;
            d.permanent = core::classify_http(out.status) == core::failure_kind::permanent;
            in.event = core::machine_event(now_ms(), std::move(d));
            in.dead_command = cmd;
          }
          const auto id = cmd.id;
          st.unsettled[id] = {std::move(in), 0};
          hand_over(id);
        }
        pump();
        arm();
      },
      [=](settled_atom, uint64_t id, bool failed) {
        auto it = self->state.unsettled.find(id);
        if (it == self->state.unsettled.end()) return;
        if (!failed) {
          self->state.unsettled.erase(it);
          publish_queue();  // the last settled result leaves the gauge at 0, not 1
          return;
        }
        // The candidate could not commit the result (storage full or failing): hand it over
        // again after a backoff; the command is still pending in LMDB if we stop meanwhile.
        const int tries = ++it->second.second;
        const auto& rc =
            retry_config_of(ctx->cfg, core::target_of(command_of(it->second.first.event)));
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        const auto delay = core::backoff_delay(policy_of(rc), tries, jitter(self->state.rng));
        spdlog::error("msg=result_commit_failed command={} org={} opp={} tries={} retry_in_ms={}",
                      id, it->second.first.org, it->second.first.opp, tries, delay.count());
        ctx->stats.inc("vouch_result_commit_retries_total");
        self->delayed_send(self, delay, redeliver_atom::value, id);
      },
      [=](redeliver_atom, uint64_t id) { hand_over(id); },
      [=](expedite_atom, const std::string& org, const std::string& opp,
          std::function<void(uint64_t)>& done) {
        // An operator's retry of a candidate in a working state: its pending commands go
        // now. One the queue does not hold (stranded by a failure) is taken from LMDB again.
        auto& st = self->state;
        const auto now = now_ms();
        uint64_t n = 0;
        for (auto& c : storage::list_commands(*ctx->db)) {
          if (c.org != org || c.opp != opp || c.status != core::command_status::pending) continue;
          if (st.unsettled.count(c.id) || st.queue.in_flight_has(c.id)) {
            ++n;
            continue;
          }
          if (st.queue.knows(c.id)) {
            st.queue.release(now, [&](const core::command& x) { return x.id == c.id; });
            ++n;
            continue;
          }
          c.next_at = now;
          if (st.queue.add(std::move(c))) ++n;
        }
        pump();
        arm();
        if (done) done(n);
      },
      [=](breakers_atom) -> std::string {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& [name, b] : self->state.breakers) {
          auto ms = [](int64_t v) { return v ? nlohmann::json(v) : nlohmann::json(nullptr); };
          list.push_back({{"target", name},
                          {"state", core::to_string(b.state)},
                          {"failures", b.failures},
                          {"opened_at", ms(b.opened_at)},
                          {"next_probe_at", b.state == core::breaker_state::closed
                                                ? nlohmann::json(nullptr)
                                                : nlohmann::json(b.next_probe_at)},
                          {"opens", b.opens}});
        }
        return list.dump();
      },
      [=](stats_atom) -> std::string {
        auto& st = self->state;
        nlohmann::json pools = nlohmann::json::object();
        for (auto& [kind, p] : st.pools)
          pools[to_string(kind)] = {{"size", p.size}, {"busy", p.size - p.idle.size()}};
        nlohmann::json j = {{"scheduled", st.queue.waiting()},
                            {"in_flight", st.queue.in_flight()},
                            {"pools", pools},
                            {"lever_token_buckets", limiter->levels()},
                            {"dispatcher_mailbox", self->mailbox().size()}};
        return j.dump();
      },
  };
}

}  // namespace

dispatcher_actor spawn_dispatcher(caf::actor_system& sys, engine_context& ctx, store_actor store,
                                  net::http_client& http) {
  // The snapshot is read here, before the router exists: no candidate can commit a new
  // command while it is taken, and commands committed later arrive by enqueue.
  std::vector<core::command> pending;
  for (auto& c : storage::list_commands(*ctx.db))
    if (c.status == core::command_status::pending) pending.push_back(std::move(c));
  return caf::actor_cast<dispatcher_actor>(
      sys.spawn(dispatcher, &ctx, store, &http, std::move(pending)));
}

void set_dispatcher_router(dispatcher_actor dispatcher, router_actor router) {
  caf::anon_send(dispatcher, set_router_atom::value, router);
}

admin_lever_client spawn_admin_lever_client(caf::actor_system& sys, engine_context& ctx,
                                            net::http_client& http) {
  auto behavior = [](admin_lever_client::pointer, engine_context* c,
                     net::http_client* h) -> admin_lever_client::behavior_type {
    return {[=](lever_call_atom, net::client_request& req, lever_reply& done) {
      // An operator waits for this answer: it takes a token like live candidate work.
      if (c->lever_limiter && !req.basic_user.empty()) c->lever_limiter->acquire(req.basic_user);
      done(h->perform(std::move(req)).get());
    }};
  };
  return sys.spawn<caf::detached>(behavior, &ctx, &http);
}

}  // namespace vouch::actors
