// lever-sim's test and demo knobs under /_sim/ (no auth): keys, extra opportunities,
// notes, webhook config and drop switch, recruiter actions (move, hire; optionally
// backdated and without their webhook) plus the shared calls / faults / delays routes of
// sim::recorder.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "tools/lever-sim/lever_data.hpp"
#include "tools/lever-sim/sim_http.hpp"
#include "tools/lever-sim/sim_recorder.hpp"
#include "tools/lever-sim/webhook_sender.hpp"

namespace vouch::lever_sim {

struct control_context {
  std::mutex& data_mu;  ///< guards `data`
  lever_data& data;
  webhook_sender& hooks;
  sim::recorder& rec;
};

/// `segs` are the decoded path segments after "_sim".
sim::api_result handle_control(control_context& ctx, const std::string& method,
                               const std::vector<std::string>& segs, const sim::query_map& query,
                               const nlohmann::json& body);

}  // namespace vouch::lever_sim
