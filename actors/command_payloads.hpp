// Builds the JSON payload of a new outbox command from the transition that caused it. The
// payload is frozen at commit time, so a retry after a crash sends exactly what the state
// change decided, whatever the candidate does next.
#pragma once

#include <string>

#include "actors/org_directory.hpp"
#include "core/candidate_machine.hpp"

namespace vouch::actors {

std::string build_payload(const core::command_spec& spec, const core::candidate_record& next,
                          const org_view& org);

}  // namespace vouch::actors
