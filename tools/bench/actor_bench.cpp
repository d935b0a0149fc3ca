// bench_actors: in-process measurements of the candidate actors and the store, plus the
// seeding the other bench parts need. Subcommands (each prints one JSON object):
//
//   fill   --dir D --candidates N [--orgs 4] [--timers T] [--overdue-pct 10]
//          N candidate records through storage::put_candidate, 10k per write transaction;
//          the first T of them wait on a reminder timer (storage::put_timer), a share overdue.
//   notes  --dir D --org ORG --opps M --count N
//          N lever_note commands in the outbox for ORG, spread over opp-bench-0..M-1.
//   count  --dir D --table timers|outbox|candidates [--due-before MS]
//   lmdb   --dir D [--seconds-ms 2000]
//          the disk's ceiling: durable single-put write transactions per second.
//   run    --dir D --candidates N [--passivate-ms 2000] [--cold 20000] [--warm 20000]
//          [--inflight 64] [--commit-ms 3000]
//          the real actor_host on a filled store (fill first, in another process, so this
//          process's RSS holds only what the engine itself touched): cold activation
//          (router loads from LMDB, spawns, first message handled), warm messages, direct
//          load+apply without actors, group commit throughput, and RSS after touching every
//          candidate once with passivation on.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor_host.hpp"
#include "actors/engine_context.hpp"
#include "actors/org_directory.hpp"
#include "core/bytes.hpp"
#include "core/candidate_machine.hpp"
#include "core/crypto.hpp"
#include "net/http_client.hpp"
#include "storage/repository.hpp"
#include "tools/bench/histogram.hpp"

using namespace vouch;

namespace {

using clock_type = std::chrono::steady_clock;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr uint64_t default_map_gib = 16;
const std::string dup_key = "bench-duplicate-delivery";

struct args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  int64_t num(const std::string& k, int64_t def) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::atoll(it->second.c_str());
  }
};

std::unique_ptr<storage::database> open_db(const args& a) {
  std::string err;
  // --map-gib: the 10M-candidate scale run needs more than the default.
  const auto map_size = static_cast<uint64_t>(a.num("map-gib", default_map_gib)) << 30;
  auto db = storage::database::open(a.get("dir"), map_size, err);
  if (!db) {
    std::fprintf(stderr, "open %s: %s\n", a.get("dir").c_str(), err.c_str());
    std::exit(1);
  }
  return db;
}

void commit_or_die(storage::database& db, const storage::write_set& ws) {
  std::string err;
  if (db.commit(ws, err) != storage::commit_error::none) {
    std::fprintf(stderr, "commit: %s\n", err.c_str());
    std::exit(1);
  }
}

std::string org_of(uint64_t i, uint64_t orgs) {
  return "org-" + std::to_string(i % orgs);
}
std::string opp_of(uint64_t i) {
  return "opp-" + std::to_string(i);
}

/// A candidate as it looks mid-flow: resolved from Lever, a request open on the platform.
core::candidate_record sample_candidate(uint64_t i, uint64_t orgs, int64_t now) {
  core::candidate_record c;
  c.org = org_of(i, orgs);
  c.opp = opp_of(i);
  c.state = core::cand_state::awaiting_references;
  c.request_id = "req-" + std::to_string(i);
  c.template_id = "tpl-1";
  c.owner = {"user-owner-1", "Olivia Owner", "olivia@example.com"};
  c.name = "Candidate " + std::to_string(i);
  c.email = "candidate" + std::to_string(i) + "@example.com";
  c.phone = "+1555" + std::to_string(1000000 + i % 9000000);
  c.posting_id = "post-eng";
  c.posting_title = "Senior Engineer";
  c.posting_tags = {"engineering"};
  c.created_at = c.updated_at = now - 86400000;
  c.last_stage_at = now - 86400000;
  c.next_seq = 4;
  c.generation = 1;
  return c;
}

