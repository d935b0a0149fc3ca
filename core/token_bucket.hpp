// Token bucket rate limiter (per Lever API key: [lever] rate_per_s, burst).
//
// The clock is explicit: every call takes `now`, so the limiter is pure data,
// deterministic in tests, and cheap to keep inside an actor. Not thread-safe;
// one owner calls it. Time going backwards is treated as no time passing.
#pragma once

#include <chrono>

namespace vouch::core {

class token_bucket {
 public:
  // -- member types ----------------------------------------------------------

  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  // -- constructors ----------------------------------------------------------

  /// Starts full (`burst` tokens). `rate_per_s` must be > 0 and `burst` >= 1;
  /// smaller values are raised to a minimum so the bucket can always refill.
  token_bucket(double rate_per_s, double burst, time_point now);

  // -- modifiers -------------------------------------------------------------

  /// Takes one token if available; false (and no change) otherwise.
  bool try_take(time_point now);

  // -- observers -------------------------------------------------------------

  /// How long until try_take(now + result) would succeed; zero if it would now.
  std::chrono::nanoseconds wait_time(time_point now) const;

  /// Tokens available at `now` (fractional), at most `burst`.
  double level(time_point now) const;

  double rate_per_s() const { return rate_; }
  double burst() const { return burst_; }

 private:
  // Brings tokens_ and last_ up to `now`.
  void refill(time_point now);

  double rate_;
  double burst_;
  double tokens_;
  time_point last_;
};

}  // namespace vouch::core
