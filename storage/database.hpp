// The LMDB environment: one directory, one named database per table (DESIGN.md, Storage).
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
};
constexpr int table_count = 10;
const char* table_name(table t);

struct write_op {
  enum kind_t : uint8_t { put, del } kind = put;
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

enum class commit_error { none, map_full, other };

class database {
 public:
  /// Opens (creating the directory if missing) the environment at `dir`.
  static std::unique_ptr<database> open(const std::string& dir, uint64_t map_size,
                                        std::string& err);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Applies all sets in one write transaction and commits it durably. On failure nothing
  /// is written and `err` says why.
  commit_error commit(const std::vector<const write_set*>& sets, std::string& err);
  commit_error commit(const write_set& set, std::string& err);

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

 private:
  struct impl;
  explicit database(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::storage