int cmd_fill(const args& a) {
  auto db = open_db(a);
  uint64_t n = static_cast<uint64_t>(a.num("candidates", 1000000));
  uint64_t orgs = static_cast<uint64_t>(a.num("orgs", 4));
  uint64_t timers = static_cast<uint64_t>(a.num("timers", 0));
  uint64_t overdue_pct = static_cast<uint64_t>(a.num("overdue-pct", 10));
  const uint64_t batch = 10000;
  auto now = wall_ms();
  std::mt19937_64 rng(42);
  uint64_t overdue = 0;
  auto t0 = mono_ns();
  for (uint64_t start = 0; start < n; start += batch) {
    storage::write_set ws;
    for (uint64_t i = start; i < std::min(n, start + batch); ++i) {
      auto c = sample_candidate(i, orgs, now);
      if (i < timers) {
        core::timer_entry t;
        t.kind = core::timer_kind::reminder;
        if (i % 100 < overdue_pct) {
          t.due = now - 1000 - static_cast<int64_t>(rng() % 3600000);  // up to an hour late
          ++overdue;
        } else {
          t.due = now + 3600000 + static_cast<int64_t>(rng() % (14 * 86400000LL));
        }
        c.timers.push_back(t);
        storage::put_timer(ws, c.org, c.opp, t);
      }
      storage::put_candidate(ws, c);
    }
    if (start == 0) storage::put_dedupe(ws, dup_key, now);
    commit_or_die(*db, ws);
  }
  double s = static_cast<double>(mono_ns() - t0) / 1e9;
  std::printf(
      "{\"candidates\":%llu,\"timers\":%llu,\"overdue\":%llu,\"fill_s\":%.2f,"
      "\"puts_per_s\":%.0f}\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(timers),
      static_cast<unsigned long long>(overdue), s, static_cast<double>(n + timers) / s);
  return 0;
}

int cmd_notes(const args& a) {
  auto db = open_db(a);
  std::string org = a.get("org");
  uint64_t opps = static_cast<uint64_t>(a.num("opps", 200));
  uint64_t count = static_cast<uint64_t>(a.num("count", 2000));
  auto id = storage::max_command_id(*db);
  auto now = wall_ms();
  storage::write_set ws;
  for (uint64_t i = 0; i < count; ++i) {
    core::command c;
    c.id = ++id;
    c.org = org;
    c.opp = "opp-bench-" + std::to_string(i % opps);
    c.kind = core::command_kind::lever_note;
    c.payload =
        "{\"text\":\"Reference report ready: http://127.0.0.1/reports/" + std::to_string(i) + "\"}";
    c.idem_key = "vouch-" + org + "-" + std::to_string(c.id);
    c.generation = 1;
    c.created_at = c.next_at = now;
    storage::put_command(ws, c);
  }
  storage::put_max_command_id(ws, id);
  commit_or_die(*db, ws);
  std::printf("{\"queued\":%llu,\"last_id\":%llu}\n", static_cast<unsigned long long>(count),
              static_cast<unsigned long long>(id));
  return 0;
}

int cmd_count(const args& a) {
  auto db = open_db(a);
  auto name = a.get("table", "timers");
  auto t = name == "outbox"       ? storage::table::outbox
           : name == "candidates" ? storage::table::candidates
                                  : storage::table::timers;
  // Timers are keyed by big-endian due time first: count those due before a moment.
  uint64_t due_before = 0;
  if (t == storage::table::timers && !a.get("due-before").empty()) {
    auto limit = a.num("due-before", 0);
    db->scan(t, "", "", [&](std::string_view key, std::string_view) {
      auto st = storage::parse_timer_key(key);
      if (!st || st->timer.due >= limit) return false;
      ++due_before;
      return true;
    });
  }
  std::printf("{\"table\":\"%s\",\"entries\":%llu,\"due_before\":%llu}\n", name.c_str(),
              static_cast<unsigned long long>(db->count(t)),
              static_cast<unsigned long long>(due_before));
  return 0;
}

