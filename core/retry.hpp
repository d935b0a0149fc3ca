// Retry schedule for outgoing calls (Lever API, platform API): how to classify
// an HTTP outcome, how long to wait, and when to give up (dead-letter).
// Pure: the caller passes the jitter and the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vouch::core {

/// Per-destination knobs; defaults are those of CONTRACT.md §3 ([lever] and
/// [platform] retry_base, retry_max, max_attempts).
struct retry_policy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max{300000};
  int max_attempts = 10;
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

/// What to do after one attempt.
struct retry_decision {
  bool dead = false;                   ///< Give up: move the command to the dead letters.
  bool counts = true;                  ///< Increment the command's failure counter.
  std::chrono::milliseconds delay{0};  ///< If not dead: wait this long, then retry.
};

/// `attempts_so_far` is the number of counted failures before this one.
/// - none: {dead=false, counts=false, delay=0} (nothing to do).
/// - permanent: dead.
/// - rate_limited: not counted; delay = retry_after if given, else backoff.
/// - retry: counted; dead once attempts_so_far + 1 >= max_attempts; otherwise
///   delay = retry_after if given (the server knows best), else backoff.
retry_decision decide_retry(const retry_policy& policy, int attempts_so_far, failure_kind kind,
                            std::optional<std::chrono::milliseconds> retry_after, double jitter01);

/// Parses a Retry-After header (RFC 9110 §10.2.3): delta seconds ("120") or an
/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). A date in the past gives 0.
/// nullopt if the header is empty or neither form (obsolete date forms too).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header, int64_t now_ms);

}  // namespace vouch::core
