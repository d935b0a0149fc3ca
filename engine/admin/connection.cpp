// An org's Lever connection: read, save (then check the key live), its live stage list.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

// -- Lever connection ---------------------------------------------------------------------

/// A validated PUT /lever body. Secrets: nullopt keeps the stored value, "" clears it.
struct lever_put {
  std::optional<std::string> api_key, stage_token, hired_token;
  std::optional<std::vector<std::string>> trigger_stage_ids;  ///< nullopt: keep (omitted)
  std::string perform_as, hired_archive_reason_id, base_url;
  bool export_existing = false, auto_export = false;
};

core::result<lever_put> parse_lever_put(const json& body) {
  object_reader r(body, "",
                  {"api_key", "stage_change_signature_token", "hired_signature_token",
                   "trigger_stage_ids", "perform_as", "hired_archive_reason_id",
                   "export_existing_prospects", "auto_export_new_prospects", "base_url"});
  if (auto st = r.status(); !st.ok()) return st.error();
  lever_put p;
  auto secret = [&](const char* key) -> std::optional<std::string> {
    if (!r.find(key)) return std::nullopt;
    return r.str(key);
  };
  p.api_key = secret("api_key");
  p.stage_token = secret("stage_change_signature_token");
  p.hired_token = secret("hired_signature_token");
  if (body.contains("trigger_stage_ids")) {
    const json& ids = body["trigger_stage_ids"];
    if (!ids.is_array()) return bad("trigger_stage_ids", "expected an array of stage id strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!ids[i].is_string() || ids[i].get_ref<const std::string&>().empty())
        return bad("trigger_stage_ids[" + std::to_string(i) + "]", "expected a non-empty string");
      out.push_back(ids[i].get<std::string>());
    }
    p.trigger_stage_ids = std::move(out);
  }
  p.perform_as = r.str("perform_as");
  p.hired_archive_reason_id = r.str("hired_archive_reason_id");
  p.export_existing = r.boolean("export_existing_prospects", false);
  p.auto_export = r.boolean("auto_export_new_prospects", false);
  p.base_url = strip_trailing_slashes(r.str("base_url"));
  if (!p.base_url.empty() && p.base_url.rfind("http://", 0) != 0 &&
      p.base_url.rfind("https://", 0) != 0)
    r.fail("base_url", "expected an http:// or https:// URL or null");
  if (auto st = r.status(); !st.ok()) return st.error();
  return p;
}

}  // namespace

// -- Lever connection --------------------------------------------------------------------------

void admin_api::impl::get_lever(const std::string& org, const answer& a) {
  auto rec = storage::load_org(*ctx.db, org);
  if (!rec) return a.not_found("no org " + org);
  a.json_body(200, render_lever_connection(*rec));
}

