// The impure half of a candidate: turns a pure transition into the write set that commits
// it (record, history, commands with ids and payloads, timers, dedupe key, finished
// outbox entries). No CAF here, so it can be tested against a real LMDB without actors.
#pragma once

#include <vector>

#include "actors/engine_context.hpp"
#include "storage/repository.hpp"

namespace vouch::actors {

struct prepared_commit {
  storage::write_set ws;
  std::vector<core::command> new_commands;        ///< for the dispatcher, after the commit
  std::vector<storage::stored_timer> new_timers;  ///< for the timer service
};

/// The machine context of an org under the configured timings.
core::machine_context machine_context_for(const engine_context& ctx, const org_view* org);

/// `before`: the candidate's record as stored (nullptr when it is new), so its entry in the
/// by_change index can be moved.
prepared_commit prepare_commit(engine_context& ctx, const candidate_input& in,
                               const core::transition& t, const org_view* org,
                               const core::candidate_record* before = nullptr);

}  // namespace vouch::actors
