// database's private state, shared by database.cpp (LMDB, reads) and journal_path.cpp (the
// journal write path). Not for other callers.
#pragma once

#include <lmdb.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/database.hpp"
#include "storage/journal.hpp"
#include "storage/overlay.hpp"

namespace vouch::storage {

inline MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// fdatasync of the data file, or the end of the process (database.cpp says why).
void sync_or_abort(MDB_env* env);
/// Why LMDB would refuse this set's keys, or "".
std::string invalid_key(MDB_env* env, const write_set& set);
/// Writes the set's operations into `txn` in order (put_new as a plain put: callers check
/// claims first; deleting a missing key is fine). 0, or the LMDB error of the operation
/// that failed (`failed` names it), leaving the transaction to be aborted.
int write_ops(const database::impl& d, MDB_txn* txn, const write_set& set,
              const write_op** failed = nullptr);

/// The journal write path's state (journal_path.cpp).
struct journal_state {
  std::unique_ptr<journal> log;
  std::mutex log_mu;      ///< the journal files: append (writer) and release (applier)
  std::mutex writer_mu;   ///< one writer at a time (the store, or a start-up commit)
  uint64_t next_seq = 1;  ///< under writer_mu

  // Between the writer and the applier, under mu.
  std::mutex mu;
  std::condition_variable work_cv;     ///< the applier waits for sets or stop
  std::condition_variable applied_cv;  ///< writers wait for room, drain() for the end
  std::deque<journal_record> queue;    ///< journaled, not yet applied, in order
  uint64_t journaled = 0, applied = 0;
  bool stop = false;
  bool full = false;      ///< LMDB refused an apply: the map is full (see journal_path.cpp)
  int drain_waiters = 0;  ///< drain() callers waiting: the applier does not wait for more
  std::string full_error;
  uint64_t applies = 0, largest_apply = 0, appends = 0;
  std::thread applier;
};

struct database::impl {
  MDB_env* env = nullptr;
  std::array<MDB_dbi, table_count> dbi{};
  std::array<std::atomic<bool>, table_count> failing_reads{};   ///< test seam
  std::array<std::atomic<int>, table_count> failing_commits{};  ///< test seam
  /// Set when the journal write path is on: what it holds that LMDB does not yet.
  std::unique_ptr<overlay> pending;
  std::unique_ptr<journal_state> js;
  ~impl();
};

/// Stops the journal's applier after it has applied everything it holds (when LMDB can
/// take it). Nothing when the journal is off.
void stop_journal(database::impl& d);

}  // namespace vouch::storage
