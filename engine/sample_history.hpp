// The console's last hour (GET /admin/v1/system/history): a fixed ring of samples, one every
// 10 s, each holding the figures of its interval: webhooks accepted and refused, webhook ack
// latency p50/p99, the outbox backlog and dead letters, Lever calls per API key against the
// key's budget, and the breakers' states.
//
// Pure: no CAF, no Beast, no clock. The sampler (engine/admin/history.cpp) reads the engine's
// cumulative figures into a `history_reading` every 10 s and hands it to
// `sample_history::record`, which keeps the previous reading and turns the pair into one
// `history_sample` of differences. The first reading is only the baseline, so the history is
// empty for the first 10 s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace vouch::engine {

/// The engine's figures as read at one moment; counters are cumulative since start.
struct history_reading {
  int64_t at_ms = 0;      ///< wall clock, ms since the epoch (the sample's time)
  int64_t steady_ms = 0;  ///< a monotonic clock, for the interval's length
  uint64_t webhooks_accepted = 0;
  uint64_t webhooks_refused = 0;
  std::vector<double> ack_bounds;               ///< vouch_webhook_ack_seconds upper bounds
  std::vector<uint64_t> ack_counts;             ///< cumulative, one per bound
  uint64_t ack_total = 0;                       ///< every observation (the +Inf bucket)
  uint64_t outbox_pending = 0;                  ///< commands waiting or in flight
  uint64_t outbox_dead = 0;                     ///< dead letters in the outbox
  std::map<std::string, uint64_t> lever_calls;  ///< "lever:<fp>" -> tokens taken since start
  double lever_rate_per_s = 0;                  ///< each key's budget: calls per second
  std::map<std::string, int> breakers;          ///< target -> 0 closed, 1 open, 2 half-open
};

/// One interval of the history: what happened between two readings.
struct history_sample {
  int64_t at_ms = 0;  ///< the end of the interval
  double span_s = 0;  ///< its length in seconds
  uint64_t webhooks_accepted = 0;
  uint64_t webhooks_refused = 0;
  uint64_t ack_count = 0;                  ///< webhooks answered in the interval
  std::optional<double> ack_p50, ack_p99;  ///< seconds; none when nothing was answered
  uint64_t outbox_pending = 0;             ///< at the end of the interval
  uint64_t outbox_dead = 0;
  double lever_budget = 0;  ///< calls one key may make in the interval (rate x span)
  /// Keys that made calls in the interval, busiest first, at most max_series of them.
  std::vector<std::pair<std::string, uint64_t>> lever_calls;
  uint64_t lever_other_calls = 0;  ///< calls of the keys beyond max_series
  /// Every breaker at the end of the interval (0 closed, 1 open, 2 half-open): those not
  /// closed first, then by name; at most max_series.
  std::vector<std::pair<std::string, int>> breakers;
};

// -- the arithmetic ---------------------------------------------------------------------------

/// Lever keys and breakers kept per sample, so that a sample's size is bounded however many
/// orgs there are.
inline constexpr std::size_t history_max_series = 16;

/// Whether a vouch_webhooks_total outcome counts as accepted (accepted, duplicate, ignored,
/// ping: the sender got its 2xx) rather than refused (everything else).
bool webhook_outcome_accepted(std::string_view outcome);

/// The value of label `name` in a series' label text (`source="x",outcome="y"`), unescaped;
/// empty when absent.
std::string label_value(std::string_view labels, std::string_view name);

/// Sums vouch_webhooks_total's series (by label text) into accepted and refused.
std::pair<uint64_t, uint64_t> split_webhooks(const std::map<std::string, uint64_t>& series);

/// The q-quantile (0..1) of a histogram given as cumulative counts per upper bound and the
/// total (the +Inf bucket), interpolated linearly inside its bucket as Prometheus's
/// histogram_quantile does: the first bucket starts at 0, and a quantile that falls in the
/// +Inf bucket is the highest finite bound. None when the histogram is empty.
std::optional<double> bucket_quantile(double q, const std::vector<double>& bounds,
                                      const std::vector<uint64_t>& cumulative, uint64_t total);

/// The sample of the interval from `prev` to `cur`. A counter that went down (a restart)
/// counts from 0; histograms whose bounds differ count `cur` whole.
history_sample make_sample(const history_reading& prev, const history_reading& cur);

/// "closed", "open", "half_open" for the gauge's 0, 1, 2.
const char* breaker_state_name(int gauge);

// -- JSON -------------------------------------------------------------------------------------

/// {"at", "span_s", "webhooks": {"accepted", "refused"}, "ack_seconds": {"count", "p50",
/// "p99"}, "outbox": {"pending", "dead"}, "lever": {"budget", "calls": {key: n},
/// "other_calls"}, "breakers": {target: state}}.
nlohmann::json sample_json(const history_sample& s);

/// {"interval_s", "samples": [oldest first]}.
nlohmann::json history_json(const std::vector<history_sample>& samples, int interval_s);

// -- the ring ---------------------------------------------------------------------------------

/// The last `capacity` samples; pushing into a full ring drops the oldest. Its slots are
/// allocated once.
class sample_ring {
 public:
  explicit sample_ring(std::size_t capacity);
  void push(history_sample s);
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  /// Oldest first.
  std::vector<history_sample> samples() const;

 private:
  std::vector<history_sample> slots_;
  std::size_t next_ = 0;  ///< the slot the next push fills
  std::size_t size_ = 0;
};

/// The history as the admin API keeps it: the ring and the last reading. Thread-safe: the
/// sampler records while admin threads read.
class sample_history {
 public:
  static constexpr int interval_s = 10;
  static constexpr std::size_t hour = 360;  ///< samples in an hour at interval_s

  explicit sample_history(std::size_t capacity = hour) : ring_(capacity) {}
  /// The first reading sets the baseline; each later one adds the sample of the interval
  /// since the one before.
  void record(history_reading r);
  std::vector<history_sample> samples() const;
  /// {"interval_s": 10, "samples": [...]}.
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::optional<history_reading> last_;
  sample_ring ring_;
};

}  // namespace vouch::engine
