// Circuit breaker of one outgoing target (one Lever API key, the platform, the mail
// transport). Pure: the caller passes the clock and the jitter, and decides what a "call"
// is. The dispatcher keeps one per target and asks it before each send.
//
// Why: without it, an outage makes every waiting command try, fail and spend its attempts,
// and the failing target sees one call per waiting command. With it, after `open_after`
// consecutive failures the target's commands wait untried, one probe goes out per backoff
// interval, and the first answer that proves the target reachable closes it again.
#pragma once

#include <cstdint>

#include "core/retry.hpp"

namespace vouch::core {

enum class breaker_state : uint8_t { closed, open, half_open };
const char* to_string(breaker_state s);

struct breaker {
  breaker_state state = breaker_state::closed;
  int failures = 0;           ///< consecutive counted failures (5xx, 408, timeouts, transport)
  int failed_probes = 0;      ///< probes that failed since it opened (drives the probe backoff)
  int64_t opened_at = 0;      ///< ms; 0 while closed
  int64_t next_probe_at = 0;  ///< ms; when open, the earliest send of the next probe
  uint64_t probe_id = 0;      ///< half_open: the command out as the probe
  uint64_t opens = 0;         ///< times it opened (for metrics)
};

/// May command `id` go out now? Closed: yes. Open: only once next_probe_at has come, and
/// then this command is the probe (the breaker turns half_open). Half-open: no, the probe is
/// out. Call it only when the command will really be sent if it answers true.
bool breaker_admit(breaker& b, uint64_t id, int64_t now);

/// Feeds the outcome of command `id` sent to this target. `open_after` = 0 turns the breaker
/// off. Returns true when this outcome closed an open or half-open breaker (the caller then
/// releases the commands that waited for it).
///
/// - Counted failures (failure_kind::retry) while closed add up; the `open_after`-th opens it
///   with the first probe one backoff step later. The probe's failure re-opens it with the
///   next, longer step (capped at policy.max). Results of calls sent before it opened change
///   nothing while it is open.
/// - Success, 429 and permanent 4xx prove the target answers: they reset the count and close
///   the breaker (a 429 is our pacing, a 4xx is this request's fault, not an outage).
bool breaker_record(breaker& b, uint64_t id, failure_kind outcome, int64_t now, int open_after,
                    const retry_policy& policy, double jitter01);

}  // namespace vouch::core
