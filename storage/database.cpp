#include "storage/database.hpp"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "storage/database_impl.hpp"

namespace vouch::storage {
namespace {

constexpr std::array<const char*, table_count> names = {
    "orgs",   "templates", "candidates", "history", "dedupe",    "outbox",
    "timers", "prospects", "exports",    "meta",    "by_change", "reconcile"};

/// A read transaction that always ends (mdb_txn_abort), whatever the caller does.
struct read_txn {
  MDB_txn* txn = nullptr;
  read_txn() = default;
  explicit read_txn(MDB_env* env) { begin(env); }
  void begin(MDB_env* env) {
    if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) txn = nullptr;
  }
  ~read_txn() {
    if (txn) mdb_txn_abort(txn);
  }
};

/// Copies the overlay's pending keys (`copy` picks which) and begins `r` while the overlay
/// is locked, so the two are of one moment: the applier forgets applied sets only under the
/// overlay's exclusive lock, after their LMDB commit, so a set is in the copy, in the
/// transaction's view, or both, and a scan is a snapshot as it is without the journal.
template <class Copy>
std::vector<std::pair<std::string, overlay::pending>> pending_then_read(database::impl& d,
                                                                        read_txn& r, Copy copy) {
  if (!d.pending) {
    r.begin(d.env);
    return {};
  }
  return copy(*d.pending, std::function<void()>([&] { r.begin(d.env); }));
}

}  // namespace

const char* table_name(table t) {
  return names.at(static_cast<std::size_t>(t));
}

bool parse_table(std::string_view name, table& out) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (name == names[i]) {
      out = static_cast<table>(i);
      return true;
    }
  return false;
}

database::impl::~impl() {
  stop_journal(*this);  // applies what the journal holds before LMDB closes
  if (env) mdb_env_close(env);
}

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
  // MDB_NOMETASYNC: a commit syncs its data pages and only writes its meta page; the meta
  // page is synced by the next commit's data sync or by sync(). commit() and commit_each()
  // sync it at once (durable on return, as without the flag) unless the caller defers it:
  // the store's group commit with [storage] meta_sync = "deferred", which answers a batch
  // only once it is synced (actors/store_actor.cpp, docs/architecture.md#durability).
  if (rc == 0) rc = mdb_env_open(p->env, dir.c_str(), MDB_NOTLS | MDB_NOMETASYNC, 0600);
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

/// fdatasync of the data file, or the end of the process. A commit whose sync failed is
/// visible to readers but may not be on disk, and after a failed fsync the kernel may have
/// dropped the dirty pages (PostgreSQL's "fsyncgate"): retrying the sync can report
/// success for data that is gone. Nothing was answered for it yet, so the safe way on is
/// the crash path every sender already handles: exit, restart, read what the disk has.
void sync_or_abort(MDB_env* env) {
  const int rc = mdb_env_sync(env, 1);
  if (rc == 0) return;
  std::fprintf(stderr, "level=critical msg=lmdb_sync_failed error=\"%s\" action=abort\n",
               mdb_strerror(rc));
  std::abort();
}

/// Why LMDB would refuse this set's keys, or "" (checked before any write, so a bad set
/// never leaves half its writes in a shared transaction).
std::string invalid_key(MDB_env* env, const write_set& set) {
  const auto max_key = static_cast<std::size_t>(mdb_env_get_maxkeysize(env));
  for (const auto& op : set.ops)
    if (op.key.empty() || op.key.size() > max_key)
      return std::string("a key of table ") + table_name(op.tbl) + " is " +
             std::to_string(op.key.size()) + " bytes; LMDB holds 1 to " + std::to_string(max_key);
  return {};
}

