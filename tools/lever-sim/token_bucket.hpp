// Lever's rate limit (per API key, 10 requests/s steady with bursts to 20, then 429): a
// token bucket per API key, `burst` tokens, refilled at `rate` per second; a call needs one
// token. Not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace vouch::lever_sim {

class token_buckets {
 public:
  token_buckets(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst) {}

  /// Takes a token from `key`'s bucket; false when it is empty (answer 429).
  bool take(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_;
  double burst_;
  std::map<std::string, bucket> buckets_;
};

}  // namespace vouch::lever_sim