std::string quantiles_json(const char* name, const bench::histogram& h) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "\"%s\":{\"n\":%llu,\"p50_us\":%.2f,\"p99_us\":%.2f,"
                "\"p999_us\":%.2f}",
                name, static_cast<unsigned long long>(h.count()),
                static_cast<double>(h.quantile(0.5)) / 1000.0,
                static_cast<double>(h.quantile(0.99)) / 1000.0,
                static_cast<double>(h.quantile(0.999)) / 1000.0);
  return buf;
}

int cmd_lmdb(const args& a) {
  auto db = open_db(a);
  double seconds = static_cast<double>(a.num("seconds-ms", 2000)) / 1000.0;
  auto t0 = mono_ns();
  auto end = t0 + static_cast<int64_t>(seconds * 1e9);
  uint64_t n = 0;
  std::string value(100, 'v');
  // Per-commit latency too: a durable commit's tail on this disk is the floor under any
  // request that waits for one (the ingest half-load p99).
  bench::histogram single_lat, random3_lat;
  while (mono_ns() < end) {
    storage::write_set ws;
    ws.put(storage::table::meta, "bench-" + std::to_string(n % 1024), value);
    auto c0 = mono_ns();
    commit_or_die(*db, ws);
    single_lat.record(static_cast<uint64_t>(mono_ns() - c0));
    ++n;
  }
  double s = static_cast<double>(mono_ns() - t0) / 1e9;

  // What a group commit costs depends on how many pages its puts dirty. Same batch size
  // (16 write sets per transaction, the store's typical batch under load), two key layouts:
  //   random3: candidate, history (org\0opp\0seq) and dedupe (hash) keys all land on
  //            random leaf pages, as vouch's tables do today;
  //   random1: the candidate put is random, history and dedupe keys grow at the end of
  //            their trees (a global sequence, a time-ordered key), as in an earlier spike.
  std::mt19937_64 rng(1);
  auto layout = [&](bool appends, bench::histogram* lat) {
    uint64_t seq = 0, sets = 0, commits = 0;
    std::string rec(300, 'c'), hist(120, 'h');
    auto start = mono_ns();
    auto stop = start + static_cast<int64_t>(seconds * 1e9);
    while (mono_ns() < stop) {
      storage::write_set ws;
      for (int k = 0; k < 16; ++k, ++seq) {
        auto opp = "opp-" + std::to_string(rng() % 100000);
        ws.put(storage::table::candidates, "org-1" + std::string(1, '\0') + opp, rec);
        if (appends) {
          ws.put(storage::table::history, core::be64(seq), hist);
          ws.put(storage::table::dedupe, core::be64(seq) + std::to_string(rng()), "x");
        } else {
          ws.put(storage::table::history, storage::history_key("org-1", opp, seq), hist);
          ws.put(storage::table::dedupe, core::random_bytes(32), "x");
        }
        ++sets;
      }
      auto c0 = mono_ns();
      commit_or_die(*db, ws);
      if (lat) lat->record(static_cast<uint64_t>(mono_ns() - c0));
      ++commits;
    }
    double el = static_cast<double>(mono_ns() - start) / 1e9;
    return std::make_pair(static_cast<double>(sets) / el,
                          1000.0 * el / static_cast<double>(commits));
  };
  // Fill the trees first so both layouts write into tables of realistic depth.
  layout(false, nullptr);
  auto r3 = layout(false, &random3_lat);
  auto r1 = layout(true, nullptr);
  std::printf(
      "{\"single_put_txn_per_s\":%.0f,\"commits\":%llu,"
      "\"batch16_random3_sets_per_s\":%.0f,\"batch16_random3_ms_per_commit\":%.2f,"
      "\"batch16_random1_sets_per_s\":%.0f,\"batch16_random1_ms_per_commit\":%.2f,%s,%s}\n",
      static_cast<double>(n) / s, static_cast<unsigned long long>(n), r3.first, r3.second, r1.first,
      r1.second, quantiles_json("single_put_commit", single_lat).c_str(),
      quantiles_json("batch16_random3_commit", random3_lat).c_str());
  return 0;
}

