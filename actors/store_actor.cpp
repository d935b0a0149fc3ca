#include <algorithm>
#include <chrono>
#include <vector>

#include <spdlog/spdlog.h>

#include "actors/actors.hpp"
#include "actors/messages.hpp"

namespace vouch::actors {
namespace {

/// One waiter of the batch being built: a write set and the promise of its answer.
struct waiter {
  storage::write_set ws;
  caf::typed_response_promise<commit_result> promise;
};

/// A set that is committed but whose answer waits for its meta page to be synced.
struct unsynced_ack {
  caf::typed_response_promise<commit_result> promise;
  uint64_t txn = 0;  ///< the transaction that wrote it
};

/// The store's public contract plus the messages it sends itself (private: not in
/// store_actor).
using store_impl =
    store_actor::extend<caf::reacts_to<flush_atom, uint64_t>, caf::reacts_to<sync_atom>>;

struct store_state {
  std::vector<waiter> batch;
  std::vector<unsynced_ack> unsynced;
  bool sync_queued = false;
  uint64_t generation = 0;
  uint64_t commits = 0, syncs = 0, last_batch = 0, max_batch_seen = 0;
  std::chrono::steady_clock::time_point last_full_log{};
  uint64_t full_since_log = 0;
  static inline const char* name = "vouch.store";
};

constexpr std::size_t max_batch = 256;
/// Histogram bounds of the commit and sync durations (seconds).
const std::vector<double> seconds_bounds = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                            0.025,  0.05,  0.1,   0.5};

/// Answers every unsynced set that is power-loss durable: written by a transaction older
/// than `durable_before` (a later commit's data sync flushed its meta page), or all of
/// them after an explicit sync.
void release(store_state& st, uint64_t durable_before) {
  auto keep = st.unsynced.begin();
  for (auto& u : st.unsynced) {
    if (u.txn < durable_before)
      u.promise.deliver(commit_result{});
    else
      *keep++ = std::move(u);
  }
  st.unsynced.erase(keep, st.unsynced.end());
}

void sync_now(store_impl::stateful_pointer<store_state> self, engine_context& ctx) {
  auto& st = self->state;
  st.sync_queued = false;
  if (st.unsynced.empty()) return;
  auto t0 = std::chrono::steady_clock::now();
  ctx.db->sync();  // ends the process if it fails (storage/database.cpp says why)
  ++st.syncs;
  ctx.stats.observe("vouch_lmdb_sync_seconds",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                    seconds_bounds);
  release(st, UINT64_MAX);
}

void commit_batch(store_impl::stateful_pointer<store_state> self, engine_context& ctx) {
  auto& st = self->state;
  auto& batch = st.batch;
  if (batch.empty()) return;
  ++st.generation;
  std::vector<const storage::write_set*> sets;
  sets.reserve(batch.size());
  for (const auto& w : batch) sets.push_back(&w.ws);
  auto t0 = std::chrono::steady_clock::now();
  // One transaction for the batch; a set LMDB cannot take fails alone (commit_each). Its
  // data pages are synced; its meta page too unless meta_sync is deferred (see below).
  // (With the journal the set is synced in the journal before commit_each returns.)
  const bool deferred = ctx.cfg.storage.meta_sync == "deferred" && !ctx.db->journaled();
  auto results = ctx.db->commit_each(sets, /*defer_meta_sync=*/deferred);
  const uint64_t txn = ctx.db->committed_txn();
  ++st.commits;
  st.last_batch = batch.size();
  st.max_batch_seen = std::max<uint64_t>(st.max_batch_seen, batch.size());
  auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.stats.observe("vouch_lmdb_commit_seconds", dt, seconds_bounds);
  ctx.stats.observe("vouch_lmdb_commit_batch_size", static_cast<double>(batch.size()),
                    {1, 2, 4, 8, 16, 32, 64, 128, 256});
  // This commit synced its data pages, and with them the meta pages of every earlier
  // commit: those answers can go now.
  release(st, txn);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& w = batch[i];
    const auto& r = results[i];
    const commit_result res = storage::to_status(r);
    if (res.ok()) {
      // each_commit: commit_each synced the meta page too; deferred: wait for the next sync.
      if (deferred)
        st.unsynced.push_back({std::move(w.promise), txn});
      else
        w.promise.deliver(res);
      continue;
    }
    // Nothing of a failed set was written: its answer needs no sync.
    if (res.code() == core::errc::full) {
      // The map is full: every write fails until the operator gives it room. Say what to do,
      // once per 10 s (the 503s and vouch_lmdb_commit_failures_total count every one).
      ++st.full_since_log;
      ctx.stats.inc("vouch_lmdb_commit_failures_total");
      const auto now = std::chrono::steady_clock::now();
      if (now - st.last_full_log >= std::chrono::seconds(10)) {
        const auto env = ctx.db->stats();
        spdlog::error(
            "msg=store_full refused={} used_bytes={} map_size={} action=\"raise [storage] "
            "map_size (VOUCH_STORAGE_MAP_SIZE) and restart vouchd; nothing of a refused event "
            "was written and its sender retries it\"",
            st.full_since_log, env.used_bytes, env.map_size);
        st.last_full_log = now;
        st.full_since_log = 0;
      }
    } else if (res.code() != core::errc::conflict) {
      spdlog::error("msg=lmdb_commit_failed batch={} error={:?}", batch.size(), r.err);
      ctx.stats.inc("vouch_lmdb_commit_failures_total");
    }
    w.promise.deliver(res);
  }
  batch.clear();
  // Make this commit durable. If more work is queued, its commit will (one sync for two
  // commits); the sync message queued behind that work covers the case where none of it
  // is a commit. Otherwise nothing follows soon: sync now.
  if (st.unsynced.empty()) return;
  if (self->mailbox().empty()) {
    sync_now(self, ctx);
  } else if (!st.sync_queued) {
    st.sync_queued = true;
    self->send(self, sync_atom::value);
  }
}

