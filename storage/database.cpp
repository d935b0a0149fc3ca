#include "storage/database.hpp"

#include <lmdb.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vouch::storage {
namespace {

constexpr std::array<const char*, table_count> names = {
    "orgs",   "templates", "candidates", "history", "dedupe",
    "outbox", "timers",    "prospects",  "exports", "meta"};

MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// A read transaction that always ends (mdb_txn_abort), whatever the caller does.
struct read_txn {
  MDB_txn* txn = nullptr;
  explicit read_txn(MDB_env* env) {
    if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) txn = nullptr;
  }
  ~read_txn() {
    if (txn) mdb_txn_abort(txn);
  }
};

}  // namespace

const char* table_name(table t) {
  return names.at(static_cast<std::size_t>(t));
}

struct database::impl {
  MDB_env* env = nullptr;
  std::array<MDB_dbi, table_count> dbi{};
  ~impl() {
    if (env) mdb_env_close(env);
  }
};

database::database(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
database::~database() = default;

std::unique_ptr<database> database::open(const std::string& dir, uint64_t map_size,
                                         std::string& err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err = "cannot create storage directory " + dir + ": " + ec.message();
    return nullptr;
  }
  auto p = std::make_unique<impl>();
  int rc = mdb_env_create(&p->env);
  if (rc == 0) rc = mdb_env_set_maxdbs(p->env, table_count);
  if (rc == 0) rc = mdb_env_set_mapsize(p->env, map_size);
  if (rc == 0) rc = mdb_env_set_maxreaders(p->env, 256);
  // MDB_NOTLS: read transactions are not tied to threads (CAF moves actors between them).
  if (rc == 0) rc = mdb_env_open(p->env, dir.c_str(), MDB_NOTLS, 0600);
  if (rc != 0) {
    err = "cannot open LMDB environment " + dir + ": " + mdb_strerror(rc);
    return nullptr;
  }
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(p->env, nullptr, 0, &txn);
  for (int i = 0; rc == 0 && i < table_count; ++i)
    rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &p->dbi[i]);
  if (rc == 0) {
    rc = mdb_txn_commit(txn);
  } else if (txn) {
    mdb_txn_abort(txn);
  }
  if (rc != 0) {
    err = "cannot open LMDB tables in " + dir + ": " + mdb_strerror(rc);
    return nullptr;
  }
  return std::unique_ptr<database>(new database(std::move(p)));
}

commit_error database::commit(const write_set& set, std::string& err) {
  return commit(std::vector<const write_set*>{&set}, err);
}

commit_error database::commit(const std::vector<const write_set*>& sets, std::string& err) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn);
  if (rc != 0) {
    err = std::string("begin write transaction: ") + mdb_strerror(rc);
    return commit_error::other;
  }
  for (const auto* set : sets) {
    for (const auto& op : set->ops) {
      auto dbi = impl_->dbi[static_cast<std::size_t>(op.tbl)];
      MDB_val k = val(op.key);
      if (op.kind == write_op::put) {
        MDB_val v = val(op.value);
        rc = mdb_put(txn, dbi, &k, &v, 0);
      } else {
        rc = mdb_del(txn, dbi, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;  // deleting what is gone is fine (idempotent)
      }
      if (rc != 0) {
        mdb_txn_abort(txn);
        err = std::string("write to ") + table_name(op.tbl) + ": " + mdb_strerror(rc);
        return rc == MDB_MAP_FULL ? commit_error::map_full : commit_error::other;
      }
    }
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) {
    err = std::string("commit: ") + mdb_strerror(rc);
    return rc == MDB_MAP_FULL ? commit_error::map_full : commit_error::other;
  }
  return commit_error::none;
}

std::optional<std::string> database::get(table t, std::string_view key) const {
  read_txn r(impl_->env);
  if (!r.txn) return std::nullopt;
  MDB_val k = val(key), v{};
  if (mdb_get(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &k, &v) != 0) return std::nullopt;
  return std::string(view(v));
}

bool database::exists(table t, std::string_view key) const {
  read_txn r(impl_->env);
  if (!r.txn) return false;
  MDB_val k = val(key), v{};
  return mdb_get(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &k, &v) == 0;
}

void database::scan(table t, std::string_view prefix, std::string_view start,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  read_txn r(impl_->env);
  if (!r.txn) return;
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &cur) != 0) return;
  std::string_view from = start.empty() ? prefix : start;
  MDB_val k = val(from), v{};
  int rc = from.empty() ? mdb_cursor_get(cur, &k, &v, MDB_FIRST)
                        : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  while (rc == 0) {
    auto key = view(k);
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, view(v))) break;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
}

std::string database::last_key(table t) const {
  read_txn r(impl_->env);
  if (!r.txn) return {};
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &cur) != 0) return {};
  MDB_val k{}, v{};
  std::string out;
  if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0) out = std::string(view(k));
  mdb_cursor_close(cur);
  return out;
}

uint64_t database::count(table t) const {
  read_txn r(impl_->env);
  if (!r.txn) return 0;
  MDB_stat st{};
  if (mdb_stat(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &st) != 0) return 0;
  return st.ms_entries;
}

env_stats database::stats() const {
  env_stats out;
  MDB_envinfo info{};
  MDB_stat st{};
  mdb_env_info(impl_->env, &info);
  mdb_env_stat(impl_->env, &st);
  out.map_size = info.me_mapsize;
  out.page_size = st.ms_psize;
  out.used_bytes = (info.me_last_pgno + 1) * static_cast<uint64_t>(st.ms_psize);
  for (int i = 0; i < table_count; ++i)
    out.tables.push_back({names[i], count(static_cast<table>(i))});
  return out;
}

}  // namespace vouch::storage
