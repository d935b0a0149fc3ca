// What a client pool reports back for one outbox command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/candidate_machine.hpp"

namespace vouch::actors {

struct call_outcome {
  uint64_t command_id = 0;
  bool ok = false;
  long status = 0;    ///< last HTTP status seen (0: transport error or timeout)
  std::string error;  ///< why it failed, for last_error and the operator
  std::optional<std::chrono::milliseconds> retry_after;
  /// How long the attempt took in the worker (for Lever, with the wait for a rate token).
  double seconds = 0;
  // results the candidate needs
  core::resolved_opportunity resolved;
  std::string created_request_id;
  bool archived_as_hired = false;
  std::string lever_opportunity_id;  ///< prospect.export: the opportunity found or created
  bool linked = false;               ///< prospect.export: it existed already (skipped)
};

}  // namespace vouch::actors
