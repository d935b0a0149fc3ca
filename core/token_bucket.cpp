#include "core/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace vouch::core {

namespace {

constexpr double min_rate = 1e-9;

double seconds_between(token_bucket::time_point from, token_bucket::time_point to) {
  if (to <= from) return 0.0;
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

token_bucket::token_bucket(double rate_per_s, double burst, time_point now)
    : rate_(std::max(rate_per_s, min_rate)),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      last_(now) {}

void token_bucket::refill(time_point now) {
  tokens_ = level(now);
  if (now > last_) last_ = now;
}

bool token_bucket::try_take(time_point now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::nanoseconds token_bucket::wait_time(time_point now) const {
  const double missing = 1.0 - level(now);
  if (missing <= 0.0) return std::chrono::nanoseconds{0};
  // Round up: waking a nanosecond early would find the bucket still short.
  const double ns = std::ceil(missing / rate_ * 1e9);
  return std::chrono::nanoseconds{static_cast<std::chrono::nanoseconds::rep>(ns)};
}

double token_bucket::level(time_point now) const {
  return std::min(burst_, tokens_ + seconds_between(last_, now) * rate_);
}

}  // namespace vouch::core
