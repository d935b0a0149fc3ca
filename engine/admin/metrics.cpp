// GET /metrics: the engine's counters, the figures counted at scrape time (candidates by
// state per org, dead letters per org, LMDB map use, Lever connection health) and the
// standard process metrics.
#include "engine/admin/impl.hpp"
#include "engine/process_metrics.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

/// The census reads the by_change index (one byte per candidate) and the outbox; at 10
/// million candidates that is about a second of one core, so it runs at most this often
/// whatever the scrape interval.
constexpr int64_t census_every_ms = 15'000;

constexpr std::size_t state_count = static_cast<std::size_t>(core::cand_state::needs_attention) + 1;

void census(actors::engine_context& ctx) {
  std::map<std::string, std::array<uint64_t, state_count>> by_org;
  ctx.db->scan(storage::table::by_change, {}, {}, [&](std::string_view k, std::string_view v) {
    if (v.size() == 1 && static_cast<uint8_t>(v[0]) < state_count)
      ++by_org[std::string(k.substr(0, k.find('\0')))][static_cast<uint8_t>(v[0])];
    return true;
  });
  std::map<std::string, uint64_t> dead;
  for (const auto& o : storage::list_orgs(*ctx.db)) {
    by_org.try_emplace(o.id);
    dead[o.id] = 0;
  }
  for (const auto& cmd : storage::list_commands(*ctx.db))
    if (cmd.status == core::command_status::dead) ++dead[cmd.org];
  ctx.stats.clear("vouch_candidates");
  for (const auto& [org, counts] : by_org)
    for (std::size_t s = 0; s < counts.size(); ++s)
      ctx.stats.set(
          "vouch_candidates",
          "org=\"" + org + "\",state=\"" + core::to_string(static_cast<core::cand_state>(s)) + "\"",
          static_cast<double>(counts[s]));
  ctx.stats.clear("vouch_commands_dead");
  for (const auto& [org, n] : dead)
    ctx.stats.set("vouch_commands_dead", "org=\"" + org + "\"", static_cast<double>(n));
}

}  // namespace

void admin_api::impl::metrics_page(const answer& a) {
  const auto now = now_ms();
  {
    std::lock_guard<std::mutex> g(census_mu);
    if (now - census_at >= census_every_ms) {
      census(ctx);
      census_at = now;
    }
  }
  const auto st = ctx.db->stats();
  ctx.stats.set("vouch_lmdb_map_size_bytes", "", static_cast<double>(st.map_size));
  ctx.stats.set("vouch_lmdb_used_bytes", "", static_cast<double>(st.used_bytes));
  if (ctx.db->journaled()) {
    const auto j = ctx.db->journal_info();
    ctx.stats.set("vouch_journal_lag_sets", "", static_cast<double>(j.journaled - j.applied));
    ctx.stats.set("vouch_journal_bytes", "", static_cast<double>(j.bytes));
    ctx.stats.set("vouch_journal_apply_blocked", "", j.full ? 1.0 : 0.0);
  }
  ctx.health.publish(ctx.stats, now);
  net::http_response res;
  res.content_type = "text/plain; version=0.0.4";
  res.body = ctx.stats.render() + render_process_metrics();
  a.send(std::move(res));
}

}  // namespace vouch::engine
