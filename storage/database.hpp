// The LMDB environment: one directory, one named database per table (docs/architecture.md).
// LMDB allows one writer at a time; the store actor is the only caller of commit() on the
// hot path and batches many candidates' transitions into one durable transaction.
// Reads take a short read transaction each (the environment is opened with MDB_NOTLS, so
// any thread may read).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace vouch::storage {

enum class table : uint8_t {
  orgs,        ///< org id -> org_record
  templates,   ///< org \0 template id -> template_record
  candidates,  ///< org \0 opp -> candidate_record
  history,     ///< org \0 opp \0 be64(seq) -> history_entry
  dedupe,      ///< delivery key hash -> be64(first seen ms)
  outbox,      ///< be64(command id) -> command
  timers,      ///< be64(due) org \0 opp \0 kind -> empty
  prospects,   ///< org \0 prospect id -> prospect
  exports,     ///< export id -> progress
  meta,        ///< engine-wide values (schema version, id high-water marks)
  by_change,   ///< org \0 be64(~updated_at) \0 opp -> state byte: candidates, newest first
  reconcile,   ///< org id -> reconcile_record (catch-up cursor and last pass)
};
constexpr int table_count = 12;
const char* table_name(table t);
/// The table named `name` (as table_name spells it); false when none is.
bool parse_table(std::string_view name, table& out);

struct write_op {
  /// put_new: insert only; when the key exists the whole set fails with `conflict`.
  enum kind_t : uint8_t { put, del, put_new } kind = put;
  table tbl = table::meta;
  std::string key, value;
};

/// Everything one event changes; committed all-or-nothing.
struct write_set {
  std::vector<write_op> ops;
  void put(table t, std::string key, std::string value) {
    ops.push_back({write_op::put, t, std::move(key), std::move(value)});
  }
  void del(table t, std::string key) { ops.push_back({write_op::del, t, std::move(key), {}}); }
  /// Claims `key`: the set commits only if no committed set (nor an earlier one in the same
  /// batch) holds it. Makes a check-then-write race (two deliveries of one event on two
  /// threads) impossible: the second one's set fails alone with `conflict`.
  void put_new(table t, std::string key, std::string value) {
    ops.push_back({write_op::put_new, t, std::move(key), std::move(value)});
  }
  bool empty() const { return ops.empty(); }
};

struct table_stats {
  std::string name;
  uint64_t entries = 0;
};

struct env_stats {
  uint64_t map_size = 0, used_bytes = 0, page_size = 0;
  std::vector<table_stats> tables;
};

enum class commit_error {
  none,
  map_full,  ///< the map is full: nothing of the set was written
  other,     ///< any other LMDB failure
  conflict,  ///< a put_new key exists already
  invalid,   ///< a key LMDB cannot hold (empty, or longer than its 511-byte limit)
};

/// The answer for one write set of a batch.
struct set_result {
  commit_error rc = commit_error::none;
  std::string err;
};

/// The same answer in the engine's error type (full, io, conflict, invalid).
core::status to_status(const set_result& r);

/// How a read ended: found, not there (MDB_NOTFOUND), or failed (the read itself did not
/// work). A failed read must never be taken for "not there".
enum class read_status { found, not_found, failed };

struct read_result {
  read_status status = read_status::not_found;
  std::string value;  ///< when found
  std::string error;  ///< when failed
};