store_impl::behavior_type store(store_impl::stateful_pointer<store_state> self,
                                engine_context* ctx) {
  // Commit when the mailbox has drained: a flush message queued behind everything that
  // was waiting marks that point. In an earlier spike this beat a 1 ms deadline timer by
  // 20-50%: the timer filled batches but only added latency.
  //
  // Durability: no answer leaves before its commit is power-loss durable. With
  // [storage] meta_sync = "each_commit" (the default) commit_each syncs the meta page too
  // before it returns. With "deferred" a commit costs one sync (its data pages); its meta
  // page becomes durable with the next commit's data sync, or with an explicit sync when
  // nothing follows, so under load every commit answers the one before it. Measured on the
  // disk here (docs/BENCHMARKS.md) deferring did not pay: answers wait a commit longer.
  auto add = [=](waiter w) {
    self->state.batch.push_back(std::move(w));
    if (self->state.batch.size() >= max_batch)
      commit_batch(self, *ctx);
    else if (self->state.batch.size() == 1)
      self->send(self, flush_atom::value, self->state.generation);
  };
  return {
      [=](commit_atom, storage::write_set& ws) -> caf::result<commit_result> {
        waiter w;
        w.ws = std::move(ws);
        w.promise = self->make_response_promise<commit_result>();
        add(std::move(w));
        return caf::delegated<commit_result>();
      },
      [=](flush_atom, uint64_t gen) {
        if (gen == self->state.generation) commit_batch(self, *ctx);
      },
      [=](sync_atom) {
        // This message is no longer queued: a commit from here on must queue another (or
        // sync) for what it leaves unsynced. (Forgetting this left the last batch of a
        // burst unanswered until the next commit.)
        self->state.sync_queued = false;
        // Work queued behind the last commit: if it brought a batch, committing it makes
        // the last one durable too; otherwise sync.
        if (!self->state.batch.empty())
          commit_batch(self, *ctx);
        else
          sync_now(self, *ctx);
      },
      [=](stats_atom) -> std::string {
        const auto& st = self->state;
        return std::string("{\"commits\":") + std::to_string(st.commits) +
               ",\"syncs\":" + std::to_string(st.syncs) +
               ",\"last_batch\":" + std::to_string(st.last_batch) +
               ",\"max_batch\":" + std::to_string(st.max_batch_seen) +
               ",\"waiting\":" + std::to_string(st.batch.size()) +
               ",\"unsynced\":" + std::to_string(st.unsynced.size()) +
               ",\"mailbox\":" + std::to_string(self->mailbox().size()) + "}";
      },
  };
}

}  // namespace

store_actor spawn_store(caf::actor_system& sys, engine_context& ctx) {
  return caf::actor_cast<store_actor>(sys.spawn<caf::detached>(store, &ctx));
}

}  // namespace vouch::actors
