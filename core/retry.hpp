// Retry schedule for outgoing calls (Lever API, platform API): how to classify
// an HTTP outcome, how long to wait, and when to give up (dead-letter).
// Pure: the caller passes the jitter and the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vouch::core {

/// Per-target knobs; defaults are those of docs/configuration.md ([lever],
/// [platform] and [mail] retry_base, retry_max, max_attempts, retry_for).
struct retry_policy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max{std::chrono::minutes{10}};
  /// Counted failures before dead-lettering; 0 = no count limit (the time budget decides).
  int max_attempts = 0;
  /// A command failing for longer than this is dead-lettered: an outage shorter than it
  /// ends with every command delivered.
  std::chrono::milliseconds retry_for{std::chrono::hours{72}};
};

/// Exponential backoff with "equal jitter": d = min(base * 2^(failures-1), max),
/// result = d/2 + jitter01 * d/2. So the delay is never below half the
/// exponential step (no thundering retries at 0 ms) and never above `max`.
/// `failures` < 1 is treated as 1; `jitter01` is clamped to [0, 1].
std::chrono::milliseconds backoff_delay(const retry_policy& policy, int failures, double jitter01);

/// What an HTTP outcome means for the command that caused it.
enum class failure_kind {
  /// Success (2xx). Mark the command done; nothing to retry.
  none,
  /// Transient: transport error or timeout (status 0), 408, 409, 5xx. Retry
  /// after a delay; the attempt counts towards max_attempts.
  retry,
  /// 429: the server is healthy but we are too fast. Retry after Retry-After
  /// (or backoff); the attempt does NOT count towards max_attempts, because
  /// our own pacing is not evidence that the command is broken.
  rate_limited,
  /// Any other 4xx, and 3xx (we never expect redirects from an API). Retrying
  /// the same request cannot succeed: dead-letter the command now and surface it.
  permanent,
};

/// Maps an HTTP status (0 = no response: connect error, TLS error, timeout).
failure_kind classify_http(long status);

/// Why a command was given up.
enum class dead_reason { none, permanent, max_attempts, retry_for };
const char* to_string(dead_reason r);

/// Where a command stands before an attempt's outcome is judged.
struct retry_history {
  int attempts = 0;           ///< counted failures so far
  int64_t failing_since = 0;  ///< ms when the current run of failures began; 0 = not failing
};

/// What to do after one attempt.
struct retry_decision {
  bool dead = false;  ///< Give up: move the command to the dead letters.
  dead_reason why = dead_reason::none;
  bool counts = true;                  ///< Increment the command's failure counter.
  int64_t failing_since = 0;           ///< the command's new failing_since
  std::chrono::milliseconds delay{0};  ///< If not dead: wait this long, then retry.
};

/// - none: {dead=false, counts=false, delay=0, failing_since=0} (nothing to do).
/// - permanent: dead at once.
/// - rate_limited: not counted, the failure clock not started; delay as below.
/// - retry: counted; the clock starts at `now_ms` if it was not running. Dead once
///   attempts + 1 >= max_attempts (when max_attempts > 0), or once the command has been
///   failing for retry_for or longer.
/// The delay is the backoff, or Retry-After when that is longer: a server's Retry-After is a
/// floor, never a way to retry sooner than our own schedule.
retry_decision decide_retry(const retry_policy& policy, const retry_history& before, int64_t now_ms,
                            failure_kind kind, std::optional<std::chrono::milliseconds> retry_after,
                            double jitter01);

/// Parses a Retry-After header (RFC 9110 §10.2.3): delta seconds ("120") or an
/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). A date in the past gives 0.
/// nullopt if the header is empty or neither form (obsolete date forms too).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header, int64_t now_ms);

}  // namespace vouch::core
