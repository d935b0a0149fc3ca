// The engine's one notion of "now": milliseconds since the Unix epoch, as stored in every
// record. The pure core never calls it; events carry their time.
#pragma once

#include <chrono>
#include <cstdint>

namespace vouch::actors {

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vouch::actors
