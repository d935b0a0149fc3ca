#include "storage/overlay.hpp"

#include <mutex>
#include <tuple>

namespace vouch::storage {

std::optional<overlay::pending> overlay::find(table t, std::string_view key) const {
  std::shared_lock lock(mu_);
  const auto& m = by_key_[static_cast<std::size_t>(t)];
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second.value;
}

std::vector<std::pair<std::string, overlay::pending>> overlay::range(
    table t, std::string_view prefix, std::string_view from,
    const std::function<void()>& then) const {
  std::vector<std::pair<std::string, pending>> out;
  std::shared_lock lock(mu_);
  const auto& m = by_key_[static_cast<std::size_t>(t)];
  const std::string_view start = from.empty() ? prefix : from;
  for (auto it = m.lower_bound(start); it != m.end(); ++it) {
    if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
    out.emplace_back(it->first, it->second.value);
  }
  if (then) then();
  return out;
}

std::vector<std::pair<std::string, overlay::pending>> overlay::all(
    table t, const std::function<void()>& then) const {
  return range(t, {}, {}, then);
}

void overlay::add(const write_set& ws, uint64_t seq) {
  std::unique_lock lock(mu_);
  for (const auto& op : ws.ops) {
    auto& m = by_key_[static_cast<std::size_t>(op.tbl)];
    pending v;
    if (op.kind != write_op::del) v = op.value;
    auto [it, fresh] = m.try_emplace(op.key);
    it->second = {std::move(v), seq};
    (void)fresh;
    order_.emplace_back(seq, op.tbl, op.key);
  }
}

void overlay::forget_through(uint64_t seq) {
  std::unique_lock lock(mu_);
  while (!order_.empty() && std::get<0>(order_.front()) <= seq) {
    auto& [s, t, key] = order_.front();
    auto& m = by_key_[static_cast<std::size_t>(t)];
    auto it = m.find(key);
    // Only when no later set wrote the key again: LMDB now holds this value.
    if (it != m.end() && it->second.seq <= seq) m.erase(it);
    (void)s;
    order_.pop_front();
  }
}

std::size_t overlay::keys() const {
  std::shared_lock lock(mu_);
  std::size_t n = 0;
  for (const auto& m : by_key_) n += m.size();
  return n;
}

}  // namespace vouch::storage