// -- run ------------------------------------------------------------------------------------

struct rss_info {
  double rss_mib = 0, hwm_mib = 0, anon_mib = 0, file_mib = 0;
};

rss_info read_rss() {
  rss_info r;
  std::ifstream f("/proc/self/status");
  std::string line;
  auto mib = [](const std::string& l) {
    return static_cast<double>(std::atoll(l.c_str() + l.find(':') + 1)) / 1024.0;
  };
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) r.rss_mib = mib(line);
    if (line.rfind("VmHWM:", 0) == 0) r.hwm_mib = mib(line);
    if (line.rfind("RssAnon:", 0) == 0) r.anon_mib = mib(line);
    if (line.rfind("RssFile:", 0) == 0) r.file_mib = mib(line);
  }
  return r;
}

/// Delivers inputs to the engine, at most `window` at a time, and times each one from
/// deliver() to its done callback (stamped on the CAF thread that finishes it).
/// `engine_hist` (may be null) gets the time from the router taking the input to that
/// callback: the same work without the wake-up of the CAF worker by the caller.
class driver {
 public:
  explicit driver(actors::engine_port& port) : port_(port) {}

  /// Returns elapsed seconds; latencies go to `hist` (may be null).
  double run(std::size_t count, std::size_t window,
             const std::function<actors::candidate_input(std::size_t)>& make,
             bench::histogram* hist, bench::histogram* engine_hist = nullptr) {
    std::vector<int64_t> sent(count), done(count, 0);
    std::vector<std::shared_ptr<int64_t>> routed(engine_hist ? count : 0);
    std::atomic<std::size_t> finished{0};
    std::atomic<uint64_t> outcomes[5] = {};
    auto t0 = mono_ns();
    for (std::size_t i = 0; i < count; ++i) {
      while (i - finished.load(std::memory_order_acquire) >= window) std::this_thread::yield();
      auto in = make(i);
      if (engine_hist) in.routed_at_ns = routed[i] = std::make_shared<int64_t>(0);
      in.done = [&, i](actors::delivery_outcome o) {
        done[i] = mono_ns();
        outcomes[static_cast<int>(o)].fetch_add(1);
        finished.fetch_add(1, std::memory_order_release);
      };
      sent[i] = mono_ns();
      port_.deliver(std::move(in));
    }
    while (finished.load(std::memory_order_acquire) < count) std::this_thread::yield();
    double s = static_cast<double>(mono_ns() - t0) / 1e9;
    if (hist)
      for (std::size_t i = 0; i < count; ++i)
        hist->record(static_cast<uint64_t>(done[i] - sent[i]));
    if (engine_hist)
      for (std::size_t i = 0; i < count; ++i)
        engine_hist->record(static_cast<uint64_t>(done[i] - *routed[i]));
    for (int k = 0; k < 5; ++k) last_outcomes[k] = outcomes[k].load();
    return s;
  }

  uint64_t last_outcomes[5] = {};

 private:
  actors::engine_port& port_;
};

actors::candidate_input duplicate_for(uint64_t i, uint64_t orgs) {
  actors::candidate_input in;
  in.org = org_of(i, orgs);
  in.opp = opp_of(i);
  core::events::stage_change change;
  change.to_stage = "stage-phone";
  change.triggered_at = wall_ms();
  in.event = core::machine_event(change.triggered_at, change);
  in.dedupe_key = dup_key;  // seen before: the actor answers without a commit
  in.create_if_missing = false;
  return in;
}

