// Delivers Lever webhooks as Lever does: the signed envelope, User-Agent
// Lever-Webhooks, and up to 5 retries 0.5 s, 1 s, 2 s, 4 s, 8 s apart on a non-2xx answer
// or a transport error. Sending never blocks the caller: transfers run on the
// http_client's thread and retries wait on the scheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"
#include "tools/lever-sim/lever_events.hpp"
#include "tools/lever-sim/sim_scheduler.hpp"

namespace vouch::lever_sim {

/// Where each event goes and the signature token of each webhook (Lever gives every
/// webhook its own token).
struct webhook_config {
  std::string stage_change_url;
  std::string hired_url;
  std::string stage_token;
  std::string hired_token;
  bool api_stage_changes = false;  ///< also send candidateStageChange for PUT .../stage
};

/// Loses webhooks on purpose, as if Lever's delivery never arrived, so tests can check
/// that vouch catches up by polling.
struct drop_rule {
  std::optional<int64_t> count;  ///< how many more to drop; none: every one until cleared
  std::string event;             ///< only this event; empty: any event
};

/// What emit() did with an event.
enum class emit_outcome {
  queued,          ///< signed and on its way
  dropped,         ///< logged as dropped by the drop rule, never sent
  not_configured,  ///< no URL for it (or an API-made stage change not asked for)
};

const char* to_string(emit_outcome o);

class webhook_sender {
 public:
  webhook_sender(net::http_client& client, sim::scheduler& sched);

  void configure(webhook_config cfg);
  webhook_config config() const;

  /// Signs and queues the event, unless no URL is configured for it (or it is an API-made
  /// stage change the config does not ask for) or the drop rule takes it.
  emit_outcome emit(const lever_event& ev);

  /// Replaces the drop rule; nullopt clears it.
  void set_drop(std::optional<drop_rule> rule);
  std::optional<drop_rule> drop() const;

  /// Lever's envelope {triggeredAt, event, token, signature, data}: a fresh 48-hex-char
  /// token, signed as HMAC-SHA256 of token + triggeredAt.
  static nlohmann::json envelope(const std::string& event, const nlohmann::json& data,
                                 const std::string& signature_token, int64_t triggered_at);

  /// Every delivery so far: event, url, body, attempts [{status, error}], state, dropped.
  nlohmann::json deliveries() const;
  void clear_deliveries();

  /// Gaps before retry 1..5.
  static constexpr std::chrono::milliseconds retry_gaps[] = {
      std::chrono::milliseconds(500), std::chrono::milliseconds(1000),
      std::chrono::milliseconds(2000), std::chrono::milliseconds(4000),
      std::chrono::milliseconds(8000)};

 private:
  struct delivery {
    std::string event;
    std::string url;
    std::string body;
    nlohmann::json attempts = nlohmann::json::array();
    std::string state = "pending";  ///< pending | delivered | failed | dropped
  };

  /// True when the drop rule takes `event`; uses up one of its count. Needs mu_.
  bool take_drop(const std::string& event);

  void attempt(std::shared_ptr<delivery> d);
  void on_answer(std::shared_ptr<delivery> d, const net::client_response& res);

  net::http_client& client_;
  sim::scheduler& sched_;
  mutable std::mutex mu_;
  webhook_config cfg_;
  std::optional<drop_rule> drop_;
  std::vector<std::shared_ptr<delivery>> log_;
};

}  // namespace vouch::lever_sim
