#include "tools/lever-sim/sim_scheduler.hpp"

#include <utility>

namespace vouch::sim {

scheduler::scheduler() : thread_([this] { run(); }) {}

scheduler::~scheduler() {
  stop();
}

void scheduler::after(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
  }
  cv_.notify_one();
}

void scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  // Destroy leftovers outside the lock: their destructors may answer clients.
  decltype(tasks_) leftovers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    leftovers.swap(tasks_);
  }
}

void scheduler::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto due = tasks_.begin()->first;
    if (std::chrono::steady_clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    auto task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    task = nullptr;  // release captures (e.g. responders) before re-locking
    lock.lock();
  }
}

}  // namespace vouch::sim
