#include "actors/outbox_queue.hpp"

namespace vouch::actors {

bool outbox_queue::add(core::command c) {
  if (knows(c.id)) return false;
  by_time_.emplace(c.next_at, c.id);
  waiting_.emplace(c.id, std::move(c));
  return true;
}

void outbox_queue::take_due(int64_t now,
                            const std::function<verdict(const core::command&)>& decide) {
  for (auto it = by_time_.begin(); it != by_time_.end() && it->first <= now;) {
    auto cit = waiting_.find(it->second);
    switch (decide(cit->second)) {
      case verdict::wait:
        ++it;
        break;
      case verdict::send:
        in_flight_.emplace(cit->first, std::move(cit->second));
        waiting_.erase(cit);
        it = by_time_.erase(it);
        break;
      case verdict::drop:
        waiting_.erase(cit);
        it = by_time_.erase(it);
        break;
    }
  }
}

std::size_t outbox_queue::release(int64_t now,
                                  const std::function<bool(const core::command&)>& match) {
  std::size_t moved = 0;
  for (auto it = by_time_.upper_bound(now); it != by_time_.end();) {
    auto& cmd = waiting_.at(it->second);
    if (!match(cmd)) {
      ++it;
      continue;
    }
    cmd.next_at = now;
    by_time_.emplace(now, it->second);
    it = by_time_.erase(it);
    ++moved;
  }
  return moved;
}

std::optional<core::command> outbox_queue::finish(uint64_t id) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return std::nullopt;
  auto c = std::move(it->second);
  in_flight_.erase(it);
  return c;
}

}  // namespace vouch::actors
