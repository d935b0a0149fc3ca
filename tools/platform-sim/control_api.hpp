// platform-sim's knobs under /_sim/ (no signature): the recorded reference requests and
// the events the platform sends to vouchd (report completed, hire status, new prospect),
// plus the shared calls / faults / delays routes of sim::recorder.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "tools/lever-sim/sim_http.hpp"
#include "tools/lever-sim/sim_recorder.hpp"
#include "tools/platform-sim/event_sender.hpp"
#include "tools/platform-sim/platform_routes.hpp"

namespace vouch::platform_sim {

struct control_context {
  std::mutex& data_mu;  ///< guards `data`
  platform_data& data;
  event_sender& events;
  sim::recorder& rec;
  std::string self_url;  ///< "http://host:port", for default report links
};

using reply_fn = std::function<void(const sim::api_result&)>;

/// `segs` are the decoded path segments after "_sim". `reply` may run later, on the
/// http client's thread (routes that wait for vouchd's answer).
void handle_control(control_context& ctx, const std::string& method,
                    const std::vector<std::string>& segs, const sim::query_map& query,
                    const nlohmann::json& body, reply_fn reply);

/// Sends report.completed for `request_id` (empty `report_url`: this sim's report page)
/// and replies {"status", "body", "event"} with vouchd's answer. Used by /_sim/complete and
/// by --auto-complete-after. `overrides` may set "org" / "opportunity_id".
void complete_request(control_context& ctx, const std::string& request_id,
                      const std::string& report_url, const nlohmann::json& overrides,
                      reply_fn reply);

}  // namespace vouch::platform_sim
