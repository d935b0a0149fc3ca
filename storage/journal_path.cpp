// The journal write path: commit() and commit_each() append to the journal and answer once
// it is synced; an applier thread brings LMDB up to date behind it in large transactions.
//
// Why: a group commit into LMDB writes every page its sets touch (three random leaf pages
// per event, vouch's key layout) and syncs them, so its cost grows with the events in it;
// the journal writes the same events as one sequential append and one fdatasync. LMDB
// still receives every write, but in transactions of thousands of sets, where one page
// write serves many sets and two syncs serve them all. docs/architecture.md#durability.
//
// Order of effects for a batch (the writer, under writer_mu):
//   1. each set is checked as LMDB would (key sizes, put_new claims against the sets before
//      it, the pending overlay and LMDB) — a refused set is answered and never journaled;
//   2. the accepted sets are appended to the journal and synced: from here they survive a
//      process crash and a power loss;
//   3. they are added to the overlay (readers see them) and queued for the applier;
//   4. the answers go out.
// The applier applies queued sets in order, records the newest number it applied in the
// same LMDB transaction (meta key "journal_applied"), syncs, then forgets them from the
// overlay and removes journal segments it no longer needs. On start (open_journal) the
// records after LMDB's number are applied first.
#include <lmdb.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "core/bytes.hpp"
#include "storage/database_impl.hpp"

namespace vouch::storage {
namespace {

constexpr const char* applied_key = "journal_applied";
/// Sets applied to LMDB per transaction at most: large enough that one page write serves
/// many sets, small enough that a transaction's dirty pages stay a few tens of MiB.
constexpr std::size_t apply_batch = 16384;
/// The applier waits for this many sets, or for `apply_wait` after it woke, before it
/// applies: an apply of a few sets costs about the same page writes and syncs as one of
/// thousands (vouch's keys are random), so waiting makes each set cheaper. Readers do not
/// notice: they see pending sets through the overlay.
constexpr std::size_t apply_min = 4096;
constexpr auto apply_wait = std::chrono::milliseconds(100);
/// Journaled sets LMDB may lag behind by before writers wait for the applier: bounds the
/// overlay's memory and the replay after a crash.
constexpr uint64_t max_pending_sets = 65536;

/// Applies `recs` to LMDB in one transaction, recording the newest number. MDB_MAP_FULL
/// leaves LMDB as it was (`err` says so); any other failure ends the process, since the
/// journal holds the sets and a restart replays them.
commit_error apply_to_lmdb(database::impl& d, const std::vector<const journal_record*>& recs,
                           std::string& err) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(d.env, nullptr, 0, &txn);
  // put_new claims were checked when the sets were journaled; written as plain puts, a
  // replay never fails on the key a set wrote itself (a crash between apply and forget).
  for (std::size_t i = 0; rc == 0 && i < recs.size(); ++i) rc = write_ops(d, txn, recs[i]->ws);
  if (rc == 0 && !recs.empty()) {
    const std::string seq = core::be64(recs.back()->seq);
    MDB_val k = val(applied_key), v = val(seq);
    rc = mdb_put(txn, d.dbi[static_cast<std::size_t>(table::meta)], &k, &v, 0);
  }
  if (rc == 0) {
    rc = mdb_txn_commit(txn);
  } else if (txn) {
    mdb_txn_abort(txn);
  }
  if (rc == 0) {
    sync_or_abort(d.env);
    return commit_error::none;
  }
  err = std::string("apply journaled sets to LMDB: ") + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) return commit_error::map_full;
  std::fprintf(stderr, "level=critical msg=journal_apply_failed error=\"%s\" action=abort\n",
               err.c_str());
  std::abort();
}

