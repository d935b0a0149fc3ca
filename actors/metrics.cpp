#include "actors/metrics.hpp"

#include <sstream>

namespace vouch::actors {

void metrics::inc(const std::string& name, const std::string& labels, uint64_t by) {
  std::lock_guard<std::mutex> g(mu_);
  counters_[name][labels] += by;
}

void metrics::set(const std::string& name, const std::string& labels, double value) {
  std::lock_guard<std::mutex> g(mu_);
  gauges_[name][labels] = value;
}

void metrics::observe(const std::string& name, double value, const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> g(mu_);
  auto& h = histograms_[name];
  if (h.bounds.empty()) {
    h.bounds = bounds;
    h.counts.assign(bounds.size(), 0);
  }
  for (std::size_t i = 0; i < h.bounds.size(); ++i)
    if (value <= h.bounds[i]) ++h.counts[i];
  ++h.total;
  h.sum += value;
}

uint64_t metrics::counter(const std::string& name, const std::string& labels) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) return 0;
  auto jt = it->second.find(labels);
  return jt == it->second.end() ? 0 : jt->second;
}

namespace {
std::string series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}
}  // namespace

std::string metrics::render() const {
  std::lock_guard<std::mutex> g(mu_);
  std::ostringstream out;
  for (const auto& [name, by] : counters_) {
    out << "# TYPE " << name << " counter\n";
    for (const auto& [labels, v] : by) out << series(name, labels) << ' ' << v << '\n';
  }
  for (const auto& [name, by] : gauges_) {
    out << "# TYPE " << name << " gauge\n";
    for (const auto& [labels, v] : by) out << series(name, labels) << ' ' << v << '\n';
  }
  for (const auto& [name, h] : histograms_) {
    out << "# TYPE " << name << " histogram\n";
    for (std::size_t i = 0; i < h.bounds.size(); ++i)
      out << name << "_bucket{le=\"" << h.bounds[i] << "\"} " << h.counts[i] << '\n';
    out << name << "_bucket{le=\"+Inf\"} " << h.total << '\n';
    out << name << "_sum " << h.sum << '\n' << name << "_count " << h.total << '\n';
  }
  return out.str();
}

}  // namespace vouch::actors