/// Applies one set inside `txn`. conflict: a put_new key is taken (nothing of the set was
/// written); other errors leave the transaction unusable (the caller aborts it).
commit_error database::apply(void* txn_ptr, const write_set& set, std::string& err) {
  auto* txn = static_cast<MDB_txn*>(txn_ptr);
  for (const auto& op : set.ops) {
    if (op.kind != write_op::put_new) continue;
    MDB_val k = val(op.key), v{};
    const int rc = mdb_get(txn, impl_->dbi[static_cast<std::size_t>(op.tbl)], &k, &v);
    if (rc == 0) {
      err = std::string("a key of table ") + table_name(op.tbl) + " exists already";
      return commit_error::conflict;
    }
    if (rc != MDB_NOTFOUND) {
      err = std::string("read ") + table_name(op.tbl) + ": " + mdb_strerror(rc);
      return commit_error::other;
    }
  }
  const write_op* failed = nullptr;
  if (const int rc = write_ops(*impl_, txn, set, &failed); rc != 0) {
    err = std::string("write to ") + table_name(failed->tbl) + ": " + mdb_strerror(rc);
    return rc == MDB_MAP_FULL ? commit_error::map_full : commit_error::other;
  }
  return commit_error::none;
}

int write_ops(const database::impl& d, MDB_txn* txn, const write_set& set,
              const write_op** failed) {
  for (const auto& op : set.ops) {
    const auto dbi = d.dbi[static_cast<std::size_t>(op.tbl)];
    MDB_val k = val(op.key);
    int rc = 0;
    if (op.kind == write_op::del) {
      rc = mdb_del(txn, dbi, &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;  // deleting what is gone is fine (idempotent)
    } else {
      MDB_val v = val(op.value);
      rc = mdb_put(txn, dbi, &k, &v, 0);
    }
    if (rc != 0) {
      if (failed) *failed = &op;
      return rc;
    }
  }
  return 0;
}

commit_error database::commit(const std::vector<const write_set*>& sets, std::string& err) {
  if (impl_->js) {
    for (const auto& r : journal_commit(sets, /*all_or_nothing=*/true))
      if (r.rc != commit_error::none) {
        err = r.err;
        return r.rc;
      }
    return commit_error::none;
  }
  for (const auto* set : sets) {
    err = invalid_key(impl_->env, *set);
    if (!err.empty()) return commit_error::invalid;
  }
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn);
  if (rc != 0) {
    err = std::string("begin write transaction: ") + mdb_strerror(rc);
    return commit_error::other;
  }
  for (const auto* set : sets) {
    const auto ec = apply(txn, *set, err);
    if (ec != commit_error::none) {
      mdb_txn_abort(txn);
      return ec;
    }
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) {
    err = std::string("commit: ") + mdb_strerror(rc);
    return rc == MDB_MAP_FULL ? commit_error::map_full : commit_error::other;
  }
  // The meta page (the environment is opened with MDB_NOMETASYNC): durable on return.
  sync_or_abort(impl_->env);
  return commit_error::none;
}

uint64_t database::committed_txn() const {
  MDB_envinfo info{};
  mdb_env_info(impl_->env, &info);
  return static_cast<uint64_t>(info.me_last_txnid);
}

void database::sync() {
  // With the journal every answered set is already synced (in the journal).
  if (!impl_->js) sync_or_abort(impl_->env);
}

std::vector<set_result> database::commit_each(const std::vector<const write_set*>& sets,
                                              bool defer_meta_sync) {
  if (impl_->js) return journal_commit(sets, /*all_or_nothing=*/false);
  std::vector<set_result> out(sets.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    out[i].err = invalid_key(impl_->env, *sets[i]);
    if (!out[i].err.empty()) {
      out[i].rc = commit_error::invalid;
      continue;
    }
    if (injected_failure(*sets[i])) {
      out[i] = {commit_error::other, "injected commit failure (test seam)"};
      continue;
    }
    todo.push_back(i);
  }
  if (todo.empty()) return out;
  // One transaction for all: a conflicting set is skipped (nothing of it was written).
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn);
  if (rc != 0) {
    for (auto i : todo)
      out[i] = {commit_error::other, std::string("begin write transaction: ") + mdb_strerror(rc)};
    return out;
  }
  bool broken = false;
  for (auto i : todo) {
    std::string err;
    const auto ec = apply(txn, *sets[i], err);
    if (ec == commit_error::conflict) {
      out[i] = {ec, err};
    } else if (ec != commit_error::none) {
      broken = true;
      break;
    }
  }
  if (broken) {
    mdb_txn_abort(txn);
  } else if (mdb_txn_commit(txn) == 0) {  // frees the transaction either way
    if (!defer_meta_sync) sync_or_abort(impl_->env);
    return out;
  }
  // The shared transaction failed: nothing of it was written. Retry each set alone (those
  // not already answered as conflicts), so the one that cannot be written fails alone and
  // the others commit.
  for (auto i : todo) {
    if (out[i].rc != commit_error::none) continue;
    std::string err;
    out[i].rc = commit(*sets[i], err);
    out[i].err = err;
  }
  return out;
}

