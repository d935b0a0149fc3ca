// GET /admin/v1/system/history: the last hour of engine figures for the console's charts,
// and the thread that samples them every 10 s (engine/sample_history.hpp holds the ring and
// the arithmetic).
#include <condition_variable>
#include <thread>

#include "core/record_codec.hpp"
#include "engine/admin/impl.hpp"
#include "engine/sample_history.hpp"

namespace vouch::engine {

using namespace admin;

/// A thread owned by the admin API (not an actor: it only reads metrics, the rate limiter's
/// counters and one LMDB table) that reads the figures every interval into the history.
struct history_sampler {
  explicit history_sampler(actors::engine_context& c) : ctx(c) {}
  ~history_sampler() { stop(); }
  history_sampler(const history_sampler&) = delete;
  history_sampler& operator=(const history_sampler&) = delete;

  actors::engine_context& ctx;
  sample_history history;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;

  history_reading read() const {
    history_reading r;
    r.at_ms = now_ms();
    r.steady_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
    const auto [accepted, refused] =
        split_webhooks(ctx.stats.counter_series("vouch_webhooks_total"));
    r.webhooks_accepted = accepted;
    r.webhooks_refused = refused;
    auto ack = ctx.stats.histogram("vouch_webhook_ack_seconds");
    r.ack_bounds = std::move(ack.bounds);
    r.ack_counts = std::move(ack.counts);
    r.ack_total = ack.total;
    // The outbox as LMDB holds it, counted as /admin/v1/system counts it: dead letters live
    // only there (the dispatcher forgets them), and the vouch_commands_pending gauge is only
    // republished when the dispatcher next sends, so it can show a settled command for a
    // while. The outbox holds only what is pending or dead, so this scan stays small.
    if (ctx.db)
      ctx.db->scan(storage::table::outbox, {}, {}, [&](std::string_view, std::string_view v) {
        auto c = core::decode_command(v);
        if (c) ++(c->status == core::command_status::dead ? r.outbox_dead : r.outbox_pending);
        return true;
      });
    if (auto limiter = ctx.lever_limiter) r.lever_calls = limiter->calls();
    r.lever_rate_per_s = ctx.cfg.lever.rate_per_s;
    for (const auto& [labels, v] : ctx.stats.gauge_series("vouch_breaker_state"))
      r.breakers[label_value(labels, "target")] = static_cast<int>(v);
    return r;
  }

  void run() {
    const auto every = std::chrono::seconds(sample_history::interval_s);
    auto next = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      lock.unlock();
      try {
        history.record(read());
      } catch (const std::exception& e) {  // a library's throw: skip this sample, keep going
        spdlog::warn("msg=history_sample_failed error={:?}", e.what());
      }
      lock.lock();
      next += every;
      const auto now = std::chrono::steady_clock::now();
      if (next <= now) next = now + every;  // a slow read: no burst of samples to catch up
      wake.wait_until(lock, next, [this] { return stopping; });
    }
  }

  /// Wakes the thread and waits for it to end (at most one read's time).
  void stop() {
    if (!thread.joinable()) return;
    {
      std::lock_guard<std::mutex> g(mu);
      stopping = true;
    }
    wake.notify_all();
    thread.join();
  }
};

void admin_api::impl::start_sampling() {
  sampler = std::make_shared<history_sampler>(ctx);
  sampler->thread = std::thread([s = sampler.get()] { s->run(); });
}

void admin_api::impl::stop_sampling() {
  if (sampler) sampler->stop();
}

void admin_api::impl::system_history(const answer& a) {
  a.json_body(200,
              sampler ? sampler->history.to_json() : history_json({}, sample_history::interval_s));
}

}  // namespace vouch::engine
