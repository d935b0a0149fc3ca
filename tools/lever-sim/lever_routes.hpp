// The Lever Data API v1 routes vouchd uses, with Lever's documented shapes and error bodies
// (tools/lever-sim/README.md).
// Pure functions over lever_data: auth, rate limit, faults and locking happen in lever_sim.
#pragma once

#include <string>
#include <vector>

#include "tools/lever-sim/lever_data.hpp"
#include "tools/lever-sim/lever_events.hpp"
#include "tools/lever-sim/sim_http.hpp"

namespace vouch::lever_sim {

struct api_call {
  std::string method;
  std::string path;               ///< as requested, e.g. "/v1/opportunities/opp-1"
  std::vector<std::string> segs;  ///< decoded segments of path
  sim::query_map query;
  nlohmann::json body;  ///< null when absent or not JSON
  api_key key;          ///< the authenticated key
};

struct route_outcome {
  sim::api_result result;
  std::vector<lever_event> events;  ///< webhooks to send once the lock is released
};

route_outcome route_api(lever_data& data, const api_call& call);

/// Moves `opp` into `stage` at `at` by `user` (id or null) with Lever's bookkeeping
/// (lever_data::apply_move); returns the candidateStageChange it causes.
lever_event move_stage(lever_data& data, json& opp, const std::string& stage, int64_t at,
                       const json& user, bool from_api);

/// 404 ResourceNotFound "<what> was not found".
sim::api_result not_found(const std::string& what);

}  // namespace vouch::lever_sim
