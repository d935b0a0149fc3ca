// Spawn functions of the engine's actors. Each is described where it is defined.
#pragma once

#include <caf/all.hpp>

#include <atomic>
#include <memory>

#include "actors/engine_context.hpp"
#include "actors/messages.hpp"
#include "storage/repository.hpp"

namespace vouch::net {
class http_client;
}

namespace vouch::actors {

/// The single LMDB writer, on its own thread: batches every write set waiting in its
/// mailbox into one durable transaction (group commit), then answers each sender.
store_actor spawn_store(caf::actor_system& sys, engine_context& ctx);

/// Keeps one candidate actor per (org, opportunity) resident while it is busy, loads it
/// from LMDB on its first message, and passivates it after `passivate_after` idle.
router_actor spawn_router(caf::actor_system& sys, engine_context& ctx, store_actor store,
                          dispatcher_actor dispatcher, timer_service_actor timers);

/// One candidate actor, spawned by the router (`parent`) with the record it read:
/// `loaded.status` failed means the record could not be read, and the actor answers every
/// input 503 and asks the router to let it go. `handled` counts the inputs it has taken.
candidate_actor spawn_candidate(caf::local_actor* parent, engine_context& ctx, store_actor store,
                                dispatcher_actor dispatcher, timer_service_actor timers,
                                router_actor router, storage::candidate_read loaded,
                                std::shared_ptr<std::atomic<uint64_t>> handled);

/// Delivers outbox commands to the Lever, platform and mail workers, with backoff,
/// Retry-After and dead letters; results go back to the candidates through the router.
dispatcher_actor spawn_dispatcher(caf::actor_system& sys, engine_context& ctx, store_actor store,
                                  net::http_client& http);

/// The dispatcher routes results through the router, which is spawned after it.
void set_dispatcher_router(dispatcher_actor dispatcher, router_actor router);

/// The one writer of prospect and export records: prospect.created intake, bulk export
/// start, export results, drops of cancelled jobs and cancellation, one at a time, each
/// committed before the next (so no read is ever stale), through core/prospect_machine.
prospect_owner_actor spawn_prospect_owner(caf::actor_system& sys, engine_context& ctx,
                                          store_actor store, dispatcher_actor dispatcher);

/// Holds pending durable timers in memory (loaded from LMDB at start) and fires each one
/// at its due time through the router. Also prunes dedupe keys older than 30 days.
timer_service_actor spawn_timer_service(caf::actor_system& sys, engine_context& ctx,
                                        store_actor store);

/// Runs catch-up passes: every [lever].reconcile_every for each connected org (spread over
/// the period by org id, never two at once for one org) and when the operator asks. Found
/// changes go to their candidates through the router; each pass's end is committed to the
/// org's reconcile record.
reconciler_actor spawn_reconciler(caf::actor_system& sys, engine_context& ctx, store_actor store,
                                  router_actor router, net::http_client& http);

/// A Lever client for the admin API's calls (detached: it blocks on the key's bucket and
/// on the call).
admin_lever_client spawn_admin_lever_client(caf::actor_system& sys, engine_context& ctx,
                                            net::http_client& http);

/// Timers fire through the router, which is spawned after the timer service.
void set_timer_router(timer_service_actor timers, router_actor router);

}  // namespace vouch::actors
