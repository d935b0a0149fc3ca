#include "engine/sample_history.hpp"

#include <algorithm>
#include <cmath>

namespace vouch::engine {

namespace {

/// `cur - prev`, or `cur` when the counter went down (it started again from 0).
uint64_t delta(uint64_t cur, uint64_t prev) {
  return cur >= prev ? cur - prev : cur;
}

/// Rounded to `digits` decimals, so that the JSON shows 0.004286, not 0.0042857142857142859.
double rounded(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

nlohmann::json maybe(const std::optional<double>& v) {
  return v ? nlohmann::json(rounded(*v, 6)) : nlohmann::json(nullptr);
}

}  // namespace

// -- the arithmetic ---------------------------------------------------------------------------

bool webhook_outcome_accepted(std::string_view outcome) {
  return outcome == "accepted" || outcome == "duplicate" || outcome == "ignored" ||
         outcome == "ping";
}

std::string label_value(std::string_view labels, std::string_view name) {
  std::size_t i = 0;
  while (i < labels.size()) {
    // At the start of `key="value"`.
    const auto eq = labels.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') return {};
    const std::string_view key = labels.substr(i, eq - i);
    std::string value;
    std::size_t j = eq + 2;
    for (; j < labels.size() && labels[j] != '"'; ++j) {
      if (labels[j] == '\\' && j + 1 < labels.size()) {
        ++j;
        value += labels[j] == 'n' ? '\n' : labels[j];
      } else {
        value += labels[j];
      }
    }
    if (key == name) return value;
    i = j + 1;  // past the closing quote
    if (i < labels.size() && labels[i] == ',') ++i;
  }
  return {};
}

std::pair<uint64_t, uint64_t> split_webhooks(const std::map<std::string, uint64_t>& series) {
  std::pair<uint64_t, uint64_t> out{0, 0};
  for (const auto& [labels, n] : series)
    (webhook_outcome_accepted(label_value(labels, "outcome")) ? out.first : out.second) += n;
  return out;
}

std::optional<double> bucket_quantile(double q, const std::vector<double>& bounds,
                                      const std::vector<uint64_t>& cumulative, uint64_t total) {
  if (total == 0 || bounds.empty() || cumulative.size() != bounds.size()) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(total);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    const double upto = static_cast<double>(cumulative[i]);
    if (upto < rank || cumulative[i] == 0) continue;
    const double lower = i ? bounds[i - 1] : std::min(0.0, bounds[0]);
    const double below = i ? static_cast<double>(cumulative[i - 1]) : 0.0;
    const double in_bucket = upto - below;
    if (in_bucket <= 0) return bounds[i];
    return lower + (bounds[i] - lower) * (rank - below) / in_bucket;
  }
  return bounds.back();
}

const char* breaker_state_name(int gauge) {
  return gauge == 1 ? "open" : gauge == 2 ? "half_open" : "closed";
}

history_sample make_sample(const history_reading& prev, const history_reading& cur) {
  history_sample s;
  s.at_ms = cur.at_ms;
  s.span_s = std::max<int64_t>(cur.steady_ms - prev.steady_ms, 0) / 1000.0;
  s.webhooks_accepted = delta(cur.webhooks_accepted, prev.webhooks_accepted);
  s.webhooks_refused = delta(cur.webhooks_refused, prev.webhooks_refused);

  // Ack latency: the interval's own histogram is the difference of the cumulative buckets.
  const bool same_bounds = prev.ack_bounds == cur.ack_bounds &&
                           prev.ack_counts.size() == cur.ack_counts.size() &&
                           cur.ack_total >= prev.ack_total;
  std::vector<uint64_t> counts(cur.ack_counts.size());
  bool went_down = false;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const uint64_t before = same_bounds ? prev.ack_counts[i] : 0;
    went_down = went_down || cur.ack_counts[i] < before;
    counts[i] = cur.ack_counts[i] - std::min(cur.ack_counts[i], before);
  }
  if (went_down) counts = cur.ack_counts;
  s.ack_count = same_bounds && !went_down ? cur.ack_total - prev.ack_total : cur.ack_total;
  s.ack_p50 = bucket_quantile(0.50, cur.ack_bounds, counts, s.ack_count);
  s.ack_p99 = bucket_quantile(0.99, cur.ack_bounds, counts, s.ack_count);

