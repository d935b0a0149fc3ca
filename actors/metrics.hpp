// Counters, gauges and histograms rendered in the Prometheus text format on /metrics.
// One mutex guards everything: a handful of increments per request costs far less than
// the durable commit each request waits for.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace vouch::actors {

class metrics {
 public:
  /// `labels` is the inside of the braces, e.g. `route="stage_change",status="200"`.
  void inc(const std::string& name, const std::string& labels = {}, uint64_t by = 1);
  void set(const std::string& name, const std::string& labels, double value);
  /// Adds one observation to a histogram with the given upper bounds.
  void observe(const std::string& name, double value, const std::vector<double>& bounds);
  uint64_t counter(const std::string& name, const std::string& labels = {}) const;
  std::string render() const;

 private:
  struct histogram {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;
    uint64_t total = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, uint64_t>> counters_;
  std::map<std::string, std::map<std::string, double>> gauges_;
  std::map<std::string, histogram> histograms_;
};

}  // namespace vouch::actors
