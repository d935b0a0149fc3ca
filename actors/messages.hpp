// Atoms and message types exchanged between the engine's actors (CAF 0.17). All messages
// stay inside one process, so the plain structs are allowed without inspect().
#pragma once

#include <caf/all.hpp>

#include <functional>
#include <string>
#include <vector>

#include "actors/call_outcome.hpp"
#include "actors/engine_context.hpp"
#include "core/status.hpp"
#include "storage/repository.hpp"

namespace vouch::actors {

using route_atom = caf::atom_constant<caf::atom("route")>;  // router: candidate_input
using input_atom = caf::atom_constant<caf::atom("input")>;  // candidate: candidate_input
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using trim_atom = caf::atom_constant<caf::atom("trim")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;  // store: write_set -> commit_result
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;  // store: make the last commit durable
using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;  // dispatcher: commands
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;  // dispatcher: id, callback
using run_atom = caf::atom_constant<caf::atom("run")>;          // worker: command
using outcome_atom = caf::atom_constant<caf::atom("outcome")>;  // dispatcher: call_outcome
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using timers_atom = caf::atom_constant<caf::atom("timers")>;  // timer service: add
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;  // prospects: export id, callback
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using intake_atom = caf::atom_constant<caf::atom("intake")>;            // prospects: intake
using export_start_atom = caf::atom_constant<caf::atom("expstart")>;    // prospects: org, cb
using export_result_atom = caf::atom_constant<caf::atom("expresult")>;  // prospects: cmd, out
using export_drop_atom = caf::atom_constant<caf::atom("expdrop")>;      // prospects: cmd
using cancelled_atom = caf::atom_constant<caf::atom("cancelled")>;      // dispatcher: export id
using set_prospects_atom = caf::atom_constant<caf::atom("setprosp")>;   // dispatcher: owner
using set_router_atom = caf::atom_constant<caf::atom("setrouter")>;     // dispatcher, timers
using breakers_atom = caf::atom_constant<caf::atom("breakers")>;        // dispatcher: -> JSON text
using settled_atom = caf::atom_constant<caf::atom("settled")>;          // dispatcher: id, failed
using redeliver_atom = caf::atom_constant<caf::atom("redeliver")>;      // dispatcher: id
using expedite_atom = caf::atom_constant<caf::atom("expedite")>;        // dispatcher: org, opp -> n
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;      // reconciler: org
using lever_call_atom = caf::atom_constant<caf::atom("levercall")>;     // admin Lever client

/// The outcome of one store commit, delivered to request() callers: ok, or why not
/// (`full`, `conflict` when a put_new key such as a delivery's dedupe key was taken
/// meanwhile, `invalid` for a key LMDB cannot hold, `io`).
using commit_result = core::status;

using command_list = std::vector<core::command>;
using timer_list = std::vector<storage::stored_timer>;

}  // namespace vouch::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::candidate_input)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::commit_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::commit_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::prospect_intake)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void(uint64_t)>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::storage::write_set)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::command_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::timer_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::call_outcome)

namespace vouch::actors {
/// The store's contract: a write set in, its commit_result out once the group commit that
/// holds it is durable; and its figures as JSON text. Every writer asks it the same way.
using store_actor =
    caf::typed_actor<caf::replies_to<commit_atom, storage::write_set>::with<commit_result>,
                     caf::replies_to<stats_atom>::with<std::string>>;

/// The router's contract: an input for a candidate, a candidate's request to be let go,
/// and its figures (all of them, or one candidate's actor as JSON text).
using router_actor =
    caf::typed_actor<caf::reacts_to<route_atom, candidate_input>,
                     caf::reacts_to<passivate_atom, std::string, std::string>,
                     caf::replies_to<stats_atom>::with<std::string>,
                     caf::replies_to<stats_atom, std::string, std::string>::with<std::string>>;

/// A candidate actor's contract: its inputs, one at a time, and the router's "leave now".
using candidate_actor =
    caf::typed_actor<caf::reacts_to<input_atom, candidate_input>, caf::reacts_to<stop_atom>>;

/// The timer service's contract: the router to fire through, new timers to hold, and how
/// many are pending (also its "start-up done" signal).
using timer_service_actor = caf::typed_actor<caf::reacts_to<set_router_atom, router_actor>,
                                             caf::reacts_to<timers_atom, timer_list>,
                                             caf::replies_to<stats_atom>::with<uint64_t>>;

/// The prospect owner's contract (actors/prospect_actor.cpp). Answers go to the callback in
/// the message where the asker is outside CAF (ingress and admin threads).
using prospect_owner_actor =
    caf::typed_actor<caf::reacts_to<intake_atom, prospect_intake>,
                     caf::reacts_to<export_start_atom, std::string, export_started>,
                     caf::reacts_to<export_result_atom, core::command, call_outcome>,
                     caf::reacts_to<export_drop_atom, core::command>,
                     caf::reacts_to<cancel_atom, std::string, commit_done>>;

/// The dispatcher's contract (actors/dispatcher_actor.cpp): commands to send (enqueue), a
/// candidate's answer to a handed-over result (settled), an export job cancelled, the
/// actors it sends through, and its figures. Requeue and expedite come from admin threads,
/// which are no actors and cannot hold a response promise: their answer is a callback.
using dispatcher_actor = caf::typed_actor<
    caf::reacts_to<set_router_atom, router_actor>,
    caf::reacts_to<set_prospects_atom, prospect_owner_actor>,
    caf::reacts_to<enqueue_atom, command_list>, caf::reacts_to<requeue_atom, uint64_t, commit_done>,
    caf::reacts_to<cancelled_atom, std::string>, caf::reacts_to<settled_atom, uint64_t, bool>,
    caf::reacts_to<expedite_atom, std::string, std::string, std::function<void(uint64_t)>>,
    caf::replies_to<breakers_atom>::with<std::string>,
    caf::replies_to<stats_atom>::with<std::string>>;

/// A client worker's contract: run one command to completion (blocking, on its own
/// thread) and answer how it went.
using command_worker =
    caf::typed_actor<caf::replies_to<run_atom, core::command>::with<call_outcome>>;

/// A Lever client for the admin API's own calls: takes a token from the key's bucket,
/// makes the call (blocking, on its own thread) and hands the answer to the callback (the
/// asker is an admin thread, outside CAF).
using lever_reply = std::function<void(net::client_response)>;
using admin_lever_client =
    caf::typed_actor<caf::reacts_to<lever_call_atom, net::client_request, lever_reply>>;

/// The catch-up scheduler's contract (actors/reconcile_actor.cpp): run a pass over one org
/// now (the operator asked), and its figures as JSON text.
using reconciler_actor = caf::typed_actor<caf::reacts_to<reconcile_atom, std::string>,
                                          caf::replies_to<stats_atom>::with<std::string>>;
}  // namespace vouch::actors
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::core::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::net::client_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(vouch::actors::lever_reply)
