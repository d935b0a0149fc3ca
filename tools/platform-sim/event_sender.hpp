// Sends platform events to vouchd (docs/reference.md#platform-events):
// POST <vouchd>/platform/v1/events, one event per request, signed the Standard Webhooks way
// with webhook-id = the event id.
// One attempt, no retries: the caller (a test or the demo) sees vouchd's own answer.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"

namespace vouch::platform_sim {

struct event_result {
  long status = 0;      ///< vouchd's HTTP status; 0 on a transport error
  std::string error;    ///< transport error text
  nlohmann::json body;  ///< vouchd's body: JSON when it parses, else the raw text
};

class event_sender {
 public:
  /// `key` is the HMAC key (the decoded part of "whsec_...").
  event_sender(net::http_client& client, std::string key, std::string vouchd_url);

  void set_vouchd_url(std::string url);
  std::string vouchd_url() const;

  /// Signs and POSTs `event` (it must carry "id"). `done` runs on the client's thread.
  void send(const nlohmann::json& event, std::function<void(const event_result&)> done);

  /// {"id": "evt-<random>", "type": type, "org": org, "at": now ms}; callers add the rest.
  static nlohmann::json new_event(const std::string& type, const std::string& org);

  /// Every event sent so far with vouchd's answer.
  nlohmann::json log() const;

 private:
  net::http_client& client_;
  const std::string key_;
  mutable std::mutex mu_;
  std::string vouchd_url_;
  nlohmann::json log_ = nlohmann::json::array();
};

}  // namespace vouch::platform_sim
