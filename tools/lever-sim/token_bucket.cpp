#include "tools/lever-sim/token_bucket.hpp"

#include <algorithm>

namespace vouch::lever_sim {

bool token_buckets::take(const std::string& key, std::chrono::steady_clock::time_point now) {
  auto it = buckets_.try_emplace(key, bucket{burst_, now}).first;
  bucket& b = it->second;
  std::chrono::duration<double> elapsed = now - b.last;
  b.tokens = std::min(burst_, b.tokens + elapsed.count() * rate_);
  b.last = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

}  // namespace vouch::lever_sim