void applier_loop(database::impl& d) {
  auto& js = *d.js;
  std::unique_lock lk(js.mu);
  for (;;) {
    js.work_cv.wait(lk, [&] { return js.stop || (!js.queue.empty() && !js.full); });
    if (js.queue.empty() || js.full) return;  // stopping
    js.work_cv.wait_for(lk, apply_wait, [&] {
      return js.stop || js.drain_waiters > 0 || js.queue.size() >= apply_min;
    });
    const std::size_t n = std::min(js.queue.size(), apply_batch);
    std::vector<const journal_record*> recs;
    recs.reserve(n);
    for (std::size_t i = 0; i < n; ++i) recs.push_back(&js.queue[i]);
    lk.unlock();
    // The queue's front is only removed here, so the pointers stay valid unlocked.
    std::string err;
    const auto ec = apply_to_lmdb(d, recs, err);
    const uint64_t through = recs.back()->seq;
    if (ec == commit_error::none) {
      d.pending->forget_through(through);
      std::lock_guard g(js.log_mu);
      js.log->release_through(through);
    }
    lk.lock();
    if (ec != commit_error::none) {
      // The map is full. What is journaled stays journaled (answered, durable) and is
      // replayed at the next start; new sets are refused until then (store_full).
      js.full = true;
      js.full_error = err + " (" + std::to_string(js.queue.size()) +
                      " answered sets wait in the journal: raise [storage] map_size and "
                      "restart vouchd; they are applied then)";
      std::fprintf(stderr, "level=error msg=journal_apply_full error=\"%s\"\n",
                   js.full_error.c_str());
      js.applied_cv.notify_all();
      continue;
    }
    js.queue.erase(js.queue.begin(), js.queue.begin() + static_cast<std::ptrdiff_t>(n));
    js.applied = through;
    ++js.applies;
    js.largest_apply = std::max<uint64_t>(js.largest_apply, n);
    js.applied_cv.notify_all();
  }
}

}  // namespace

void stop_journal(database::impl& d) {
  if (!d.js || !d.js->applier.joinable()) return;
  {
    std::lock_guard g(d.js->mu);
    d.js->stop = true;
  }
  d.js->work_cv.notify_all();
  d.js->applier.join();
}

bool database::open_journal(const std::string& dir, std::string& err, std::string& note) {
  auto& d = *impl_;
  uint64_t applied = 0;
  if (auto v = get(table::meta, applied_key); v && v->size() == 8) applied = core::from_be64(*v);
  journal::recovered rec;
  auto log = journal::open(dir, applied, rec, err);
  if (!log) return false;
  note = rec.tail_note.empty() ? "" : "cut a torn tail: " + rec.tail_note;
  // Replay what LMDB has not applied, in the same transactions the applier would use.
  for (std::size_t at = 0; at < rec.records.size(); at += apply_batch) {
    std::vector<const journal_record*> recs;
    for (std::size_t i = at; i < std::min(rec.records.size(), at + apply_batch); ++i)
      recs.push_back(&rec.records[i]);
    if (apply_to_lmdb(d, recs, err) != commit_error::none) {
      err = "replaying the journal " + dir + ": " + err + "; " +
            std::to_string(rec.records.size() - at) +
            " answered sets wait in it: raise [storage] map_size and start again";
      return false;
    }
  }
  if (!rec.records.empty()) {
    if (!note.empty()) note += "; ";
    note += "replayed " + std::to_string(rec.records.size()) + " sets (" +
            std::to_string(rec.records.front().seq) + " to " +
            std::to_string(rec.records.back().seq) + ") into LMDB";
  }
  const uint64_t last = std::max(applied, rec.last_seq);
  log->release_through(last);
  d.pending = std::make_unique<overlay>();
  d.js = std::make_unique<journal_state>();
  d.js->log = std::move(log);
  d.js->next_seq = last + 1;
  d.js->journaled = d.js->applied = last;
  d.js->applier = std::thread([&d] { applier_loop(d); });
  return true;
}

void database::close_journal() {
  if (!impl_->js) return;
  drain();
  stop_journal(*impl_);
  impl_->js.reset();
  impl_->pending.reset();
}

bool database::journaled() const {
  return impl_->js != nullptr;
}

void database::drain() {
  if (!impl_->js) return;
  auto& js = *impl_->js;
  std::unique_lock lk(js.mu);
  const uint64_t target = js.journaled;
  ++js.drain_waiters;  // the applier applies at once rather than waiting for a fuller batch
  js.work_cv.notify_all();
  js.applied_cv.wait(lk, [&] { return js.applied >= target || js.full; });
  --js.drain_waiters;
}