bool database::injected_failure(const write_set& set) {
  for (const auto& op : set.ops) {
    if (op.kind != write_op::del) continue;
    auto& left = impl_->failing_commits[static_cast<std::size_t>(op.tbl)];
    int n = left.load();
    while (n > 0)
      if (left.compare_exchange_weak(n, n - 1)) return true;
  }
  return false;
}

read_result database::read(table t, std::string_view key) const {
  read_result out;
  if (impl_->failing_reads[static_cast<std::size_t>(t)]) {
    out.status = read_status::failed;
    out.error = std::string("read ") + table_name(t) + ": injected failure (test seam)";
    return out;
  }
  // What the journal holds and LMDB not yet is newer. Looked up before the LMDB read
  // begins: a key the applier forgets meanwhile is in LMDB by then.
  if (impl_->pending)
    if (auto p = impl_->pending->find(t, key)) {
      out.status = *p ? read_status::found : read_status::not_found;
      if (*p) out.value = std::move(**p);
      return out;
    }
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) {
    out.status = read_status::failed;
    out.error = std::string("begin read transaction: ") + mdb_strerror(rc);
    return out;
  }
  MDB_val k = val(key), v{};
  rc = mdb_get(txn, impl_->dbi[static_cast<std::size_t>(t)], &k, &v);
  if (rc == 0) {
    out.status = read_status::found;
    out.value = std::string(view(v));
  } else if (rc == MDB_NOTFOUND) {
    out.status = read_status::not_found;
  } else {
    out.status = read_status::failed;
    out.error = std::string("read ") + table_name(t) + ": " + mdb_strerror(rc);
  }
  mdb_txn_abort(txn);
  return out;
}

void database::fail_deletes_for_tests(table t, int n) {
  impl_->failing_commits[static_cast<std::size_t>(t)] = n;
}

void database::fail_reads_for_tests(table t, bool on) {
  impl_->failing_reads[static_cast<std::size_t>(t)] = on;
}

std::optional<std::string> database::get(table t, std::string_view key) const {
  auto r = read(t, key);
  if (r.status != read_status::found) return std::nullopt;
  return std::move(r.value);
}

bool database::exists(table t, std::string_view key) const {
  return read(t, key).status == read_status::found;
}

void database::scan(table t, std::string_view prefix, std::string_view start,
                    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  // The journal's pending keys merged in key order over LMDB's (the pending state wins),
  // both as of one moment (see pending_then_read).
  read_txn r;
  const auto pend = pending_then_read(
      *impl_, r, [&](const overlay& o, auto then) { return o.range(t, prefix, start, then); });
  if (!r.txn) return;
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &cur) != 0) return;
  std::string_view from = start.empty() ? prefix : start;
  MDB_val k = val(from), v{};
  int rc = from.empty() ? mdb_cursor_get(cur, &k, &v, MDB_FIRST)
                        : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  std::size_t pi = 0;
  for (;;) {
    const bool have_l = rc == 0 && view(k).substr(0, prefix.size()) == prefix;
    const bool have_p = pi < pend.size();
    if (!have_l && !have_p) break;
    if (have_p && (!have_l || std::string_view(pend[pi].first) <= view(k))) {
      const bool same = have_l && std::string_view(pend[pi].first) == view(k);
      const auto& [key, value] = pend[pi++];
      if (same) rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
      if (value && !fn(key, *value)) break;
      continue;
    }
    if (!fn(view(k), view(v))) break;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
}