class database {
 public:
  /// Opens (creating the directory if missing) the environment at `dir`.
  static std::unique_ptr<database> open(const std::string& dir, uint64_t map_size,
                                        std::string& err);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Applies all sets in one write transaction and commits it durably (the data pages
  /// synced, then the meta page synced: the commit survives a power loss when this
  /// returns). On failure nothing is written and `err` says why.
  commit_error commit(const std::vector<const write_set*>& sets, std::string& err);
  commit_error commit(const write_set& set, std::string& err);
  /// Commits as many of `sets` as can be, in one transaction when all are fine: a set with
  /// a key LMDB cannot hold or a taken put_new key fails alone, and when the transaction
  /// itself fails (full map, I/O) each set is retried alone so one bad set never fails
  /// the others. One result per set, in order.
  ///
  /// With `defer_meta_sync` the data pages are synced but the new meta page is only
  /// written, not synced (LMDB's MDB_NOMETASYNC, per transaction): the commit survives a
  /// process crash at once (the page is in the OS cache) and a power loss once any later
  /// commit has returned (its data sync flushes this meta page too; see committed_txn())
  /// or sync() has. A power loss before that rolls the store back to the previous
  /// commit, whole: LMDB keeps the two newest trees intact, so nothing is half-written.
  /// Without it, as commit(): durable on return.
  std::vector<set_result> commit_each(const std::vector<const write_set*>& sets,
                                      bool defer_meta_sync = false);
  /// The id of the newest committed write transaction. A deferred commit with id T is
  /// power-loss durable once committed_txn() > T (a later commit synced its data, and
  /// with it T's meta page) or after sync().
  uint64_t committed_txn() const;
  /// Makes every commit so far power-loss durable (one fdatasync of the data file). A
  /// failed sync ends the process (see database.cpp: after a failed fsync nothing can be
  /// trusted to be on disk); so does one in commit().
  void sync();

  // -- the journal write path (storage/journal.hpp, journal_path.cpp) ----------------------

  /// Turns on the journal write path: from here commit() and commit_each() append each
  /// write set to the journal in `dir`, sync it and answer; a thread applies them to LMDB
  /// behind, many per transaction, and every read sees them at once (the overlay). First
  /// replays into LMDB what the journal holds that LMDB has not applied (`note` says so,
  /// and describes a torn tail it cut off). Fails, naming the file, when the journal is
  /// damaged before its tail or LMDB cannot take what it holds. Call once, right after
  /// open(), before anyone else uses the database.
  bool open_journal(const std::string& dir, std::string& err, std::string& note);
  bool journaled() const;
  /// Applies everything the journal holds, then turns the journal write path off (commits
  /// go straight to LMDB again; the empty journal directory stays).
  void close_journal();
  /// Waits until LMDB has applied everything journaled so far (a backup needs it there).
  void drain();
  struct journal_stats {
    uint64_t journaled = 0;  ///< the newest journaled set's number
    uint64_t applied = 0;    ///< the newest set LMDB holds
    uint64_t pending_keys = 0, segments = 0, bytes = 0;
    uint64_t appends = 0;  ///< journal writes (one sync each)
    uint64_t applies = 0, largest_apply = 0;
    bool full = false;  ///< LMDB refused an apply (map full); new sets are refused
  };
  journal_stats journal_info() const;

  /// The record at `key`, telling "not there" from "the read failed".
  read_result read(table t, std::string_view key) const;
  /// Test seam: while set, every read of table `t` fails as if LMDB could not begin the
  /// read transaction. Used by tests to show a failed read is never taken for absent.
  void fail_reads_for_tests(table t, bool on);
  /// Test seam: the next `n` write sets (in commit_each) that delete from table `t` fail with
  /// `other`, as a full disk or an I/O error would fail them. (Deleting an outbox row is
  /// what the commit of a command's result does.)
  void fail_deletes_for_tests(table t, int n);

  /// Found or nothing: a failed read gives nothing too. Only for callers to whom "absent"
  /// and "could not read" mean the same (listings, reports); decisions use read().
  std::optional<std::string> get(table t, std::string_view key) const;
  bool exists(table t, std::string_view key) const;
  /// Calls fn(key, value) in key order for keys that start with `prefix`, beginning at
  /// `start` (or at `prefix` when `start` is empty), until fn returns false.
  void scan(table t, std::string_view prefix, std::string_view start,
            const std::function<bool(std::string_view, std::string_view)>& fn) const;
  /// The last key of a table, or "" when it is empty.
  std::string last_key(table t) const;
  uint64_t count(table t) const;
  env_stats stats() const;

  /// An online, consistent copy of the whole environment into the single file `path`
  /// (LMDB's compacting copy: free pages left out, one read transaction, writers go on
  /// meanwhile). Written to `path`.partial, synced, then renamed: a file at `path` is
  /// always a complete copy. Refuses (conflict) when `path` exists. Answers its size.
  core::result<uint64_t> backup_to(const std::string& path) const;

 private:
  commit_error apply(void* txn, const write_set& set, std::string& err);
  bool injected_failure(const write_set& set);
  std::vector<set_result> journal_commit(const std::vector<const write_set*>& sets,
                                         bool all_or_nothing);

 public:
  struct impl;

 private:
  explicit database(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::storage