database::journal_stats database::journal_info() const {
  journal_stats out;
  if (!impl_->js) return out;
  auto& js = *impl_->js;
  {
    std::lock_guard g(js.mu);
    out.journaled = js.journaled;
    out.applied = js.applied;
    out.appends = js.appends;
    out.applies = js.applies;
    out.largest_apply = js.largest_apply;
    out.full = js.full;
  }
  {
    std::lock_guard g(js.log_mu);
    out.segments = js.log->segments();
    out.bytes = js.log->bytes();
  }
  out.pending_keys = impl_->pending->keys();
  return out;
}

std::vector<set_result> database::journal_commit(const std::vector<const write_set*>& sets,
                                                 bool all_or_nothing) {
  auto& d = *impl_;
  auto& js = *d.js;
  std::vector<set_result> out(sets.size());
  std::lock_guard writer(js.writer_mu);
  {
    // Backpressure: when LMDB lags too far, wait for the applier (bounded overlay).
    std::unique_lock lk(js.mu);
    js.applied_cv.wait(lk, [&] { return js.journaled - js.applied < max_pending_sets || js.full; });
    if (js.full) {
      for (auto& r : out) r = {commit_error::map_full, js.full_error};
      return out;
    }
  }
  // 1. Check each set as LMDB would, against the sets before it in this batch, then the
  // overlay, then LMDB (through read(), which looks in that order).
  std::map<std::pair<table, std::string>, bool> claimed;  ///< key -> present after the set
  std::vector<std::size_t> accepted;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const auto& set = *sets[i];
    out[i].err = invalid_key(d.env, set);
    if (!out[i].err.empty()) {
      out[i].rc = commit_error::invalid;
      continue;
    }
    // Recovery takes a longer record for a damaged length (decode_records): answered, it
    // would be cut off at the next start, and every set after it with it.
    if (const uint64_t n = journal_payload_bytes(set); n > journal_max_payload) {
      out[i] = {commit_error::invalid, "a write set of " + std::to_string(n) +
                                           " bytes; the journal holds at most " +
                                           std::to_string(journal_max_payload)};
      continue;
    }
    if (injected_failure(set)) {
      out[i] = {commit_error::other, "injected commit failure (test seam)"};
      continue;
    }
    for (const auto& op : set.ops) {
      if (op.kind != write_op::put_new) continue;
      bool taken = false;
      if (auto it = claimed.find({op.tbl, op.key}); it != claimed.end()) {
        taken = it->second;
      } else {
        const auto r = read(op.tbl, op.key);
        if (r.status == read_status::failed) {
          out[i] = {commit_error::other, r.error};
          break;
        }
        taken = r.status == read_status::found;
      }
      if (taken) {
        out[i] = {commit_error::conflict,
                  std::string("a key of table ") + table_name(op.tbl) + " exists already"};
        break;
      }
    }
    if (out[i].rc != commit_error::none) continue;
    for (const auto& op : set.ops) claimed[{op.tbl, op.key}] = op.kind != write_op::del;
    accepted.push_back(i);
  }
  // commit(): one refused set refuses them all (the others are answered "none" but not
  // written; commit() reports the refused one).
  if (all_or_nothing && accepted.size() != sets.size()) return out;
  if (accepted.empty()) return out;
  // 2. One append and one sync for the batch.
  std::string bytes;
  const uint64_t first = js.next_seq;
  for (std::size_t j = 0; j < accepted.size(); ++j)
    append_record(bytes, first + j, *sets[accepted[j]]);
  const uint64_t last = first + accepted.size() - 1;
  {
    std::string err;
    std::lock_guard g(js.log_mu);
    if (const auto ec = js.log->append(bytes, first, last, err); ec != commit_error::none) {
      for (auto i : accepted) out[i] = {ec, err};
      return out;
    }
  }
  js.next_seq = last + 1;
  // 3. Visible to readers, then queued for LMDB.
  std::vector<journal_record> recs(accepted.size());
  for (std::size_t j = 0; j < accepted.size(); ++j) {
    recs[j].seq = first + j;
    recs[j].ws = *sets[accepted[j]];
    d.pending->add(recs[j].ws, recs[j].seq);
  }
  {
    std::lock_guard g(js.mu);
    for (auto& r : recs) js.queue.push_back(std::move(r));
    js.journaled = last;
    ++js.appends;
  }
  js.work_cv.notify_one();
  return out;
}

}  // namespace vouch::storage
