#include "actors/rate_limiter.hpp"

#include <thread>

#include "actors/org_health.hpp"

namespace vouch::actors {

void rate_limiter::acquire(const std::string& key, double reserve) {
  for (;;) {
    std::chrono::nanoseconds wait{0};
    {
      std::lock_guard<std::mutex> g(mu_);
      auto now = std::chrono::steady_clock::now();
      auto it = buckets_.find(key);
      if (it == buckets_.end())
        it = buckets_.emplace(key, core::token_bucket(rate_, burst_, now)).first;
      auto& b = it->second;
      if (reserve <= 0 || b.level(now) >= 1.0 + reserve) {
        if (b.try_take(now)) {
          ++taken_[key];
          return;
        }
        wait = b.wait_time(now);
      } else {
        wait = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / std::max(rate_, 0.001)));
      }
    }
    std::this_thread::sleep_for(
        std::max(wait, std::chrono::nanoseconds(std::chrono::microseconds(200))));
  }
}

std::map<std::string, double> rate_limiter::levels() {
  std::lock_guard<std::mutex> g(mu_);
  std::map<std::string, double> out;
  auto now = std::chrono::steady_clock::now();
  // Never show a key: named as its breaker is ("lever:<fingerprint>").
  for (auto& [k, b] : buckets_) out[lever_target_name(k)] = b.level(now);
  return out;
}

std::map<std::string, uint64_t> rate_limiter::calls() {
  std::lock_guard<std::mutex> g(mu_);
  std::map<std::string, uint64_t> out;
  for (const auto& [k, n] : taken_) out[lever_target_name(k)] += n;
  return out;
}

}  // namespace vouch::actors
