// One background thread that runs callbacks after a delay. The sims use it for injected
// latency, webhook retries and auto-completion, so no request handler ever sleeps on an
// io thread. Tasks should be short; they run one after another.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace vouch::sim {

class scheduler {
 public:
  scheduler();
  ~scheduler();  ///< stop()
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  /// Runs `task` on the scheduler thread after `delay`. Ignored after stop().
  void after(std::chrono::milliseconds delay, std::function<void()> task);
  /// Drops pending tasks (a dropped responder answers 503 by itself) and joins.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vouch::sim
