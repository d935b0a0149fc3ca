// Engine figures for the console's system view.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

/// {count, mean, p50, p90, p99} of one histogram, the percentiles as the upper bound of
/// the bucket that holds them (null when nothing observed).
json histogram_summary(const actors::metrics::histogram_view& h) {
  json out = {
      {"count", h.total}, {"mean", nullptr}, {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}};
  if (h.total == 0) return out;
  out["mean"] = h.sum / static_cast<double>(h.total);
  auto pct = [&](double q) -> json {
    const double want = q * static_cast<double>(h.total);
    for (std::size_t i = 0; i < h.bounds.size(); ++i)
      if (static_cast<double>(h.counts[i]) >= want) return h.bounds[i];
    return "+Inf";
  };
  out["p50"] = pct(0.5);
  out["p90"] = pct(0.9);
  out["p99"] = pct(0.99);
  return out;
}

}  // namespace

// -- system --------------------------------------------------------------------------------------

void admin_api::impl::system(const answer& a) {
  json sys = json::object();
  if (ctx.port) {
    const std::string raw = ctx.port->system_json();
    json parsed = json::parse(raw, nullptr, false);
    if (parsed.is_object())
      sys = std::move(parsed);
    else
      sys["engine"] = raw;
  }
  const auto st = ctx.db->stats();
  json tables = json::object();
  for (const auto& t : st.tables) tables[t.name] = t.entries;
  sys["storage"] = {{"map_size", st.map_size},
                    {"used_bytes", st.used_bytes},
                    {"page_size", st.page_size},
                    {"entries", std::move(tables)}};
  uint64_t pending = 0, dead = 0;
  for (const auto& cmd : storage::list_commands(*ctx.db))
    ++(cmd.status == core::command_status::dead ? dead : pending);
  sys["outbox"] = {{"pending", pending}, {"dead", dead}};
  // Actors per org: resident (from the router) next to the total stored.
  std::map<std::string, uint64_t> total_by_org;
  ctx.db->scan(storage::table::candidates, {}, {}, [&](std::string_view key, std::string_view) {
    ++total_by_org[std::string(key.substr(0, key.find('\0')))];
    return true;
  });
  if (!sys.contains("actors") || !sys["actors"].is_object()) sys["actors"] = json::object();
  json& actors_j = sys["actors"];
  json by_org = json::object();
  for (const auto& [org, total] : total_by_org) {
    uint64_t resident = 0;
    if (actors_j.contains("resident_by_org") && actors_j["resident_by_org"].is_object() &&
        actors_j["resident_by_org"].contains(org) && actors_j["resident_by_org"][org].is_number())
      resident = actors_j["resident_by_org"][org].get<uint64_t>();
    by_org[org] = {{"resident", resident}, {"total", total}};
  }
  actors_j["by_org"] = std::move(by_org);
  if (!actors_j.contains("total")) actors_j["total"] = ctx.db->count(storage::table::candidates);
  // Group-commit batch sizes, summarised from the histogram the store actor fills.
  if (!sys.contains("store") || !sys["store"].is_object()) sys["store"] = json::object();
  sys["store"]["commit_batch"] =
      histogram_summary(ctx.stats.histogram("vouch_lmdb_commit_batch_size"));
  sys["store"]["commit_seconds"] =
      histogram_summary(ctx.stats.histogram("vouch_lmdb_commit_seconds"));
  sys["ready"] = ctx.ready.load();
  sys["draining"] = ctx.draining.load();
  a.json_body(200, sys);
}

}  // namespace vouch::engine