int cmd_run(const args& a) {
  uint64_t n = static_cast<uint64_t>(a.num("candidates", 1000000));
  uint64_t orgs = static_cast<uint64_t>(a.num("orgs", 4));
  auto passivate_ms = a.num("passivate-ms", 2000);
  auto cold_n = static_cast<std::size_t>(std::min<int64_t>(a.num("cold", 20000), n / 2));
  auto warm_n = static_cast<std::size_t>(a.num("warm", 20000));
  auto window = static_cast<std::size_t>(a.num("inflight", 64));
  double commit_s = static_cast<double>(a.num("commit-ms", 3000)) / 1000.0;
  auto rss_start = read_rss();

  net::http_client::global_init();
  actors::engine_context ctx;
  ctx.cfg.timing.passivate_after = std::chrono::milliseconds(passivate_ms);
  ctx.cfg.lever.base_url = "http://127.0.0.1:9";
  ctx.cfg.platform.base_url = "http://127.0.0.1:9";
  ctx.db = open_db(a);
  ctx.master_key = core::random_bytes(32);
  actors::load_engine_state(ctx);
  net::http_client http;
  actors::actor_host host(ctx, http);
  ctx.port = &host;
  host.start();
  ctx.ready = true;
  driver drv(host);

  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));

  // 1. Direct, no actors: load + decode + apply on candidates nobody touched yet.
  bench::histogram direct_load, direct_apply;
  {
    core::machine_context mctx;
    mctx.trigger_stage_ids = {"stage-refcheck"};
    for (std::size_t k = 0; k < cold_n; ++k) {
      uint64_t i = order[n - 1 - k];
      auto t0 = mono_ns();
      auto rec = storage::load_candidate(*ctx.db, org_of(i, orgs), opp_of(i));
      auto t1 = mono_ns();
      core::events::stage_change change;
      change.to_stage = "stage-phone";
      change.triggered_at = wall_ms();
      core::machine_event ev(change.triggered_at, change);
      auto t = core::apply(*rec, ev, mctx);
      auto t2 = mono_ns();
      direct_load.record(static_cast<uint64_t>(t1 - t0));
      direct_apply.record(static_cast<uint64_t>(t2 - t0));
      if (t.next.opp.empty()) std::abort();
    }
  }

  // 2. Cold activation, one at a time: deliver -> router loads from LMDB, spawns the actor,
  //    the actor handles the message (a duplicate: answered without a commit) -> done.
  bench::histogram cold, cold_engine;
  drv.run(
      cold_n, 1, [&](std::size_t k) { return duplicate_for(order[k], orgs); }, &cold, &cold_engine);
  uint64_t cold_dups = drv.last_outcomes[static_cast<int>(actors::delivery_outcome::duplicate)];

  // 3. Warm: the same message to 1000 resident actors, round robin, one at a time.
  bench::histogram warm, warm_engine;
  std::size_t warm_set = std::min<std::size_t>(1000, cold_n);
  drv.run(
      warm_n, 1,
      [&](std::size_t k) { return duplicate_for(order[cold_n - 1 - k % warm_set], orgs); }, &warm,
      &warm_engine);
  // Warm, pipelined: the message cost without the cross-thread wake-up per message.
  double warm_pipe_s = drv.run(
      warm_n, window,
      [&](std::size_t k) { return duplicate_for(order[cold_n - 1 - k % warm_set], orgs); },
      nullptr);

  // 4. Group commit: real transitions (stage change to a non-trigger stage: record, history,
  //    dedupe key) on distinct candidates, 256 in flight, through the store actor.
  std::size_t commit_n = 0;
  double commit_elapsed = 0;
  {
    auto deadline = mono_ns() + static_cast<int64_t>(commit_s * 1e9);
    std::size_t base = cold_n;
    std::size_t chunk = std::min<std::size_t>(2000, (n - base) / 4 + 1);
    while (mono_ns() < deadline && base + commit_n + chunk <= n) {
      commit_elapsed += drv.run(
          chunk, 256,
          [&](std::size_t k) {
            auto in = duplicate_for(order[base + commit_n + k], orgs);
            in.dedupe_key = "bench-commit-" + std::to_string(base + commit_n + k);
            in.create_if_missing = true;
            return in;
          },
          nullptr);
      commit_n += chunk;
    }
  }

  // 5. Touch every candidate once (or --touch of them: the scale run touches 1M of 10M),
  //    pipelined, passivation on; RSS peak and after.
  const auto touch_n = static_cast<std::size_t>(std::min<int64_t>(a.num("touch", n), n));
  auto rss_before_touch = read_rss();
  double touch_s = drv.run(
      touch_n, window, [&](std::size_t k) { return duplicate_for(order[k], orgs); }, nullptr);
  auto rss_touched = read_rss();
  auto system_touched = host.system_json();  // resident actors right after the touch
  // Passivation: idle for passivate_after, then the next sweep (every passivate_after / 2).
  std::this_thread::sleep_for(std::chrono::milliseconds(passivate_ms * 2 + 500));
  auto rss_passivated = read_rss();
  auto mi = mallinfo2();
  double heap_in_use_mib = static_cast<double>(mi.uordblks + mi.hblkhd) / 1048576.0;
  double heap_free_mib = static_cast<double>(mi.fordblks) / 1048576.0;
  auto system = host.system_json();

  host.shutdown();
  auto rss_json = [](const char* name, const rss_info& r) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "\"%s\":{\"rss_mib\":%.1f,\"hwm_mib\":%.1f,\"anon_mib\":%.1f,"
                  "\"file_mib\":%.1f}",
                  name, r.rss_mib, r.hwm_mib, r.anon_mib, r.file_mib);
    return std::string(buf);
  };
  std::printf(
      "{\"candidates\":%llu,\"cold_duplicates\":%llu,%s,%s,%s,%s,%s,%s,"
      "\"warm_pipelined_per_s\":%.0f,\"touched\":%llu,\"touch_per_s\":%.0f,\"touch_s\":%.2f,"
      "\"commit_transitions_per_s\":%.0f,\"commit_transitions\":%llu,%s,%s,%s,%s,"
      "\"heap_in_use_mib\":%.1f,\"heap_free_mib\":%.1f,"
      "\"system_touched\":%s,\"system\":%s}\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(cold_dups),
      quantiles_json("cold", cold).c_str(), quantiles_json("warm", warm).c_str(),
      quantiles_json("cold_engine", cold_engine).c_str(),
      quantiles_json("warm_engine", warm_engine).c_str(),
      quantiles_json("direct_load", direct_load).c_str(),
      quantiles_json("direct_load_apply", direct_apply).c_str(),
      static_cast<double>(warm_n) / warm_pipe_s, static_cast<unsigned long long>(touch_n),
      static_cast<double>(touch_n) / touch_s, touch_s,
      static_cast<double>(commit_n) / commit_elapsed, static_cast<unsigned long long>(commit_n),
      rss_json("rss_start", rss_start).c_str(),
      rss_json("rss_before_touch", rss_before_touch).c_str(),
      rss_json("rss_touched", rss_touched).c_str(),
      rss_json("rss_passivated", rss_passivated).c_str(), heap_in_use_mib, heap_free_mib,
      system_touched.c_str(), system.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_actors fill|notes|count|lmdb|run --dir D [...]\n");
    return 2;
  }
  std::string cmd = argv[1];
  args a;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) {
      std::fprintf(stderr, "unexpected argument %s\n", k.c_str());
      return 2;
    }
    a.kv[k.substr(2)] = argv[i + 1];
  }
  if (a.get("dir").empty()) {
    std::fprintf(stderr, "--dir is required\n");
    return 2;
  }
  if (cmd == "fill") return cmd_fill(a);
  if (cmd == "notes") return cmd_notes(a);
  if (cmd == "count") return cmd_count(a);
  if (cmd == "lmdb") return cmd_lmdb(a);
  if (cmd == "run") return cmd_run(a);
  std::fprintf(stderr, "unknown subcommand %s\n", cmd.c_str());
  return 2;
}