std::string database::last_key(table t) const {
  std::optional<std::string> pending_last;
  read_txn r;
  const auto pend =
      pending_then_read(*impl_, r, [&](const overlay& o, auto then) { return o.all(t, then); });
  for (auto it = pend.rbegin(); it != pend.rend(); ++it)
    if (it->second) {
      pending_last = it->first;
      break;
    }
  auto deleted = [&](std::string_view key) {
    auto it = std::lower_bound(pend.begin(), pend.end(), key,
                               [](const auto& e, std::string_view k) { return e.first < k; });
    return it != pend.end() && it->first == key && !it->second;
  };
  if (!r.txn) return pending_last.value_or("");
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(r.txn, impl_->dbi[static_cast<std::size_t>(t)], &cur) != 0) return {};
  MDB_val k{}, v{};
  std::string out;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  while (rc == 0 && deleted(view(k))) rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
  if (rc == 0) out = std::string(view(k));
  mdb_cursor_close(cur);
  if (pending_last && *pending_last > out) out = *pending_last;
  return out;
}

uint64_t database::count(table t) const {
  read_txn r;
  const auto pend =
      pending_then_read(*impl_, r, [&](const overlay& o, auto then) { return o.all(t, then); });
  if (!r.txn) return 0;
  const auto dbi = impl_->dbi[static_cast<std::size_t>(t)];
  MDB_stat st{};
  if (mdb_stat(r.txn, dbi, &st) != 0) return 0;
  int64_t n = static_cast<int64_t>(st.ms_entries);
  // A pending key counts when it is new to LMDB, a pending deletion when LMDB has the key.
  for (const auto& [key, value] : pend) {
    MDB_val kk = val(key), vv{};
    const bool in_lmdb = mdb_get(r.txn, dbi, &kk, &vv) == 0;
    if (value && !in_lmdb) ++n;
    if (!value && in_lmdb) --n;
  }
  return static_cast<uint64_t>(std::max<int64_t>(n, 0));
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

core::result<uint64_t> database::backup_to(const std::string& path) const {
  namespace fs = std::filesystem;
  // The copy is of LMDB: first let it apply what the journal holds.
  const_cast<database*>(this)->drain();
  std::error_code ec;
  if (fs::exists(path, ec))
    return {core::errc::conflict, path + " exists; a backup never overwrites a file"};
  const std::string partial = path + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    return {e == EEXIST ? core::errc::conflict : core::errc::io,
            "cannot create " + partial + ": " + std::strerror(e) +
                (e == EEXIST ? " (another backup to this path is running, or one was "
                               "interrupted: remove it)"
                             : "")};
  }
  int rc = mdb_env_copyfd2(impl_->env, fd, MDB_CP_COMPACT);
  if (rc == 0 && ::fsync(fd) != 0) rc = errno;
  struct stat st {};
  if (rc == 0 && ::fstat(fd, &st) != 0) rc = errno;
  ::close(fd);
  if (rc == 0 && ::rename(partial.c_str(), path.c_str()) != 0) rc = errno;
  if (rc != 0) {
    ::unlink(partial.c_str());
    return {rc == ENOSPC ? core::errc::full : core::errc::io,
            "backup to " + path + " failed: " + mdb_strerror(rc)};
  }
  // The rename is durable once the directory is.
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return static_cast<uint64_t>(st.st_size);
}

core::status to_status(const set_result& r) {
  switch (r.rc) {
    case commit_error::none:
      return {};
    case commit_error::map_full:
      return {core::errc::full, r.err};
    case commit_error::conflict:
      return {core::errc::conflict, r.err};
    case commit_error::invalid:
      return {core::errc::invalid, r.err};
    case commit_error::other:
      break;
  }
  return {core::errc::io, r.err};
}

}  // namespace vouch::storage
