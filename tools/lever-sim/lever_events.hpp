// Webhook events the account produces, with the data Lever's events carry (opportunityId,
// contactId, the legacy candidateId, ...). Routes only describe them; webhook_sender signs
// and delivers them after the data lock is released.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vouch::lever_sim {

struct lever_event {
  std::string event;  ///< "candidateStageChange" or "candidateHired"
  nlohmann::json data;
  /// Caused by an API call (PUT stage) rather than by a recruiter (/_sim/move). Lever
  /// probably fires those too, but vouch must not loop on its own move, so the sim only
  /// sends them when the webhook config asks for it.
  bool from_api = false;
};

/// data of candidateStageChange for `opp` (an opportunity row).
inline nlohmann::json stage_change_data(const nlohmann::json& opp, const std::string& from,
                                        const std::string& to) {
  return {{"candidateId", opp["id"]},
          {"opportunityId", opp["id"]},
          {"contactId", opp["contact"]},
          {"fromStageId", from},
          {"toStageId", to}};
}

/// data of candidateHired for `opp`.
inline nlohmann::json hired_data(const nlohmann::json& opp) {
  return {{"candidateId", opp["id"]}, {"opportunityId", opp["id"]}, {"contactId", opp["contact"]}};
}

}  // namespace vouch::lever_sim
