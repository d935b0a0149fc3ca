#include "tools/lever-sim/control_api.hpp"

#include "tools/lever-sim/lever_routes.hpp"

namespace vouch::lever_sim {

using sim::api_result;
using sim::make_result;

namespace {

api_result bad(const std::string& msg) {
  return make_result(400, {{"error", {{"code", "bad_request"}, {"message", msg}}}});
}

std::string str(const json& body, const char* key, const std::string& fallback = "") {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : fallback;
}

api_result add_key(control_context& ctx, const json& b) {
  if (!b.is_object() || str(b, "key").empty()) return bad("key is required");
  bool conf = b.value("confidential", false);
  std::lock_guard<std::mutex> lock(ctx.data_mu);
  ctx.data.add_key(str(b, "key"), conf);
  return make_result(201, {{"key", b["key"]}, {"confidential", conf}});
}

api_result add_opportunity(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  std::lock_guard<std::mutex> lock(ctx.data_mu);
  std::string posting = str(b, "posting");
  if (!posting.empty() && !ctx.data.postings.find(posting)) return bad("unknown posting");
  std::string owner = str(b, "owner", "user-owner-1");
  if (!ctx.data.users.find(owner)) return bad("unknown owner");
  std::string id = str(b, "id");
  if (id.empty()) id = "opp-sim-" + std::to_string(ctx.data.next_id());
  json& opp = ctx.data.add_opportunity(id, str(b, "name"), str(b, "email"), posting, owner,
                                       str(b, "phone", "+1 555 0100"), str(b, "contact"));
  if (b.contains("stage") && b["stage"].is_string()) {
    if (!ctx.data.has_stage(b["stage"].get<std::string>())) return bad("unknown stage");
    opp["stage"] = b["stage"];
  }
  return make_result(201, {{"data", opp}});
}

// A recruiter drags the card: the stage changes and candidateStageChange goes out.
api_result move(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  std::string oid = str(b, "opportunity"), stage = str(b, "stage");
  lever_event ev;
  json opp;
  {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    json* o = ctx.data.opportunities.find(oid);
    if (!o) return not_found("opportunities " + oid);
    if (!ctx.data.has_stage(stage)) return bad("unknown stage '" + stage + "'");
    ev = move_stage(*o, stage, false);
    opp = *o;
  }
  bool sent = ctx.hooks.emit(ev);
  return make_result(200, {{"data", opp}, {"webhook", sent ? "queued" : "not_configured"}});
}

// A recruiter marks the candidate hired: archived with a hired reason, candidateHired out.
api_result hire(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  std::string oid = str(b, "opportunity"), reason = str(b, "reason", hired_reason_id);
  json opp;
  {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    json* o = ctx.data.opportunities.find(oid);
    if (!o) return not_found("opportunities " + oid);
    const json* r = ctx.data.find_archive_reason(reason);
    if (!r || (*r)["type"] != "hired") return bad("not a hired-type archive reason: " + reason);
    (*o)["archived"] = {{"archivedAt", sim::now_ms()}, {"reason", reason}};
    opp = *o;
  }
  bool sent = ctx.hooks.emit({"candidateHired", hired_data(opp), false});
  return make_result(200, {{"data", opp}, {"webhook", sent ? "queued" : "not_configured"}});
}

api_result configure_webhooks(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  webhook_config cfg;
  cfg.stage_change_url = str(b, "stage_change_url");
  cfg.hired_url = str(b, "hired_url");
  cfg.stage_token = str(b, "stage_token");
  cfg.hired_token = str(b, "hired_token");
  cfg.api_stage_changes = b.value("api_stage_changes", false);
  ctx.hooks.configure(cfg);
  return make_result(200, {{"configured", true}});
}

json config_json(const webhook_config& c) {
  return {{"stage_change_url", c.stage_change_url},
          {"hired_url", c.hired_url},
          {"stage_token", c.stage_token},
          {"hired_token", c.hired_token},
          {"api_stage_changes", c.api_stage_changes}};
}

}  // namespace

api_result handle_control(control_context& ctx, const std::string& method,
                          const std::vector<std::string>& segs, const sim::query_map& query,
                          const json& body) {
  if (auto r = ctx.rec.handle_control(method, segs, query, body)) return *r;
  const std::string what = segs.empty() ? "" : segs[0];
  if (segs.size() == 1 && what == "keys" && method == "POST") return add_key(ctx, body);
  if (segs.size() == 1 && what == "opportunities" && method == "POST") {
    return add_opportunity(ctx, body);
  }
  if (segs.size() == 2 && what == "opportunities" && method == "GET") {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    const json* o = ctx.data.opportunities.find(segs[1]);
    return o ? make_result(200, {{"data", *o}}) : not_found("opportunities " + segs[1]);
  }
  if (segs.size() == 2 && what == "notes" && method == "GET") {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    auto it = ctx.data.notes.find(segs[1]);
    if (it == ctx.data.notes.end()) return not_found("opportunities " + segs[1]);
    json values = json::array();
    for (const auto& n : it->second) {
      for (const auto& f : n["fields"]) values.push_back(f["value"]);
    }
    return make_result(200, {{"notes", it->second}, {"values", values}});
  }
  if (segs.size() == 1 && what == "webhooks") {
    if (method == "POST") return configure_webhooks(ctx, body);
    if (method == "GET") {
      return make_result(200, {{"config", config_json(ctx.hooks.config())},
                               {"deliveries", ctx.hooks.deliveries()}});
    }
    if (method == "DELETE") {
      ctx.hooks.configure({});
      ctx.hooks.clear_deliveries();
      return make_result(200, {{"cleared", true}});
    }
  }
  if (segs.size() == 1 && what == "move" && method == "POST") return move(ctx, body);
  if (segs.size() == 1 && what == "hire" && method == "POST") return hire(ctx, body);
  return make_result(404,
                     {{"error", {{"code", "not_found"}, {"message", "no such control route"}}}});
}

}  // namespace vouch::lever_sim
