#include "core/breaker.hpp"

namespace vouch::core {

const char* to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
  }
  return "closed";
}

bool breaker_admit(breaker& b, uint64_t id, int64_t now) {
  switch (b.state) {
    case breaker_state::closed:
      return true;
    case breaker_state::half_open:
      return false;
    case breaker_state::open:
      if (now < b.next_probe_at) return false;
      b.state = breaker_state::half_open;
      b.probe_id = id;
      return true;
  }
  return true;
}

bool breaker_record(breaker& b, uint64_t id, failure_kind outcome, int64_t now, int open_after,
                    const retry_policy& policy, double jitter01) {
  if (outcome != failure_kind::retry) {
    const bool was_open = b.state != breaker_state::closed;
    b = breaker{breaker_state::closed, 0, 0, 0, 0, 0, b.opens};
    return was_open;
  }
  if (open_after <= 0) return false;
  switch (b.state) {
    case breaker_state::closed:
      if (++b.failures < open_after) return false;
      b.state = breaker_state::open;
      b.opened_at = now;
      b.failed_probes = 0;
      b.next_probe_at = now + backoff_delay(policy, 1, jitter01).count();
      ++b.opens;
      return false;
    case breaker_state::half_open:
      if (id != b.probe_id) return false;  // a call sent before it opened
      b.state = breaker_state::open;
      ++b.failed_probes;
      b.probe_id = 0;
      b.next_probe_at = now + backoff_delay(policy, b.failed_probes + 1, jitter01).count();
      return false;
    case breaker_state::open:
      return false;  // a call sent before it opened; the probe schedule stands
  }
  return false;
}

}  // namespace vouch::core
