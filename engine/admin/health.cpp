// Connection health: the key check, the org's health and the breakers.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

json admin_api::impl::lever_health(const std::string& org) const {
  const auto l = ctx.health.get(org).lever;
  auto ms = [](int64_t v) { return v ? json(v) : json(nullptr); };
  return {{"status", l.status},
          {"checked_at", ms(l.checked_at)},
          {"error", l.error.empty() ? json(nullptr) : json(l.error)}};
}

void admin_api::impl::check_key(const std::string& org, std::function<void(json)> done) {
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view || view->api_key.empty()) {
    ctx.health.lever_answered(org, 401, "no API key is set", now_ms());
    return done(lever_health(org));
  }
  net::client_request req;
  req.url = strip_trailing_slashes(view->lever_base_url) + "/stages?limit=1";
  // Bounded: the operator waits for this answer.
  req.timeout = std::min<std::chrono::milliseconds>(ctx.cfg.lever.timeout, std::chrono::seconds(5));
  req.basic_user = view->api_key;
  req.headers.emplace_back("Accept", "application/json");
  auto self = shared_from_this();
  lever_call(std::move(req), [self, org, done](net::client_response res) {
    std::string error = res.error;
    if (res.status != 0) {
      error = "Lever answered HTTP " + std::to_string(res.status);
      json body = json::parse(res.body, nullptr, false);
      if (body.is_object() && body.contains("message") && body["message"].is_string())
        error += ": " + body["message"].get<std::string>();
    }
    self->ctx.health.lever_answered(org, res.status, error, now_ms());
    done(self->lever_health(org));
  });
}

json admin_api::impl::breaker_list() {
  json list = ctx.port ? json::parse(ctx.port->breakers_json(), nullptr, false) : json::array();
  if (!list.is_array()) list = json::array();
  // Which orgs use each Lever key: the breaker is the key's, the operator thinks in orgs.
  std::map<std::string, json> orgs_of;
  if (ctx.orgs)
    for (const auto& id : ctx.orgs->ids())
      if (auto v = ctx.orgs->find(id); v && !v->api_key.empty())
        orgs_of[actors::lever_target_name(v->api_key)].push_back(id);
  for (auto& b : list) {
    if (!b.is_object() || !b.contains("target") || !b["target"].is_string()) continue;
    auto it = orgs_of.find(b["target"].get<std::string>());
    b["orgs"] = it == orgs_of.end() ? json::array() : it->second;
  }
  return list;
}

void admin_api::impl::breakers(const answer& a) {
  a.json_body(200, {{"items", breaker_list()}, {"next_cursor", nullptr}});
}

void admin_api::impl::org_health(const std::string& org, const answer& a) {
  auto rec = storage::load_org(*ctx.db, org);
  if (!rec) return a.not_found("no org " + org);
  const auto h = ctx.health.get(org);
  auto ms = [](int64_t v) { return v ? json(v) : json(nullptr); };
  auto hook = [&](const actors::webhook_seen& w) {
    return json{{"last_at", ms(w.last_at)}, {"rejected_last_at", ms(w.rejected_last_at)}};
  };
  std::string breaker = "closed";
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (view && !view->api_key.empty()) {
    const auto name = actors::lever_target_name(view->api_key);
    for (const auto& b : breaker_list())
      if (b.value("target", std::string{}) == name) breaker = b.value("state", breaker);
  }
  a.json_body(200,
              {{"org", org},
               {"connected", rec->connected},
               {"lever", lever_health(org)},
               {"webhooks", {{"stage_change", hook(h.stage_change)}, {"hired", hook(h.hired)}}},
               {"reconcile", reconcile_health(org)},
               {"breaker", breaker}});
}

json admin_api::impl::reconcile_health(const std::string& org) const {
  auto ms = [](int64_t v) { return v ? json(v) : json(nullptr); };
  // The newest pass since start is in memory (its record may not be stored yet); before
  // the first pass since start, the stored one.
  auto r = ctx.health.last_catch_up(org);
  if (!r) r = storage::load_reconcile(*ctx.db, org);
  if (!r)  // never connected (or connected before catch-up existed: the first pass starts it)
    return {{"cursor", nullptr},
            {"last_pass_at", nullptr},
            {"last_pass_ok", nullptr},
            {"last_error", nullptr},
            {"found_total", 0},
            {"last_found", nullptr},
            {"last_found_at", nullptr},
            {"started_at", nullptr},
            {"last_duration_ms", nullptr},
            {"every_ms", ctx.cfg.lever.reconcile_every.count()}};
  const bool ran = r->last_pass_at != 0;
  return {{"cursor", ms(r->cursor)},
          {"last_pass_at", ms(r->last_pass_at)},
          {"last_pass_ok", ran ? json(r->last_pass_ok) : json(nullptr)},
          {"last_error", r->last_error.empty() ? json(nullptr) : json(r->last_error)},
          {"found_total", r->found_total},
          {"last_found", ran ? json(r->last_found) : json(nullptr)},
          {"last_found_at", ms(r->last_found_at)},
          {"started_at", ms(r->started_at)},
          {"last_duration_ms", ran ? json(r->last_duration_ms) : json(nullptr)},
          {"every_ms", ctx.cfg.lever.reconcile_every.count()}};
}

void admin_api::impl::reconcile_now(const std::string& org, const answer& a) {
  auto rec = storage::load_org(*ctx.db, org);
  if (!rec) return a.not_found("no org " + org);
  if (!rec->connected)
    return a.error(409, "not_connected", "org " + org + " is not connected to Lever");
  if (!ctx.port || !ctx.port->reconcile(org))
    return a.error(503, "unavailable", "the engine is not running");
  a.json_body(202, {{"org", org}, {"queued", true}});
}

}  // namespace vouch::engine
