// Owns the CAF actor system and the engine's long-lived actors, and offers them to the
// HTTP side through engine_port. Nothing of CAF leaks out of this header, so the ingress
// and admin handlers compile without it.
#pragma once

#include <memory>

#include "actors/engine_context.hpp"

namespace vouch::actors {

class actor_host : public engine_port {
 public:
  actor_host(engine_context& ctx, net::http_client& http);
  ~actor_host() override;

  /// Spawns store, dispatcher, timer service and router (loading outbox and timers).
  void start();
  /// Stops the actors after in-flight work; waits for them.
  void shutdown();
  /// True once shutdown() saw the store and the long-lived actors end: everything is
  /// durable. What is left is CAF tearing down its threads, which 0.17 can fail to finish
  /// (actor-framework issue #1196, fixed in 0.18); vouchd then exits without waiting.
  bool actors_down() const { return actors_down_; }

  void deliver(candidate_input in) override;
  void commit(storage::write_set ws, commit_done done) override;
  void submit(storage::write_set ws, std::vector<core::command> commands,
              commit_done done) override;
  void requeue(uint64_t command_id, commit_done done) override;
  void cancel_export(const std::string& export_id, commit_done done) override;
  void intake_prospect(prospect_intake in) override;
  void start_export(const std::string& org, export_started done) override;
  std::string breakers_json() override;
  bool reconcile(const std::string& org) override;
  void lever_call(net::client_request req, std::function<void(net::client_response)> done) override;
  void expedite(const std::string& org, const std::string& opp,
                std::function<void(uint64_t)> done) override;
  std::string system_json() override;
  std::string candidate_json(const std::string& org, const std::string& opp) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<bool> actors_down_{false};
};

}  // namespace vouch::actors
