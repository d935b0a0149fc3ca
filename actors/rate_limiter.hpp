// One token bucket per Lever API key, shared by every Lever worker, so the engine itself
// never exceeds (rate_per_s, burst) for a key however many workers call at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/token_bucket.hpp"

namespace vouch::actors {

class rate_limiter {
 public:
  /// One token less than Lever's burst: our bucket starts a few milliseconds before
  /// Lever's sees the first call, and that head start must not turn into a 429.
  rate_limiter(double rate_per_s, double burst)
      : rate_(rate_per_s), burst_(burst > 1.5 ? burst - 1 : burst) {}
  /// Blocks the calling (detached worker) thread until the key has a token. A background
  /// caller (bulk export) passes a `reserve`: it only takes a token while more than
  /// `reserve` tokens are left, so live candidate work always finds one within 1/rate.
  void acquire(const std::string& key, double reserve = 0);
  /// Current level of each key's bucket, for /admin/v1/system.
  std::map<std::string, double> levels();
  /// Tokens taken (Lever calls made) per key since start, named as levels() names them.
  std::map<std::string, uint64_t> calls();

 private:
  double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, core::token_bucket> buckets_;
  std::map<std::string, uint64_t> taken_;  ///< by key: tokens taken since start
};

}  // namespace vouch::actors
