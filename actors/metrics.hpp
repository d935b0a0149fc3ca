// Counters, gauges and histograms rendered in the Prometheus text format on /metrics.
// One mutex guards everything: a handful of increments per request costs far less than
// the durable commit each request waits for.
//
// Every metric vouchd exports is declared once in the catalogue (metrics.cpp) with its type
// and HELP text; the renderer walks the catalogue, so every metric has HELP and TYPE and an
// unlabelled counter shows 0 from start. Values print exactly (1234567, not 1.23457e+06).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::actors {

enum class metric_type { counter, gauge, histogram };

struct metric_info {
  std::string_view name;
  metric_type type;
  std::string_view help;
  std::string_view labels;  ///< the label names, for the docs ("org,state")
};

/// Every metric vouchd exports, in the order /metrics prints them (process_* aside: the
/// admin endpoint appends those, see engine/process_metrics.hpp).
const std::vector<metric_info>& metric_catalogue();

/// A number as Prometheus text: integers exactly, others in the shortest form that reads
/// back to the same double, "+Inf"/"-Inf"/"NaN".
std::string format_metric_value(double v);

class metrics {
 public:
  /// `labels` is the inside of the braces, e.g. `route="stage_change",status="200"`.
  /// `by` = 0 makes the series exist at 0 (a counter an operator alerts on must exist
  /// before its first event: `rate()` over a missing series is no data, not 0).
  void inc(const std::string& name, const std::string& labels = {}, uint64_t by = 1);
  void set(const std::string& name, const std::string& labels, double value);
  /// Drops every series of gauge `name` (a census that is about to be written anew, so
  /// that an org or state that went away does not linger).
  void clear(const std::string& name);
  /// Adds one observation to a histogram with the given upper bounds.
  void observe(const std::string& name, double value, const std::vector<double>& bounds);
  void observe(const std::string& name, const std::string& labels, double value,
               const std::vector<double>& bounds);
  uint64_t counter(const std::string& name, const std::string& labels = {}) const;
  /// Every series of counter `name` as it stands, by labels (empty when never counted).
  std::map<std::string, uint64_t> counter_series(const std::string& name) const;
  /// Every series of gauge `name` as it stands, by labels (empty when never set).
  std::map<std::string, double> gauge_series(const std::string& name) const;

  struct histogram_view {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  ///< cumulative, one per bound
    uint64_t total = 0;
    double sum = 0;
  };
  /// One unlabelled histogram as it stands (empty when never observed).
  histogram_view histogram(const std::string& name) const;

  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> counters_;
  std::map<std::string, std::map<std::string, double>> gauges_;
  std::map<std::string, std::map<std::string, histogram_view>> histograms_;
};

}  // namespace vouch::actors
