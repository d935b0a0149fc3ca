#pragma once
// The dispatcher's view of the outbox: commands waiting for their time and commands out
// with a worker, keyed by command id. Plain data, no actors, so it is unit-tested alone.
//
// One command id is in the queue at most once. That is what keeps a command from going
// out twice when two paths hand it over: the start-up snapshot of LMDB and the enqueue
// that follows the commit which wrote it, or a late enqueue while it is in flight.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "core/records.hpp"

namespace vouch::actors {

class outbox_queue {
 public:
  /// What the caller decides for one due command.
  enum class verdict { wait, send, drop };

  /// Queues a command for its next_at. False (and nothing changes) when that id is
  /// already waiting or in flight.
  bool add(core::command c);

  /// Walks the commands due at `now` in order of next_at; `decide` says per command
  /// whether it goes out now (it moves to in flight), waits, or is dropped.
  void take_due(int64_t now, const std::function<verdict(const core::command&)>& decide);

  /// Makes every waiting command that `match` picks due at `now` if it was due later (its
  /// backoff is over: the breaker of its target closed). Returns how many moved.
  std::size_t release(int64_t now, const std::function<bool(const core::command&)>& match);

  /// The in-flight command with this id, removed from the queue; empty if unknown.
  std::optional<core::command> finish(uint64_t id);

  bool knows(uint64_t id) const { return waiting_.count(id) || in_flight_.count(id); }
  bool in_flight_has(uint64_t id) const { return in_flight_.count(id) > 0; }
  std::size_t waiting() const { return waiting_.size(); }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  std::map<uint64_t, core::command> waiting_;
  std::multimap<int64_t, uint64_t> by_time_;  ///< next_at -> id, one entry per waiting id
  std::map<uint64_t, core::command> in_flight_;
};

}  // namespace vouch::actors
