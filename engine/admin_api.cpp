// The admin API's entry: authentication, the route table and the write slot. Each
// resource's handlers are in engine/admin/.
#include "engine/admin/impl.hpp"
#include "engine/openapi_doc.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

/// Names the token in logs without revealing it: the first 12 hex digits of an HMAC of it
/// (the same token always gives the same fingerprint; the fingerprint gives nothing back).
std::string token_fingerprint(const std::string& token) {
  return core::hex_lower(core::hmac_sha256("vouch-admin-token-fingerprint", token)).substr(0, 12);
}

}  // namespace

admin_api::admin_api(actors::engine_context& ctx, net::http_client& http)
    : impl_(std::make_shared<impl>(ctx, http)) {
  impl_->start_sampling();
}

admin_api::~admin_api() {
  impl_->stop_sampling();
}

void admin_api::handle(net::http_request&& req, net::responder respond) {
  answer a{std::move(respond), &impl_->ctx.stats, "unknown", {}, {}};
  try {
    impl_->handle(std::move(req), a);
  } catch (const std::exception& e) {  // a library's throw (nlohmann::json, std::bad_alloc)
    a.error(500, "internal", e.what());
  }
}

void admin_api::impl::handle(net::http_request&& req, answer& a) {
  // Unauthenticated: the console page (it holds no data) and the metrics for scrapers.
  if (req.path == "/metrics") {
    a.route = "metrics";
    if (req.method != "GET") return a.error(405, "method_not_allowed", "use GET");
    return metrics_page(a);
  }
  if (req.path == "/admin" || req.path == "/admin/") {
    a.route = "console";
    if (req.method != "GET") return a.error(405, "method_not_allowed", "use GET");
    net::http_response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string(admin_console_html());
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Content-Security-Policy", std::string(admin_console_csp()));
    return a.send(std::move(res));
  }
  // Unauthenticated too, like the console page: the API's description holds no data, and
  // tools (client generators, a browser exploring the API) fetch it before they have a token.
  if (req.path == "/admin/v1/openapi.json") {
    a.route = "openapi";
    if (req.method != "GET") return a.error(405, "method_not_allowed", "use GET");
    net::http_response res;  // application/json by default
    res.body = std::string(openapi_document());
    return a.send(std::move(res));
  }
  if (!authorized(req, a)) return;
  if (req.method != "GET" && req.method != "HEAD")
    a.audit = fmt::format("method={} path={:?} token={}", req.method, req.path,
                          token_fingerprint(ctx.cfg.security.admin_token));

  const std::string prefix = "/admin/v1/";
  if (req.path.compare(0, prefix.size(), prefix) != 0) return a.not_found("no route " + req.path);
  call c;
  c.method = req.method;
  std::string_view rest(req.path);
  rest.remove_prefix(prefix.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    c.seg.push_back(net::url_decode(rest.substr(0, slash)));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  for (auto& [k, v] : net::parse_query(req.query)) c.query.emplace(k, v);  // first one wins
  c.body = std::move(req.body);
  route(c, a);
}

bool admin_api::impl::authorized(const net::http_request& req, const answer& a) const {
  const std::string& token = ctx.cfg.security.admin_token;
  if (token.empty()) {
    a.error(401, "unauthorized", "the admin API is disabled: security.admin_token is empty");
    return false;
  }
  const std::string& h = req.header("authorization");
  const std::string scheme = "Bearer ";
  const bool has_scheme =
      h.size() > scheme.size() && core::to_lower_ascii(h.substr(0, scheme.size())) == "bearer ";
  if (!has_scheme || !core::constant_time_equal(h.substr(scheme.size()), token)) {
    spdlog::warn("msg=admin_refused method={} path={:?} why={}", req.method, req.path,
                 has_scheme ? "wrong_token" : "no_token");
    a.error(401, "unauthorized", "missing or wrong bearer token");
    return false;
  }
  return true;
}

bool admin_api::impl::method_is(const call& c, std::initializer_list<const char*> allowed,
                                const answer& a) {
  std::string list;
  for (const char* m : allowed) {
    if (c.method == m) return true;
    list += list.empty() ? m : std::string(", ") + m;
  }
  net::http_response res;
  res.status = 405;
  res.headers.emplace_back("Allow", list);
  res.body = dump({{"error",
                    {{"code", "method_not_allowed"},
                     {"message", c.method + " is not allowed here; use " + list}}}});
  a.send(std::move(res));
  return false;
}

void admin_api::impl::route(call& c, answer& a) {
  const auto& s = c.seg;
  const std::size_t n = s.size();
  auto is = [&](std::size_t i, const char* word) { return n > i && s[i] == word; };

  if (n == 1 && is(0, "orgs")) {
    a.route = "orgs";
    if (method_is(c, {"GET"}, a)) list_orgs(c, a);
    return;
  }
  if (n >= 2 && is(0, "orgs")) {
    const std::string& org = s[1];
    if (n == 2) {
      a.route = "org";
      if (!method_is(c, {"GET", "PUT"}, a)) return;
      return c.method == "GET" ? get_org(org, a) : put_org(org, c, a);
    }
    if (!org_exists(org)) {
      a.route = "org_unknown";
      return a.not_found("no org " + org);
    }
    if (n == 3 && is(2, "lever")) {
      a.route = "lever";
      if (!method_is(c, {"GET", "PUT"}, a)) return;
      return c.method == "GET" ? get_lever(org, a) : put_lever(org, c, a);
    }
    if (n == 4 && is(2, "lever") && is(3, "stages")) {
      a.route = "lever_stages";
      if (method_is(c, {"GET"}, a)) lever_stages(org, a);
      return;
    }
    if (n == 3 && is(2, "webhook-urls")) {
      a.route = "webhook_urls";
      if (method_is(c, {"GET"}, a)) webhook_urls(org, a);
      return;
    }
    if (n == 3 && is(2, "templates")) {
      a.route = "templates";
      if (!method_is(c, {"GET", "POST"}, a)) return;
      return c.method == "GET" ? list_templates(org, c, a) : create_template(org, c, a);
    }
    if (n == 4 && is(2, "templates") && is(3, "match")) {
      a.route = "template_match";
      if (method_is(c, {"GET"}, a)) match_template(org, c, a);
      return;
    }
    if (n == 4 && is(2, "templates")) {
      a.route = "template";
      if (!method_is(c, {"GET", "PUT", "DELETE"}, a)) return;
      if (c.method == "GET") return get_template(org, s[3], a);
      if (c.method == "PUT") return put_template(org, s[3], c, a);
      return delete_template(org, s[3], a);
    }
    if (n == 3 && is(2, "candidates")) {
      a.route = "candidates";
      if (method_is(c, {"GET"}, a)) list_candidates(org, c, a);
      return;
    }
    if (n >= 4 && is(2, "candidates"))
      if (const char* why = core::external_id_problem(s[3]))
        return a.invalid(bad("opportunity id", why));
    if (n == 4 && is(2, "candidates")) {
      a.route = "candidate";
      if (method_is(c, {"GET"}, a)) get_candidate(org, s[3], a);
      return;
    }
    if (n == 5 && is(2, "candidates") && (is(4, "resend") || is(4, "retry"))) {
      a.route = "candidate_" + s[4];
      if (!method_is(c, {"POST"}, a)) return;
      if (auto st = parse_empty_body(c.body); !st.ok()) return a.invalid(st.error());
      candidate_action(org, s[3], s[4] == "resend", a);
      return;
    }
    if (n == 3 && is(2, "reconcile")) {
      a.route = "org_reconcile";
      if (method_is(c, {"POST"}, a)) {
        if (auto st = parse_empty_body(c.body); !st.ok()) return a.invalid(st.error());
        reconcile_now(org, a);
      }
      return;
    }
    if (n == 3 && is(2, "health")) {
      a.route = "org_health";
      if (method_is(c, {"GET"}, a)) org_health(org, a);
      return;
    }
    if (n == 3 && is(2, "exports")) {
      a.route = "exports";
      if (!method_is(c, {"GET", "POST"}, a)) return;
      if (c.method == "GET") return list_exports(org, c, a);
      if (auto st = parse_empty_body(c.body); !st.ok()) return a.invalid(st.error());
      return start_export(org, a);
    }
  }
  if (n == 2 && is(0, "exports")) {
    a.route = "export";
    if (method_is(c, {"GET"}, a)) get_export(s[1], a);
    return;
  }
  if (n == 3 && is(0, "exports") && is(2, "cancel")) {
    a.route = "export_cancel";
    if (method_is(c, {"POST"}, a)) cancel_export(s[1], a);
    return;
  }
  if (n == 1 && is(0, "outbox")) {
    a.route = "outbox";
    if (method_is(c, {"GET"}, a)) list_outbox(c, a);
    return;
  }
  if (n == 2 && is(0, "outbox") && is(1, "retry")) {
    a.route = "outbox_retry_many";
    if (method_is(c, {"POST"}, a)) retry_many(c, a);
    return;
  }
  if (n == 1 && is(0, "breakers")) {
    a.route = "breakers";
    if (method_is(c, {"GET"}, a)) breakers(a);
    return;
  }
  if (n == 3 && is(0, "outbox") && is(2, "retry")) {
    a.route = "outbox_retry";
    if (method_is(c, {"POST"}, a)) retry_command(s[1], a);
    return;
  }
  if (n == 1 && is(0, "backup")) {
    a.route = "backup";
    if (method_is(c, {"POST"}, a)) backup(c, a);
    return;
  }
  if (n == 1 && is(0, "system")) {
    a.route = "system";
    if (method_is(c, {"GET"}, a)) system(a);
    return;
  }
  if (n == 2 && is(0, "system") && is(1, "history")) {
    a.route = "system_history";
    if (method_is(c, {"GET"}, a)) system_history(a);
    return;
  }
  a.not_found("no route /admin/v1/" + (n ? s[0] : std::string{}) + (n > 1 ? "/..." : ""));
}

// -- writes ------------------------------------------------------------------------------------

void admin_api::impl::exclusive(std::function<void(slot_ptr)> job, answer a) {
  auto self = shared_from_this();
  auto run = [self, job = std::move(job), a] {
    auto slot = std::make_shared<write_slot>([self] { self->release_write(); });
    try {
      job(slot);
    } catch (const std::exception& e) {
      a.error(500, "internal", e.what());
    }
  };
  {
    std::lock_guard<std::mutex> g(write_mu);
    if (write_busy) {
      write_queue.push_back(std::move(run));
      return;
    }
    write_busy = true;
  }
  run();
}

void admin_api::impl::release_write() {
  std::function<void()> next;
  {
    std::lock_guard<std::mutex> g(write_mu);
    if (write_queue.empty()) {
      write_busy = false;
      return;
    }
    next = std::move(write_queue.front());
    write_queue.pop_front();
  }
  next();
}

void admin_api::impl::commit(storage::write_set ws, const std::string& org, answer a, slot_ptr slot,
                             unsigned status, json body, std::vector<core::command> commands) {
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  auto self = shared_from_this();
  ctx.port->submit(
      std::move(ws), std::move(commands),
      [self, org, a, slot, status, body = std::move(body)](bool ok, const std::string& err) {
        if (!ok) {
          a.error(503, "unavailable", "storage: " + err);
        } else {
          if (!org.empty() && self->ctx.orgs) self->ctx.orgs->reload(org);
          a.json_body(status, body);
        }
        slot->release();
      });
}

}  // namespace vouch::engine