void admin_api::impl::put_lever(const std::string& org, const call& c, const answer& a) {
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  auto parsed = parse_lever_put(*body);
  if (!parsed) return a.invalid(parsed.error());
  const lever_put p = std::move(*parsed);
  exclusive(
      [this, org, p, a](slot_ptr slot) {
        auto cur = storage::load_org(*ctx.db, org);
        if (!cur) return a.not_found("no org " + org);
        core::org_record rec = *cur;
        if (!rec.connected && !p.trigger_stage_ids)
          return a.invalid(bad("trigger_stage_ids", "required when connecting an org to Lever"));
        auto& conn = rec.conn;
        const std::string& key = ctx.master_key;
        if (p.api_key) conn.api_key_sealed = actors::seal_secret(key, org, "api_key", *p.api_key);
        if (p.stage_token)
          conn.stage_token_sealed = actors::seal_secret(key, org, "stage_token", *p.stage_token);
        if (p.hired_token)
          conn.hired_token_sealed = actors::seal_secret(key, org, "hired_token", *p.hired_token);
        if (p.trigger_stage_ids) conn.trigger_stage_ids = *p.trigger_stage_ids;
        conn.perform_as = p.perform_as;
        conn.hired_archive_reason_id = p.hired_archive_reason_id;
        conn.export_existing_prospects = p.export_existing;
        conn.auto_export_new_prospects = p.auto_export;
        conn.base_url = p.base_url;
        rec.connected = true;
        rec.updated_at = now_ms();
        storage::write_set ws;
        storage::put_org(ws, rec);
        // Catch-up starts here: changes Lever made before the first save are left alone
        // (candidates already sitting in a trigger stage get no request from us).
        if (!storage::load_reconcile(*ctx.db, org)) {
          core::reconcile_record start;
          start.org = org;
          start.started_at = start.cursor = rec.updated_at;
          storage::put_reconcile(ws, start);
        }
        json body = render_lever_connection(rec);
        const bool export_existing = p.export_existing;
        // Once committed, check the key with one live call and answer with its health: a
        // key Lever refuses is stored all the same (the operator sees why at once).
        answer then = a;
        auto self = shared_from_this();
        then.then = [self, org, a, export_existing](net::http_response res) {
          if (res.status != 200) return a.send(std::move(res));
          auto finish = [self, org, a](net::http_response res, json extra) {
            self->check_key(org, [a, res, extra](json health) mutable {
              json body = json::parse(res.body, nullptr, false);
              if (body.is_object()) {
                body["health"] = std::move(health);
                body.update(extra);
                res.body = dump(body);
              }
              a.send(std::move(res));
            });
          };
          if (!export_existing || !self->ctx.port) return finish(std::move(res), json::object());
          // export_existing_prospects: once the connection is saved, the prospect owner
          // starts the bulk export (a failure says so; the PUT may be sent again).
          self->ctx.port->start_export(org, [finish, res](bool ok, const std::string& id) {
            finish(res, ok ? json{{"export_id", id}} : json{{"export_error", id}});
          });
        };
        commit(std::move(ws), org, then, slot, 200, std::move(body));
      },
      a);
}

void admin_api::impl::lever_stages(const std::string& org, const answer& a) {
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view || !view->rec.connected || view->api_key.empty())
    return a.error(409, "not_connected", "org " + org + " has no Lever API key");
  fetch_stages(strip_trailing_slashes(view->lever_base_url), view->api_key, {}, json::array(), 0,
               a);
}

void admin_api::impl::fetch_stages(std::string base, std::string key, std::string offset,
                                   json items, int pages, answer a) {
  constexpr int max_pages = 20;  // accounts have tens of stages; this only bounds a loop
  net::client_request req;
  req.url = base + "/stages" + (offset.empty() ? "" : "?offset=" + net::url_encode(offset));
  req.timeout = ctx.cfg.lever.timeout;
  req.basic_user = key;
  req.headers.emplace_back("Accept", "application/json");
  auto self = shared_from_this();
  // Answered from the client's thread: parsing a stage list is short.
  lever_call(std::move(req), [self, base, key, items = std::move(items), pages,
                              a](net::client_response res) mutable {
    try {
      if (res.status == 0) return a.error(502, "lever_error", "Lever unreachable: " + res.error);
      json body = json::parse(res.body, nullptr, false);
      if (res.status < 200 || res.status >= 300) {
        std::string msg = "Lever answered HTTP " + std::to_string(res.status);
        if (body.is_object() && body.contains("message") && body["message"].is_string())
          msg += ": " + body["message"].get<std::string>();
        return a.error(502, "lever_error", msg);
      }
      if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
        return a.error(502, "lever_error", "Lever answered a stage list without \"data\"");
      for (const auto& s : body["data"]) {
        if (!s.is_object() || !s.contains("id") || !s["id"].is_string()) continue;
        const auto text = s.contains("text") && s["text"].is_string() ? s["text"] : json("");
        items.push_back({{"id", s["id"]}, {"text", text}});
      }
      const bool more = body.contains("hasNext") && body["hasNext"] == true &&
                        body.contains("next") && body["next"].is_string() &&
                        !body["next"].get_ref<const std::string&>().empty();
      if (more && pages + 1 < max_pages)
        return self->fetch_stages(base, key, body["next"].get<std::string>(), std::move(items),
                                  pages + 1, a);
      a.json_body(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
    } catch (const std::exception& e) {
      a.error(502, "lever_error", e.what());
    }
  });
}

}  // namespace vouch::engine
