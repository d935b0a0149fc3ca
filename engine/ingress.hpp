// The public listener: Lever webhooks, platform events, health. Checks run in the order
// docs/reference.md#lever-webhooks and #platform-events give, the first failing check
// answers, and nothing reaches a candidate before it passed every check. A 200 goes out
// only after the durable commit.
#pragma once

#include <functional>

#include <simdjson.h>

#include "actors/engine_context.hpp"
#include "net/http_server.hpp"

namespace vouch::engine {

using reply_fn = std::function<void(net::http_response)>;

class ingress {
 public:
  explicit ingress(actors::engine_context& ctx) : ctx_(ctx) {}
  void handle(net::http_request&& req, net::responder respond);

  /// Deliveries handed to candidates and not answered yet (for the drain on SIGTERM).
  int in_flight() const;

 private:
  void lever_webhook(net::http_request&& req, reply_fn respond, const std::string& org,
                     bool hired_path);
  void platform_event(net::http_request&& req, reply_fn respond);
  void prospect_created(const simdjson::dom::object& obj, const actors::org_view& org,
                        const std::string& msg_id, reply_fn respond);
  void hire_confirmation(net::http_request&& req, reply_fn respond, const std::string& token);
  actors::engine_context& ctx_;
};

/// {"error": {"code": ..., "message": ...}} with the given status.
net::http_response error_response(unsigned status, const std::string& code,
                                  const std::string& message);

}  // namespace vouch::engine
