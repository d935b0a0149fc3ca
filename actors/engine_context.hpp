// What every part of the running engine shares: configuration, storage, the org view,
// metrics, and the port through which HTTP handlers (which know nothing of CAF) hand work
// to the actors.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "actors/metrics.hpp"
#include "actors/org_directory.hpp"
#include "actors/org_health.hpp"
#include "actors/rate_limiter.hpp"
#include "config/config.hpp"
#include "core/candidate_machine.hpp"
#include "net/http_client.hpp"
#include "storage/database.hpp"

namespace vouch::actors {

/// How an event delivered to a candidate ended, for the HTTP answer.
enum class delivery_outcome {
  accepted,     ///< committed
  duplicate,    ///< seen before (dedupe key present); nothing changed
  ignored,      ///< committed or not applicable, but the event changed no state
  unknown,      ///< no such candidate and the event does not create one
  unavailable,  ///< storage full or failing, or shutting down: try again later
  forged,       ///< a delivery seen before under this identity, now with other data
};

using delivery_done = std::function<void(delivery_outcome)>;

/// One event for one candidate, with what the shell needs around the pure event.
struct candidate_input {
  std::string org, opp;
  core::machine_event event;
  std::string dedupe_key;  ///< "" = no dedupe (internal events)
  /// Lever deliveries: a digest of the delivery's data. The same identity (dedupe_key) with
  /// another digest is a forgery ("" = not checked).
  std::string delivery_digest;
  /// The sender's id of this delivery (Lever's token, the platform's webhook-id), so that
  /// every log line about it can be found from the sender's side ("" = internal event).
  std::string delivery_id;
  bool create_if_missing = true;  ///< false: report.completed etc. for unknown candidates
  core::command dead_command;     ///< command_dead: the outbox entry as it now stands
  delivery_done done;             ///< may be empty
  /// Benchmarks only: when set, the router writes the steady clock (ns) here as it takes
  /// the input, so engine-side latency can be told from the caller's hand-off.
  std::shared_ptr<int64_t> routed_at_ns;
};

using commit_done = std::function<void(bool ok, const std::string& err)>;

/// A prospect.created event for the prospect owner, with the answer to give.
struct prospect_intake {
  std::string org;
  core::prospect_record record;
  std::string dedupe_key;
  delivery_done done;  ///< accepted, duplicate or unavailable
};

/// The answer to starting a bulk export: ok and the export id, or not ok and why (the same
/// type as commit_done).
using export_started = std::function<void(bool ok, const std::string& id_or_error)>;

/// The actors' side as seen from the HTTP handlers. Implemented by the actor host.
class engine_port {
 public:
  virtual ~engine_port() = default;
  /// Routes an event to its candidate actor (activating it if needed).
  virtual void deliver(candidate_input in) = 0;
  /// Commits a write set through the store actor (group commit), then calls done.
  virtual void commit(storage::write_set ws, commit_done done) = 0;
  /// Commits a write set, then hands its new outbox commands to the dispatcher.
  virtual void submit(storage::write_set ws, std::vector<core::command> commands,
                      commit_done done) = 0;
  /// Puts a dead command back in the queue (admin retry). done(false, why) if not dead.
  virtual void requeue(uint64_t command_id, commit_done done) = 0;
  /// Hands a prospect.created event to the prospect owner (the only writer of prospects).
  virtual void intake_prospect(prospect_intake in) = 0;
  /// Starts a bulk export of the org's stored prospects through the prospect owner.
  virtual void start_export(const std::string& org, export_started done) = 0;
  /// Cancels a running bulk export: prospects not exported yet stay stored. done(false, why)
  /// when there is no such export or it already ended.
  virtual void cancel_export(const std::string& export_id, commit_done done) = 0;
  /// A Lever call for the admin API (key check, stage list, posting lookup), run by a Lever
  /// client actor that first takes a token from the key's bucket (`basic_user`), like
  /// every Lever call the engine makes; `done` runs on that actor's thread.
  virtual void lever_call(net::client_request req,
                          std::function<void(net::client_response)> done) = 0;
  /// Runs a catch-up pass over the org now (or right after the one running). False when
  /// the engine is not running.
  virtual bool reconcile(const std::string& org) = 0;
  /// Sends a candidate's pending commands now (their backoff is over), and queues any that
  /// the dispatcher does not hold; then done(how many), 0 when it has none pending. `done`
  /// runs on the dispatcher's thread: keep it short.
  virtual void expedite(const std::string& org, const std::string& opp,
                        std::function<void(uint64_t)> done) = 0;
  /// The breakers of every target the dispatcher has called, as a JSON array text of
  /// {target, state, failures, opened_at, next_probe_at, opens}.
  virtual std::string breakers_json() = 0;
  /// Resident actors, mailbox and queue figures as JSON text.
  virtual std::string system_json() = 0;
  /// Whether the candidate's actor is resident, since when, its mailbox depth and the
  /// last message it was sent, as JSON text ({"resident": false} when passivated).
  virtual std::string candidate_json(const std::string& org, const std::string& opp) = 0;
};

struct engine_context {
  config::config cfg;
  std::unique_ptr<storage::database> db;
  std::string master_key;  ///< 32 raw bytes
  std::unique_ptr<org_directory> orgs;
  metrics stats;
  org_health health;
  /// Every Lever call takes its token here, per API key: commands, exports and catch-up
  /// share one budget (set by the actor host at start).
  std::shared_ptr<rate_limiter> lever_limiter;
  std::atomic<uint64_t> next_command_id{1};
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  engine_port* port = nullptr;
  /// How far ahead the timer service holds stored timers in memory (actors/timer_actor.cpp).
  /// Tests shorten it (VOUCHD_TEST_TIMER_WINDOW_MS) to see windows load while they wait.
  int64_t timer_window_ms = 10 * 60 * 1000;
};

/// What the engine reads from LMDB before its actors start: the org directory and the next
/// command id. Needs ctx.db, ctx.master_key and ctx.cfg set. vouchd and the benchmarks
/// both start this way.
void load_engine_state(engine_context& ctx);

}  // namespace vouch::actors
