#include "tools/lever-sim/control_api.hpp"

#include <cstdint>
#include <optional>

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
    ctx.data.set_initial_stage(opp, b["stage"].get<std::string>());
  }
  return make_result(201, {{"data", opp}});
}

// When a recruiter acts in Lever's UI, and whether Lever's webhook about it arrives.
struct recruiter_action {
  int64_t at = 0;    ///< "at" (ms), default now; backdating lets tests place it in a window
  bool send = true;  ///< "webhook": false simulates a webhook Lever lost
};

std::optional<api_result> read_action(const json& b, recruiter_action& act) {
  const json at = b.value("at", json(nullptr));
  if (!at.is_null() && !at.is_number_integer()) return bad("at must be a timestamp in ms");
  act.at = at.is_null() ? sim::now_ms() : at.get<int64_t>();
  const json send = b.value("webhook", json(true));
  if (!send.is_boolean()) return bad("webhook must be true or false");
  act.send = send.get<bool>();
  return std::nullopt;
}

// What became of the webhook, for the answer's "webhook" field.
std::string announce(control_context& ctx, const lever_event& ev, bool send) {
  return send ? to_string(ctx.hooks.emit(ev)) : "suppressed";
}

// A recruiter drags the card: the stage changes and candidateStageChange goes out.
api_result move(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  recruiter_action act;
  if (auto err = read_action(b, act)) return *err;
  std::string oid = str(b, "opportunity"), stage = str(b, "stage");
  json user = str(b, "user", "user-recruiter");
  lever_event ev;
  json opp;
  {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    json* o = ctx.data.opportunities.find(oid);
    if (!o) return not_found("opportunities " + oid);
    if (!ctx.data.has_stage(stage)) return bad("unknown stage '" + stage + "'");
    ev = move_stage(ctx.data, *o, stage, act.at, user, false);
    opp = *o;
  }
  return make_result(
      200, {{"data", opp}, {"updatedAt", act.at}, {"webhook", announce(ctx, ev, act.send)}});
}

// A recruiter marks the candidate hired: archived with a hired reason, candidateHired out.
// Silently (webhook: false) any archive reason goes, like an archive nobody heard about.
api_result hire(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  recruiter_action act;
  if (auto err = read_action(b, act)) return *err;
  std::string oid = str(b, "opportunity"), reason = str(b, "reason", hired_reason_id);
  json opp;
  {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    json* o = ctx.data.opportunities.find(oid);
    if (!o) return not_found("opportunities " + oid);
    const json* r = ctx.data.find_archive_reason(reason);
    if (!r) return bad("unknown archive reason: " + reason);
    if (act.send && (*r)["type"] != "hired") {
      return bad("not a hired-type archive reason: " + reason);
    }
    ctx.data.apply_archive(*o, reason, act.at);
    opp = *o;
  }
  lever_event ev{"candidateHired", hired_data(opp), false};
  return make_result(
      200, {{"data", opp}, {"archivedAt", act.at}, {"webhook", announce(ctx, ev, act.send)}});
}

json drop_json(const std::optional<drop_rule>& rule) {
  if (!rule) return nullptr;
  return {{"count", rule->count ? json(*rule->count) : json(nullptr)},
          {"event", rule->event.empty() ? json(nullptr) : json(rule->event)}};
}

// Like POST /_sim/faults: "count" defaults to 1, null drops until cleared.
api_result set_drop(control_context& ctx, const json& b) {
  if (!b.is_object()) return bad("body must be a JSON object");
  drop_rule rule;
  const json count = b.value("count", json(1));
  if (!count.is_null()) {
    if (!count.is_number_integer() || count.get<int64_t>() < 1) {
      return bad("count must be a positive integer or null");
    }
    rule.count = count.get<int64_t>();
  }
  const json event = b.value("event", json(nullptr));
  if (!event.is_null()) {
    if (event != "candidateStageChange" && event != "candidateHired") {
      return bad("event must be candidateStageChange, candidateHired or null");
    }
    rule.event = event.get<std::string>();
  }
  ctx.hooks.set_drop(rule);
  return make_result(200, {{"drop", drop_json(rule)}});
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

// /_sim/webhooks (config, deliveries) and /_sim/webhooks/drop (the drop switch).
std::optional<api_result> webhook_routes(control_context& ctx, const std::string& method,
                                         const std::vector<std::string>& segs, const json& body) {
  if (segs.size() == 2 && segs[1] == "drop") {
    if (method == "POST") return set_drop(ctx, body);
    if (method == "GET") return make_result(200, {{"drop", drop_json(ctx.hooks.drop())}});
    if (method == "DELETE") {
      ctx.hooks.set_drop(std::nullopt);
      return make_result(200, {{"drop", nullptr}});
    }
    return std::nullopt;
  }
  if (segs.size() != 1) return std::nullopt;
  if (method == "POST") return configure_webhooks(ctx, body);
  if (method == "GET") {
    return make_result(200, {{"config", config_json(ctx.hooks.config())},
                             {"drop", drop_json(ctx.hooks.drop())},
                             {"deliveries", ctx.hooks.deliveries()}});
  }
  if (method == "DELETE") {
    ctx.hooks.configure({});
    ctx.hooks.set_drop(std::nullopt);
    ctx.hooks.clear_deliveries();
    return make_result(200, {{"cleared", true}});
  }
  return std::nullopt;
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
  if (what == "webhooks") {
    if (auto r = webhook_routes(ctx, method, segs, body)) return *r;
  }
  if (segs.size() == 1 && what == "move" && method == "POST") return move(ctx, body);
  if (segs.size() == 1 && what == "hire" && method == "POST") return hire(ctx, body);
  return make_result(404,
                     {{"error", {{"code", "not_found"}, {"message", "no such control route"}}}});
}

}  // namespace vouch::lever_sim
