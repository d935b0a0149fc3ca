#include "actors/actor_host.hpp"

#include <nlohmann/json.hpp>

#include "actors/actors.hpp"
#include "actors/messages.hpp"

namespace vouch::actors {

namespace {
struct system_config : caf::actor_system_config {
  system_config() {
    // One CAF worker runs the router, the candidates and the dispatcher; the store, the
    // timer service and the client workers have threads of their own (detached). Measured
    // (docs/BENCHMARKS.md): a second worker only adds cross-thread wake-ups between the
    // router and a candidate (warm message 13-20 µs against 9-10 µs, cold activation
    // 25-30 µs against 16-19 µs) and no ingest throughput. An earlier spike of the HTTP →
    // actor → LMDB path on 2 cores saw the same: 2 CAF threads were slower in 5 of 6 pairs.
    set("scheduler.max-threads", 1);
    set("scheduler.policy", caf::atom("sharing"));
  }
};
}  // namespace

struct actor_host::impl {
  engine_context& ctx;
  net::http_client& http;
  system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  store_actor store;
  dispatcher_actor dispatcher;
  router_actor router;
  timer_service_actor timers;
  prospect_owner_actor prospects;
  reconciler_actor reconciler;
  std::vector<admin_lever_client> lever_clients;  ///< the admin API's Lever calls
  std::atomic<std::size_t> next_lever_client{0};
  impl(engine_context& c, net::http_client& h) : ctx(c), http(h) {}
};

actor_host::actor_host(engine_context& ctx, net::http_client& http)
    : impl_(std::make_unique<impl>(ctx, http)) {}

actor_host::~actor_host() {
  shutdown();
}

void actor_host::start() {
  auto& i = *impl_;
  i.sys = std::make_unique<caf::actor_system>(i.cfg);
  if (!i.ctx.lever_limiter)
    i.ctx.lever_limiter =
        std::make_shared<rate_limiter>(i.ctx.cfg.lever.rate_per_s, i.ctx.cfg.lever.burst);
  i.store = spawn_store(*i.sys, i.ctx);
  i.dispatcher = spawn_dispatcher(*i.sys, i.ctx, i.store, i.http);
  i.timers = spawn_timer_service(*i.sys, i.ctx, i.store);
  i.router = spawn_router(*i.sys, i.ctx, i.store, i.dispatcher, i.timers);
  set_dispatcher_router(i.dispatcher, i.router);
  i.prospects = spawn_prospect_owner(*i.sys, i.ctx, i.store, i.dispatcher);
  caf::anon_send(i.dispatcher, set_prospects_atom::value, i.prospects);
  set_timer_router(i.timers, i.router);
  i.reconciler = spawn_reconciler(*i.sys, i.ctx, i.store, i.router, i.http);
  for (int n = 0; n < 2; ++n)
    i.lever_clients.push_back(spawn_admin_lever_client(*i.sys, i.ctx, i.http));
  // /readyz promises timers are loaded: wait until the timer service and the dispatcher
  // have run their start-up (they answer only after it).
  caf::scoped_actor self{*i.sys};
  self->request(i.timers, caf::infinite, stats_atom::value)
      .receive([](uint64_t) {}, [](caf::error&) {});
  self->request(i.dispatcher, caf::infinite, stats_atom::value)
      .receive([](const std::string&) {}, [](caf::error&) {});
}

void actor_host::shutdown() {
  auto& i = *impl_;
  if (!i.sys) return;
  if (i.reconciler) caf::anon_send_exit(i.reconciler, caf::exit_reason::user_shutdown);
  for (auto& c : i.lever_clients) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  i.lever_clients.clear();
  if (i.prospects) caf::anon_send_exit(i.prospects, caf::exit_reason::user_shutdown);
  if (i.timers) caf::anon_send_exit(i.timers, caf::exit_reason::user_shutdown);
  if (i.router) caf::anon_send_exit(i.router, caf::exit_reason::user_shutdown);
  for (auto* a : {&i.dispatcher}) {
    if (*a) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  }
  if (i.store) caf::anon_send_exit(i.store, caf::exit_reason::user_shutdown);
  {
    // The store finishes the commit it is in, then quits: once it is down, every write is
    // durable. Blocking client workers may still be inside a call; they end with it.
    caf::scoped_actor self{*i.sys};
    self->wait_for(i.store, i.dispatcher, i.router, i.timers, i.prospects, i.reconciler);
  }
  actors_down_ = true;
  i.dispatcher = dispatcher_actor{};
  i.router = router_actor{};
  i.timers = timer_service_actor{};
  i.prospects = prospect_owner_actor{};
  i.reconciler = reconciler_actor{};
  i.store = store_actor{};
  i.sys.reset();  // waits for every actor
}

void actor_host::lever_call(net::client_request req,
                            std::function<void(net::client_response)> done) {
  auto& i = *impl_;
  if (i.lever_clients.empty()) {
    net::client_response res;
    res.error = "the engine is not running";
    return done(std::move(res));
  }
  // Two clients, taken in turn: one slow Lever answer does not hold up the next operator.
  const auto n = i.next_lever_client.fetch_add(1) % i.lever_clients.size();
  caf::anon_send(i.lever_clients[n], lever_call_atom::value, std::move(req),
                 lever_reply(std::move(done)));
}

bool actor_host::reconcile(const std::string& org) {
  if (!impl_->reconciler) return false;
  caf::anon_send(impl_->reconciler, reconcile_atom::value, org);
  return true;
}

void actor_host::deliver(candidate_input in) {
  if (!impl_->router) {
    if (in.done) in.done(delivery_outcome::unavailable);
    return;
  }
  caf::anon_send(impl_->router, route_atom::value, std::move(in));
}

namespace {
/// Asks the store from a thread outside CAF (admin and ingress threads): a short-lived
/// actor makes the request and calls `done` with the answer. This is the io boundary: a
/// thread that is no actor cannot hold a response promise, so a callback is the way back.
void ask_store(caf::actor_system& sys, store_actor store, storage::write_set ws, commit_done done) {
  sys.spawn([store, ws = std::move(ws), done](caf::event_based_actor* self) mutable {
    self->request(store, caf::infinite, commit_atom::value, std::move(ws))
        .then(
            [=](const commit_result& r) {
              done(r.ok(), r.message());
              self->quit();
            },
            [=](const caf::error& e) {
              done(false, caf::to_string(e));
              self->quit();
            });
  });
}
}  // namespace

void actor_host::commit(storage::write_set ws, commit_done done) {
  if (!impl_->store) return done(false, "engine is shutting down");
  ask_store(*impl_->sys, impl_->store, std::move(ws), std::move(done));
}

void actor_host::submit(storage::write_set ws, std::vector<core::command> commands,
                        commit_done done) {
  if (!impl_->store) return done(false, "engine is shutting down");
  auto dispatcher = impl_->dispatcher;
  commit_done then = [dispatcher, commands = std::move(commands), done](bool ok,
                                                                        const std::string& err) {
    if (ok && !commands.empty()) caf::anon_send(dispatcher, enqueue_atom::value, commands);
    done(ok, err);
  };
  ask_store(*impl_->sys, impl_->store, std::move(ws), std::move(then));
}

void actor_host::cancel_export(const std::string& export_id, commit_done done) {
  if (!impl_->prospects) return done(false, "engine is shutting down");
  caf::anon_send(impl_->prospects, cancel_atom::value, export_id, std::move(done));
}

void actor_host::intake_prospect(prospect_intake in) {
  if (!impl_->prospects) return in.done(delivery_outcome::unavailable);
  caf::anon_send(impl_->prospects, intake_atom::value, std::move(in));
}

void actor_host::start_export(const std::string& org, export_started done) {
  if (!impl_->prospects) return done(false, "engine is shutting down");
  caf::anon_send(impl_->prospects, export_start_atom::value, org, std::move(done));
}

void actor_host::requeue(uint64_t command_id, commit_done done) {
  if (!impl_->dispatcher) return done(false, "engine is shutting down");
  caf::anon_send(impl_->dispatcher, requeue_atom::value, command_id, std::move(done));
}

std::string actor_host::system_json() {
  auto& i = *impl_;
  nlohmann::json j = nlohmann::json::object();
  if (!i.sys) return j.dump();
  caf::scoped_actor self{*i.sys};
  auto timeout = std::chrono::seconds(1);
  // Every long-lived actor answers stats_atom with its figures as JSON text.
  auto ask = [&](const auto& who, const char* key) {
    self->request(who, timeout, stats_atom::value)
        .receive([&](const std::string& s) { j[key] = nlohmann::json::parse(s, nullptr, false); },
                 [&](caf::error&) { j[key] = nullptr; });
  };
  ask(i.router, "actors");
  ask(i.dispatcher, "outbox_queue");
  ask(i.store, "store");
  ask(i.reconciler, "catch_up");
  self->request(i.timers, timeout, stats_atom::value)
      .receive([&](uint64_t n) { j["timers_pending"] = n; },
               [&](caf::error&) { j["timers_pending"] = nullptr; });
  if (j["actors"].is_object()) j["actors"]["total"] = i.ctx.db->count(storage::table::candidates);
  return j.dump();
}

void actor_host::expedite(const std::string& org, const std::string& opp,
                          std::function<void(uint64_t)> done) {
  if (!impl_->dispatcher) return done(0);
  // Asynchronous: the caller may be a candidate on the CAF worker the dispatcher needs.
  caf::anon_send(impl_->dispatcher, expedite_atom::value, org, opp, std::move(done));
}

std::string actor_host::breakers_json() {
  auto& i = *impl_;
  std::string out = "[]";
  if (!i.sys || !i.dispatcher) return out;
  caf::scoped_actor self{*i.sys};
  self->request(i.dispatcher, std::chrono::seconds(1), breakers_atom::value)
      .receive([&](const std::string& s) { out = s; }, [&](caf::error&) {});
  return out;
}

std::string actor_host::candidate_json(const std::string& org, const std::string& opp) {
  auto& i = *impl_;
  std::string out = "{\"resident\":false}";
  if (!i.sys) return out;
  caf::scoped_actor self{*i.sys};
  self->request(i.router, std::chrono::seconds(1), stats_atom::value, org, opp)
      .receive([&](const std::string& s) { out = s; }, [&](caf::error&) {});
  return out;
}

}  // namespace vouch::actors
