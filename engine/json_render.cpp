#include "engine/json_render.hpp"

#include <algorithm>
#include <cstdint>

namespace vouch::engine {

using nlohmann::json;

namespace {

/// "" is "absent" in the records; the API says so with null.
json or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

const char* set_or_unset(const std::string& sealed) {
  return sealed.empty() ? "unset" : "set";
}

}  // namespace

// -- candidates ----------------------------------------------------------------------

json render_history_entry(const core::history_entry& h) {
  return {{"seq", h.seq},   {"at", h.at}, {"event", h.event},
          {"from", h.from}, {"to", h.to}, {"detail", h.detail}};
}

json render_candidate(const core::candidate_record& c, bool full,
                      const std::vector<core::history_entry>& history,
                      const std::vector<core::command>& commands) {
  json j = {
      {"org", c.org},
      {"opportunity_id", c.opp},
      {"state", core::to_string(c.state)},
      {"reason", or_null(c.reason)},
      {"hired", c.hired},
      {"hired_at", c.hired_at == 0 ? json(nullptr) : json(c.hired_at)},
      {"request_id", or_null(c.request_id)},
      {"report_url", or_null(c.report_url)},
      {"template_id", or_null(c.template_id)},
      {"owner", {{"id", c.owner.id}, {"name", c.owner.name}, {"email", c.owner.email}}},
      {"name", c.name},
      {"email", c.email},
      {"posting", {{"id", c.posting_id}, {"title", c.posting_title}, {"tags", c.posting_tags}}},
      {"created_at", c.created_at},
      {"updated_at", c.updated_at},
  };
  if (!full) return j;
  json h = json::array();
  for (const auto& e : history) h.push_back(render_history_entry(e));
  json t = json::array();
  for (const auto& e : c.timers) t.push_back({{"kind", core::to_string(e.kind)}, {"due", e.due}});
  json cmds = json::array();
  for (const auto& e : commands) cmds.push_back(render_command(e));
  j["history"] = std::move(h);
  j["timers"] = std::move(t);
  j["commands"] = std::move(cmds);
  return j;
}

// -- outbox ------------------------------------------------------------------------------

json render_command(const core::command& c) {
  json attempts = json::array();
  for (const auto& a : c.recent_attempts)
    attempts.push_back({{"at", a.at},
                        {"http_status", a.http_status ? json(a.http_status) : json(nullptr)},
                        {"outcome", a.outcome},
                        {"error", or_null(a.error)}});
  return {{"id", c.id},
          {"org", c.org},
          {"opportunity_id", c.opp},
          {"kind", core::to_string(c.kind)},
          {"attempts", c.attempts},
          {"next_at", c.next_at},
          {"status", core::to_string(c.status)},
          {"last_error", or_null(c.last_error)},
          {"created_at", c.created_at},
          {"recent_attempts", std::move(attempts)}};
}

// -- exports -----------------------------------------------------------------------------

json render_export(const core::export_record& e) {
  const auto finished = e.done + e.failed + e.skipped;
  const double secs =
      static_cast<double>(std::max<int64_t>(e.updated_at - e.created_at, 1)) / 1000.0;
  const double rate = static_cast<double>(finished) / secs;
  json body = {{"id", e.id},
               {"org", e.org},
               {"state", core::to_string(e.state)},
               {"total", e.total},
               {"done", e.done},
               {"failed", e.failed},
               {"skipped", e.skipped},
               {"rate_per_s", rate},
               {"eta_s", nullptr},
               {"failures", e.failures},
               {"created_at", e.created_at},
               {"updated_at", e.updated_at}};
  if (e.state == core::export_state::running && rate > 0 && e.total >= finished)
    body["eta_s"] = static_cast<double>(e.total - finished) / rate;
  return body;
}

// -- orgs --------------------------------------------------------------------------------

json render_org(const core::org_record& o) {
  return {{"id", o.id},
          {"name", o.name},
          {"connected", o.connected},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

json render_lever_connection(const core::org_record& o) {
  const auto& c = o.conn;
  return {{"connected", o.connected},
          {"api_key", set_or_unset(c.api_key_sealed)},
          {"stage_change_signature_token", set_or_unset(c.stage_token_sealed)},
          {"hired_signature_token", set_or_unset(c.hired_token_sealed)},
          {"trigger_stage_ids", c.trigger_stage_ids},
          {"perform_as", c.perform_as},
          {"hired_archive_reason_id", or_null(c.hired_archive_reason_id)},
          {"export_existing_prospects", c.export_existing_prospects},
          {"auto_export_new_prospects", c.auto_export_new_prospects},
          {"base_url", or_null(c.base_url)}};
}

}  // namespace vouch::engine
