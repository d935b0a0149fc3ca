// What the journal holds that LMDB does not yet: the newest value (or deletion) of every key
// a journaled write set touched and LMDB has not applied. Readers look here first, so an
// answered write is read back at once although LMDB applies it later
// (storage/journal_path.cpp). Thread-safe: the writer adds, the applier forgets, any
// thread reads.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace vouch::storage {

class overlay {
 public:
  /// A key's pending state: its value, or nullopt when it is deleted.
  using pending = std::optional<std::string>;

  /// The pending state of `key`, or nullopt when the journal holds nothing newer than
  /// LMDB for it.
  std::optional<pending> find(table t, std::string_view key) const;
  /// The pending keys of `t` that start with `prefix`, from `from` on (inclusive), in key
  /// order. `then`, when given, runs before the lock is released: a reader that begins its
  /// LMDB read transaction there sees LMDB and the overlay as of one moment (the applier
  /// forgets applied sets under the exclusive lock, after their LMDB commit).
  std::vector<std::pair<std::string, pending>> range(table t, std::string_view prefix,
                                                     std::string_view from,
                                                     const std::function<void()>& then = {}) const;
  /// The pending keys of `t` (a copy); `then` as in range().
  std::vector<std::pair<std::string, pending>> all(table t,
                                                   const std::function<void()>& then = {}) const;

  /// Records the writes of the write set numbered `seq` (after the journal synced it).
  void add(const write_set& ws, uint64_t seq);
  /// Forgets what write sets up to `seq` wrote, once LMDB holds them; a key written again
  /// by a later set stays.
  void forget_through(uint64_t seq);
  std::size_t keys() const;

 private:
  struct entry {
    pending value;
    uint64_t seq = 0;
  };
  mutable std::shared_mutex mu_;
  std::map<std::string, entry, std::less<>> by_key_[table_count];
  /// (seq, table, key) in the order written: what forget_through walks.
  std::deque<std::tuple<uint64_t, table, std::string>> order_;
};

}  // namespace vouch::storage