  s.outbox_pending = cur.outbox_pending;
  s.outbox_dead = cur.outbox_dead;

  // Lever calls per key in the interval, busiest first.
  s.lever_budget = rounded(cur.lever_rate_per_s * s.span_s, 1);
  std::vector<std::pair<std::string, uint64_t>> calls;
  for (const auto& [key, n] : cur.lever_calls) {
    auto it = prev.lever_calls.find(key);
    const uint64_t d = delta(n, it == prev.lever_calls.end() ? 0 : it->second);
    if (d > 0) calls.emplace_back(key, d);
  }
  std::stable_sort(calls.begin(), calls.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (std::size_t i = history_max_series; i < calls.size(); ++i)
    s.lever_other_calls += calls[i].second;
  if (calls.size() > history_max_series) calls.resize(history_max_series);
  s.lever_calls = std::move(calls);

  // Breakers: the ones not closed first (those are what an operator looks for).
  for (const auto& [target, state] : cur.breakers) s.breakers.emplace_back(target, state);
  std::stable_sort(s.breakers.begin(), s.breakers.end(),
                   [](const auto& a, const auto& b) { return (a.second != 0) > (b.second != 0); });
  if (s.breakers.size() > history_max_series) s.breakers.resize(history_max_series);
  return s;
}

// -- JSON -------------------------------------------------------------------------------------

nlohmann::json sample_json(const history_sample& s) {
  nlohmann::json calls = nlohmann::json::object();
  for (const auto& [key, n] : s.lever_calls) calls[key] = n;
  nlohmann::json breakers = nlohmann::json::object();
  for (const auto& [target, state] : s.breakers) breakers[target] = breaker_state_name(state);
  return {{"at", s.at_ms},
          {"span_s", rounded(s.span_s, 3)},
          {"webhooks", {{"accepted", s.webhooks_accepted}, {"refused", s.webhooks_refused}}},
          {"ack_seconds",
           {{"count", s.ack_count}, {"p50", maybe(s.ack_p50)}, {"p99", maybe(s.ack_p99)}}},
          {"outbox", {{"pending", s.outbox_pending}, {"dead", s.outbox_dead}}},
          {"lever",
           {{"budget", s.lever_budget},
            {"calls", std::move(calls)},
            {"other_calls", s.lever_other_calls}}},
          {"breakers", std::move(breakers)}};
}

nlohmann::json history_json(const std::vector<history_sample>& samples, int interval_s) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : samples) list.push_back(sample_json(s));
  return {{"interval_s", interval_s}, {"samples", std::move(list)}};
}

// -- the ring ---------------------------------------------------------------------------------

sample_ring::sample_ring(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 1)) {}

void sample_ring::push(history_sample s) {
  slots_[next_] = std::move(s);
  next_ = (next_ + 1) % slots_.size();
  size_ = std::min(size_ + 1, slots_.size());
}

std::vector<history_sample> sample_ring::samples() const {
  std::vector<history_sample> out;
  out.reserve(size_);
  const std::size_t first = (next_ + slots_.size() - size_) % slots_.size();
  for (std::size_t i = 0; i < size_; ++i) out.push_back(slots_[(first + i) % slots_.size()]);
  return out;
}

void sample_history::record(history_reading r) {
  std::lock_guard<std::mutex> g(mu_);
  if (last_) ring_.push(make_sample(*last_, r));
  last_ = std::move(r);
}

std::vector<history_sample> sample_history::samples() const {
  std::lock_guard<std::mutex> g(mu_);
  return ring_.samples();
}

nlohmann::json sample_history::to_json() const {
  return history_json(samples(), interval_s);
}

}  // namespace vouch::engine
