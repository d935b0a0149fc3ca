// The admin API over real HTTP on loopback, with a real LMDB in a temp dir, a real org
// directory and a fake engine port whose commit() applies the write set at once.
#define BOOST_TEST_MODULE admin
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <openssl/sha.h>
#include <nlohmann/json.hpp>

#include "actors/engine_context.hpp"
#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"
#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "engine/admin_api.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "storage/repository.hpp"

using namespace vouch;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct curl_init {
  curl_init() { net::http_client::global_init(); }
};
BOOST_TEST_GLOBAL_FIXTURE(curl_init);

const std::string token = "admin-secret-token";

/// Applies commits to the database synchronously; records deliveries.
struct fake_port : actors::engine_port {
  storage::database* db = nullptr;
  bool fail_commits = false;
  actors::delivery_outcome outcome = actors::delivery_outcome::accepted;
  std::mutex mu;
  std::vector<std::pair<std::string, core::event_kind>> delivered;

  void deliver(actors::candidate_input in) override {
    {
      std::lock_guard<std::mutex> g(mu);
      delivered.emplace_back(in.org + "/" + in.opp, in.event.kind());
    }
    if (in.done) in.done(outcome);
  }
  void commit(storage::write_set ws, actors::commit_done done) override {
    if (fail_commits) return done(false, "map full");
    std::string err;
    const bool ok = db->commit(ws, err) == storage::commit_error::none;
    done(ok, err);
  }
  std::vector<core::command> submitted;
  void submit(storage::write_set ws, std::vector<core::command> commands,
              actors::commit_done done) override {
    {
      std::lock_guard<std::mutex> g(mu);
      for (auto& c : commands) submitted.push_back(c);
    }
    commit(std::move(ws), std::move(done));
  }
  void requeue(uint64_t id, actors::commit_done done) override {
    auto cmd = storage::load_command(*db, id);
    if (!cmd || cmd->status != core::command_status::dead) return done(false, "not dead");
    cmd->status = core::command_status::pending;
    storage::write_set ws;
    storage::put_command(ws, *cmd);
    commit(std::move(ws), std::move(done));
  }
  std::string system_json() override { return R"({"actors":{"resident":3,"total":7}})"; }
  /// What the dispatcher would say of its breakers.
  std::string breakers = "[]";
  std::string breakers_json() override { return breakers; }
  /// Lever calls of the admin API go straight out (the engine would queue them on its
  /// Lever client actors).
  net::http_client* http = nullptr;
  void lever_call(net::client_request req,
                  std::function<void(net::client_response)> done) override {
    if (http) return http->perform_async(std::move(req), std::move(done));
    net::client_response res;
    res.error = "no client";
    done(std::move(res));
  }
  std::vector<std::string> reconciled;
  bool reconcile(const std::string& org) override {
    std::lock_guard<std::mutex> g(mu);
    reconciled.push_back(org);
    return true;
  }
  /// The prospect owner's work, synchronously on the caller's thread.
  actors::engine_context* ctx = nullptr;
  void intake_prospect(actors::prospect_intake in) override { in.done(outcome); }
  void start_export(const std::string& org, actors::export_started done) override {
    auto plan = actors::start_export(*ctx, org, actors::now_ms());
    {
      std::lock_guard<std::mutex> g(mu);
      for (auto& c : plan.commands) submitted.push_back(c);
    }
    const auto id = plan.export_id;
    commit(std::move(plan.ws),
           [done, id](bool ok, const std::string& err) { done(ok, ok ? id : err); });
  }
  void expedite(const std::string&, const std::string&,
                std::function<void(uint64_t)> done) override {
    done(0);
  }
  /// Cancels a running export in storage, like the dispatcher; `refuse_cancel` makes it
  /// answer as if the export had ended in the meantime.
  bool refuse_cancel = false;
  void cancel_export(const std::string& id, actors::commit_done done) override {
    auto e = storage::load_export(*db, id);
    if (!e) return done(false, "no such export");
    if (refuse_cancel || e->state != core::export_state::running)
      return done(false, "export already ended");
    e->state = core::export_state::cancelled;
    storage::write_set ws;
    storage::put_export(ws, *e);
    commit(std::move(ws), std::move(done));
  }
  std::string candidate_json(const std::string&, const std::string&) override {
    return R"({"resident":true,"mailbox_depth":0})";
  }
};

struct answer {
  long status = 0;
  json body;
  std::string text;
  std::map<std::string, std::string> headers;
  std::string error_code() const {
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
};

/// A running admin API: temp LMDB, org directory, fake port, loopback listener.
struct admin_fixture {
  explicit admin_fixture(std::string admin_token = token) {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("vouch-admin-test-" + std::to_string(rd()));
    fs::create_directories(dir);
    ctx.cfg.security.admin_token = std::move(admin_token);
    ctx.cfg.server.public_url = "http://vouch.example:8080/";
    ctx.cfg.lever.timeout = 5s;
    std::string err;
    ctx.db = storage::database::open(dir.string(), 64ull << 20, err);
    BOOST_REQUIRE_MESSAGE(ctx.db, err);
    ctx.master_key = core::random_bytes(32);
    ctx.orgs =
        std::make_unique<actors::org_directory>(*ctx.db, ctx.master_key, ctx.cfg.lever.base_url);
    port.db = ctx.db.get();
    port.ctx = &ctx;
    ctx.port = &port;
    port.http = &http;
    api = std::make_unique<engine::admin_api>(ctx, http);
    server = std::make_unique<net::http_server>(net::server_options{},
                                                [this](net::http_request&& req, net::responder r) {
                                                  api->handle(std::move(req), std::move(r));
                                                });
    BOOST_REQUIRE_MESSAGE(server->start(err), err);
  }
  ~admin_fixture() {
    server->stop();
    api.reset();
    ctx.orgs.reset();
    ctx.db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  answer call(const std::string& method, const std::string& target, const json& body = nullptr,
              const std::string& bearer = token) {
    return send(method, target, body.is_null() ? std::nullopt : std::optional(body.dump()), bearer);
  }
  answer get(const std::string& target) { return call("GET", target); }
  /// A request with exactly these body bytes.
  answer raw(const std::string& method, const std::string& target, const std::string& body) {
    return send(method, target, body, token);
  }
  answer send(const std::string& method, const std::string& target,
              const std::optional<std::string>& body, const std::string& bearer) {
    net::client_request req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server->port()) + target;
    if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
    if (body) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = *body;
    }
    auto f = http.perform(std::move(req));
    if (f.wait_for(10s) != std::future_status::ready) BOOST_FAIL("no answer within 10 s");
    auto res = f.get();
    answer a;
    a.status = res.status;
    a.text = res.body;
    a.headers = res.headers;
    a.body = json::parse(res.body, nullptr, false);
    return a;
  }

  void commit(const storage::write_set& ws) {
    std::string err;
    BOOST_REQUIRE(ctx.db->commit(ws, err) == storage::commit_error::none);
  }

  /// Every byte of every file in the LMDB directory.
  std::string storage_bytes() const {
    std::string all;
    for (const auto& f : fs::recursive_directory_iterator(dir)) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  json connection() const {
    return {{"api_key", "key-acme-1234"},
            {"stage_change_signature_token", "stage-tok-abcdef"},
            {"hired_signature_token", "hired-tok-987654"},
            {"trigger_stage_ids", {"stage-refcheck"}},
            {"perform_as", "user-recruiter"},
            {"hired_archive_reason_id", nullptr},
            {"export_existing_prospects", false},
            {"auto_export_new_prospects", false},
            {"base_url", nullptr}};
  }

  fs::path dir;
  actors::engine_context ctx;
  fake_port port;
  net::http_client http;
  std::unique_ptr<engine::admin_api> api;
  std::unique_ptr<net::http_server> server;
};

json a_template(const std::string& name, const std::string& tag, json priority = 0) {
  return {{"name", name},
          {"ats_tag", tag},
          {"priority", priority},
          {"is_default", false},
          {"description", ""},
          {"request",
           {{"position", "Engineer"},
            {"survey_id", "eng-v2"},
            {"references",
             {{{"relationship", "manager"}, {"count", 2}, {"note", "From your last company"}}}}}},
          {"hiring_manager", {{"name", "Hana"}, {"email", "hana@acme.example"}}},
          {"notifications",
           {{"email_subject", "Reference"}, {"email_body", "Hello"}, {"sms_text", "Hi"}}}};
}

bool names(const answer& a, const std::string& field) {
  return a.status == 400 && a.error_code() == "bad_request" &&
         a.body["error"]["message"].get<std::string>().find(field) != std::string::npos;
}

}  // namespace

// -- auth ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_missing_or_wrong_token_gets_401_unauthorized) {
  admin_fixture f;
  auto none = f.call("GET", "/admin/v1/orgs", nullptr, "");
  BOOST_TEST(none.status == 401);
  BOOST_TEST(none.error_code() == "unauthorized");
  auto wrong = f.call("GET", "/admin/v1/orgs", nullptr, "admin-secret-tokeN");
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(f.get("/admin/v1/orgs").status == 200);
}

BOOST_AUTO_TEST_CASE(an_empty_configured_token_refuses_everything) {
  admin_fixture f("");
  BOOST_TEST(f.call("GET", "/admin/v1/orgs", nullptr, "").status == 401);
  BOOST_TEST(f.call("GET", "/admin/v1/orgs", nullptr, "anything").status == 401);
}

BOOST_AUTO_TEST_CASE(the_console_page_and_metrics_need_no_token) {
  admin_fixture f;
  auto page = f.call("GET", "/admin/", nullptr, "");
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.headers["content-type"].find("text/html") == 0u);
  BOOST_TEST(page.text.find("sessionStorage") != std::string::npos);
  // Everything is inline and allowed by hash only: no CDN, no 'unsafe-inline' or 'unsafe-eval'.
  const std::string csp = page.headers["content-security-policy"];
  BOOST_TEST(csp.find("script-src 'sha256-") != std::string::npos);
  BOOST_TEST(csp.find("style-src 'sha256-") != std::string::npos);
  BOOST_TEST(csp.find("unsafe") == std::string::npos);
  BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos);
  // The hashes (computed by the build) are those of the script and style as served.
  auto inline_part = [&](const std::string& open, const std::string& close) {
    const auto a = page.text.find(open) + open.size();
    return page.text.substr(a, page.text.find(close, a) - a);
  };
  auto csp_hash = [](const std::string& text) {
    unsigned char d[32];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
    return "'sha256-" + core::base64_encode(std::string(reinterpret_cast<char*>(d), 32)) + "'";
  };
  BOOST_TEST(csp.find("script-src " + csp_hash(inline_part("<script>", "</script>"))) !=
             std::string::npos);
  BOOST_TEST(csp.find("style-src " + csp_hash(inline_part("<style>", "</style>"))) !=
             std::string::npos);
  BOOST_TEST(page.text.find("https://") == std::string::npos);
  BOOST_TEST(page.headers["x-frame-options"] == "DENY");
  BOOST_TEST(f.call("GET", "/admin", nullptr, "").status == 200);
  f.get("/admin/v1/orgs");
  auto m = f.call("GET", "/metrics", nullptr, "");
  BOOST_TEST(m.status == 200);
  BOOST_TEST(m.headers["content-type"] == "text/plain; version=0.0.4");
  BOOST_TEST(m.text.find(R"(vouch_admin_requests_total{route="orgs",status="200"} 1)") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_routes_are_404_and_wrong_methods_405) {
  admin_fixture f;
  auto r = f.get("/admin/v1/nothing");
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.error_code() == "not_found");
  auto m = f.call("DELETE", "/admin/v1/orgs");
  BOOST_TEST(m.status == 405);
  BOOST_TEST(m.headers["allow"] == "GET");
}

// -- orgs -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(orgs_are_created_listed_and_paged) {
  admin_fixture f;
  auto created = f.call("PUT", "/admin/v1/orgs/gamma", {{"name", "Gamma"}});
  BOOST_TEST(created.status == 201);
  BOOST_TEST(created.body["connected"] == false);
  for (const char* o : {"acme", "beta"})
    BOOST_TEST(f.call("PUT", std::string("/admin/v1/orgs/") + o, {{"name", o}}).status == 201);
  BOOST_TEST(f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme Inc."}}).status == 200);

  auto p1 = f.get("/admin/v1/orgs?limit=2");
  BOOST_REQUIRE(p1.status == 200);
  BOOST_TEST(p1.body["items"].size() == 2u);
  BOOST_TEST(p1.body["items"][0] == json({{"id", "acme"}, {"name", "Acme Inc."}}));
  BOOST_REQUIRE(p1.body["next_cursor"].is_string());
  auto p2 = f.get("/admin/v1/orgs?limit=2&cursor=" + p1.body["next_cursor"].get<std::string>());
  BOOST_TEST(p2.body["items"].size() == 1u);
  BOOST_TEST(p2.body["items"][0]["id"] == "gamma");
  BOOST_TEST(p2.body["next_cursor"].is_null());

  auto one = f.get("/admin/v1/orgs/acme");
  BOOST_TEST(one.body["name"] == "Acme Inc.");
  BOOST_TEST(one.body["created_at"].get<int64_t>() > 0);
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch").status == 404);
}

BOOST_AUTO_TEST_CASE(bad_org_ids_names_and_paging_parameters_are_400_naming_the_field) {
  admin_fixture f;
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/Not_Valid!", {{"name", "x"}}), "org"));
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme", {{"name", ""}}), "name"));
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme", {{"name", "x"}, {"nmae", 1}}), "nmae"));
  BOOST_TEST(names(f.get("/admin/v1/orgs?limit=0"), "limit"));
  BOOST_TEST(names(f.get("/admin/v1/orgs?limit=501"), "limit"));
  BOOST_TEST(names(f.get("/admin/v1/orgs?cursor=%2B%2B"), "cursor"));
  BOOST_TEST(f.get("/admin/v1/orgs").body["items"].empty());
}

// -- Lever connection -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_lever_connection_shows_secrets_as_set_and_never_stores_them_in_plain) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  auto before = f.get("/admin/v1/orgs/acme/lever");
  BOOST_TEST(before.status == 200);
  BOOST_TEST(before.body["connected"] == false);
  BOOST_TEST(before.body["api_key"] == "unset");

  auto put = f.call("PUT", "/admin/v1/orgs/acme/lever", f.connection());
  BOOST_TEST(put.status == 200);
  auto got = f.get("/admin/v1/orgs/acme/lever");
  BOOST_TEST(got.body["connected"] == true);
  for (const char* k : {"api_key", "stage_change_signature_token", "hired_signature_token"})
    BOOST_TEST(got.body[k] == "set");
  BOOST_TEST(got.body["trigger_stage_ids"] == json({"stage-refcheck"}));
  BOOST_TEST(got.body["perform_as"] == "user-recruiter");
  BOOST_TEST(got.body["base_url"].is_null());
  const std::string bytes = f.storage_bytes();
  for (const char* secret : {"key-acme-1234", "stage-tok-abcdef", "hired-tok-987654"}) {
    BOOST_TEST(got.text.find(secret) == std::string::npos);
    BOOST_TEST(put.text.find(secret) == std::string::npos);
    BOOST_TEST(bytes.find(secret) == std::string::npos);
  }
  // The org directory was reloaded after the commit and decrypts the secrets.
  auto view = f.ctx.orgs->find("acme");
  BOOST_REQUIRE(view);
  BOOST_TEST(view->api_key == "key-acme-1234");
  BOOST_TEST(view->hired_token == "hired-tok-987654");
  BOOST_TEST(f.get("/admin/v1/orgs/acme").body["connected"] == true);
}

BOOST_AUTO_TEST_CASE(an_omitted_secret_keeps_its_value_and_an_empty_one_clears_it) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  f.call("PUT", "/admin/v1/orgs/acme/lever", f.connection());
  json next = {{"api_key", nullptr},
               {"hired_signature_token", ""},
               {"perform_as", "user-2"},
               {"base_url", "http://127.0.0.1:9999/v1/"}};
  BOOST_TEST(f.call("PUT", "/admin/v1/orgs/acme/lever", next).status == 200);
  auto got = f.get("/admin/v1/orgs/acme/lever").body;
  BOOST_TEST(got["api_key"] == "set");
  BOOST_TEST(got["stage_change_signature_token"] == "set");
  BOOST_TEST(got["hired_signature_token"] == "unset");
  BOOST_TEST(got["trigger_stage_ids"] == json({"stage-refcheck"}));
  BOOST_TEST(got["perform_as"] == "user-2");
  BOOST_TEST(got["base_url"] == "http://127.0.0.1:9999/v1");
  BOOST_TEST(f.ctx.orgs->find("acme")->api_key == "key-acme-1234");
}

BOOST_AUTO_TEST_CASE(a_rejected_lever_put_names_the_field_and_changes_nothing) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  auto first = f.connection();
  first.erase("trigger_stage_ids");
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/lever", first), "trigger_stage_ids"));
  BOOST_TEST(f.get("/admin/v1/orgs/acme/lever").body["connected"] == false);

  f.call("PUT", "/admin/v1/orgs/acme/lever", f.connection());
  auto bad = f.connection();
  bad["trigger_stage_ids"] = "stage-other";
  bad["api_key"] = "key-new";
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/lever", bad), "trigger_stage_ids"));
  auto extra = f.connection();
  extra["webhook_secret"] = "x";
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/lever", extra), "webhook_secret"));
  auto url = f.connection();
  url["base_url"] = "ftp://lever";
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/lever", url), "base_url"));
  auto flag = f.connection();
  flag["auto_export_new_prospects"] = "yes";
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/lever", flag), "auto_export_new_prospects"));

  BOOST_TEST(f.get("/admin/v1/orgs/acme/lever").body["trigger_stage_ids"] ==
             json({"stage-refcheck"}));
  BOOST_TEST(f.ctx.orgs->find("acme")->api_key == "key-acme-1234");
  BOOST_TEST(f.call("PUT", "/admin/v1/orgs/nosuch/lever", f.connection()).status == 404);
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch/lever").status == 404);
}

BOOST_AUTO_TEST_CASE(webhook_urls_are_built_from_the_public_url) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  auto r = f.get("/admin/v1/orgs/acme/webhook-urls");
  BOOST_TEST(r.body["stage_change"] ==
             "http://vouch.example:8080/webhooks/lever/acme/stage-change");
  BOOST_TEST(r.body["hired"] == "http://vouch.example:8080/webhooks/lever/acme/hired");
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch/webhook-urls").status == 404);
}

BOOST_AUTO_TEST_CASE(lever_stages_are_read_live_with_the_orgs_api_key) {
  admin_fixture f;
  std::mutex mu;
  std::string seen_auth;
  int calls = 0;
  net::http_server lever({}, [&](net::http_request&& req, net::responder respond) {
    net::http_response res;
    {
      std::lock_guard<std::mutex> g(mu);
      seen_auth = req.header("authorization");
      ++calls;
    }
    if (req.path != "/v1/stages") {
      res.status = 404;
      res.body = R"({"code":"ResourceNotFound","message":"no such thing"})";
    } else if (req.query.empty()) {
      res.body = R"({"data":[{"id":"stage-phone","text":"Phone screen"}],
                     "hasNext":true,"next":"0.123.abc"})";
    } else {
      res.body = R"({"data":[{"id":"stage-refcheck","text":"Reference check"}],"hasNext":false})";
    }
    respond(std::move(res));
  });
  std::string err;
  BOOST_REQUIRE(lever.start(err));
  const std::string base = "http://127.0.0.1:" + std::to_string(lever.port());

  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  BOOST_TEST(f.get("/admin/v1/orgs/acme/lever/stages").status == 409);
  auto conn = f.connection();
  conn["base_url"] = base + "/v1";
  // Saving the connection checks the key with one live call (a page of /stages).
  auto saved = f.call("PUT", "/admin/v1/orgs/acme/lever", conn);
  BOOST_TEST(saved.body["health"]["status"] == "ok");
  auto r = f.get("/admin/v1/orgs/acme/lever/stages");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body["items"] == json::parse(R"([{"id":"stage-phone","text":"Phone screen"},
                                  {"id":"stage-refcheck","text":"Reference check"}])"));
  {
    std::lock_guard<std::mutex> g(mu);
    BOOST_TEST(calls == 3);  // the key check, then two pages
    BOOST_TEST(seen_auth == "Basic " + core::base64_encode("key-acme-1234:"));
  }
  conn["base_url"] = base + "/wrong";
  f.call("PUT", "/admin/v1/orgs/acme/lever", conn);
  auto e = f.get("/admin/v1/orgs/acme/lever/stages");
  BOOST_TEST(e.status == 502);
  BOOST_TEST(e.error_code() == "lever_error");
  BOOST_TEST(e.text.find("no such thing") != std::string::npos);
}

// -- templates ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(templates_are_created_read_replaced_and_deleted) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  auto c1 = f.call("POST", "/admin/v1/orgs/acme/templates", a_template("Sales", "sales", 1));
  BOOST_TEST(c1.status == 201);
  const std::string id = c1.body["id"];
  BOOST_TEST(id == "tpl-1");
  auto c2 = f.call("POST", "/admin/v1/orgs/acme/templates", a_template("Eng", "engineering"));
  BOOST_TEST(c2.body["id"] == "tpl-2");

  auto got = f.get("/admin/v1/orgs/acme/templates/tpl-1");
  BOOST_TEST(got.status == 200);
  BOOST_TEST(got.body["ats_tag"] == "sales");
  BOOST_TEST(got.body["request"]["references"][0]["count"] == 2);
  BOOST_TEST(f.ctx.orgs->find("acme")->templates.size() == 2u);

  auto upd = a_template("Sales", "sales", 7);
  upd["id"] = "tpl-1";
  BOOST_TEST(f.call("PUT", "/admin/v1/orgs/acme/templates/tpl-1", upd).status == 200);
  got = f.get("/admin/v1/orgs/acme/templates/tpl-1");
  BOOST_TEST(got.body["priority"] == 7);
  BOOST_TEST(got.body["id"] == "tpl-1");
  BOOST_TEST(f.ctx.orgs->find("acme")->find_template("tpl-1")->priority == 7);
  upd["id"] = "tpl-2";
  BOOST_TEST(names(f.call("PUT", "/admin/v1/orgs/acme/templates/tpl-1", upd), "id"));

  auto list = f.get("/admin/v1/orgs/acme/templates?limit=1");
  BOOST_TEST(list.body["items"][0]["id"] == "tpl-1");
  BOOST_TEST(list.body["next_cursor"].is_string());

  BOOST_TEST(f.call("DELETE", "/admin/v1/orgs/acme/templates/tpl-1").status == 200);
  BOOST_TEST(f.get("/admin/v1/orgs/acme/templates/tpl-1").status == 404);
  BOOST_TEST(f.call("DELETE", "/admin/v1/orgs/acme/templates/tpl-1").status == 404);
  BOOST_TEST(f.call("PUT", "/admin/v1/orgs/acme/templates/tpl-9", a_template("X", "")).status ==
             404);
  auto c3 = f.call("POST", "/admin/v1/orgs/acme/templates", a_template("New", "new"));
  BOOST_TEST(c3.body["id"] == "tpl-3");  // ids never repeat
  BOOST_TEST(f.get("/admin/v1/orgs/acme/templates").body["items"].size() == 2u);
  BOOST_TEST(f.call("POST", "/admin/v1/orgs/nosuch/templates", a_template("X", "")).status == 404);
}

BOOST_AUTO_TEST_CASE(an_invalid_template_is_400_naming_the_dotted_field) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  const std::string path = "/admin/v1/orgs/acme/templates";
  BOOST_TEST(names(f.call("POST", path, a_template("Broken", "x", "high")), "priority"));
  auto t = a_template("Broken", "x");
  t["request"]["references"][0]["count"] = 0;
  BOOST_TEST(names(f.call("POST", path, t), "request.references[0].count"));
  t = a_template("", "x");
  BOOST_TEST(names(f.call("POST", path, t), "name"));
  t = a_template("Broken", "x");
  t["is_default"] = "no";
  BOOST_TEST(names(f.call("POST", path, t), "is_default"));
  t = a_template("Broken", "x");
  t["hiring_manager"]["email"] = 5;
  BOOST_TEST(names(f.call("POST", path, t), "hiring_manager.email"));
  auto raw = f.call("POST", path, nullptr);
  BOOST_TEST(names(raw, "body"));
  BOOST_TEST(f.get(path).body["items"].empty());

  // Omitted optional parts take defaults; the request (whom to ask) is not optional.
  BOOST_TEST(names(f.call("POST", path, {{"name", "Minimal"}}), "request"));
  auto minimal =
      f.call("POST", path,
             {{"name", "Minimal"}, {"request", {{"references", {{{"relationship", "manager"}}}}}}});
  BOOST_TEST(minimal.status == 201);
  BOOST_TEST(minimal.body["priority"] == 0);
  BOOST_TEST(minimal.body["request"]["references"][0]["count"] == 1);
  BOOST_TEST(minimal.body["hiring_manager"]["email"] == "");
}

// -- template match ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(template_match_answers_the_choice_and_why_for_tags) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  const std::string base = "/admin/v1/orgs/acme/templates/match";
  auto none = f.get(base + "?tags=engineering");
  BOOST_REQUIRE(none.status == 200);
  BOOST_TEST(none.body["template"].is_null());
  BOOST_TEST(none.body["why"].get<std::string>().find("no default template") != std::string::npos);

  auto general = a_template("General", "");
  general["is_default"] = true;
  const std::string gid = f.call("POST", "/admin/v1/orgs/acme/templates", general).body["id"];
  const std::string eid =
      f.call("POST", "/admin/v1/orgs/acme/templates", a_template("Engineering", "engineering", 1))
          .body["id"];
  f.call("POST", "/admin/v1/orgs/acme/templates", a_template("Eng low", "engineering", 0));

  auto eng = f.get(base + "?tags=Remote,%20Engineering");
  BOOST_REQUIRE(eng.status == 200);
  BOOST_TEST(eng.body["template"] == json({{"id", eid},
                                           {"name", "Engineering"},
                                           {"ats_tag", "engineering"},
                                           {"priority", 1},
                                           {"is_default", false}}));
  BOOST_TEST(eng.body["tags"] == json({"Remote", "Engineering"}));
  const std::string why = eng.body["why"];
  BOOST_TEST(why.find("matches tag \"engineering\"") != std::string::npos);
  BOOST_TEST(why.find("2 matching templates") != std::string::npos);

  auto ops = f.get(base + "?tags=ops");
  BOOST_TEST(ops.body["template"]["id"] == gid);
  BOOST_TEST(ops.body["why"].get<std::string>().find("default template") != std::string::npos);
  BOOST_TEST(f.get(base + "?tags=").body["template"]["id"] == gid);

  BOOST_TEST(names(f.get(base), "posting"));
  BOOST_TEST(names(f.get(base + "?tags=a&posting=p"), "posting"));
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch/templates/match?tags=a").status == 404);
  BOOST_TEST(f.call("POST", base + "?tags=a", json::object()).status == 405);
  // "match" is routed before the template-by-id route, which still works.
  BOOST_TEST(f.get("/admin/v1/orgs/acme/templates/" + gid).body["name"] == "General");
}

BOOST_AUTO_TEST_CASE(template_match_by_posting_reads_the_tags_live_from_lever) {
  admin_fixture f;
  std::mutex mu;
  std::string seen_auth, seen_path;
  net::http_server lever({}, [&](net::http_request&& req, net::responder respond) {
    net::http_response res;
    {
      std::lock_guard<std::mutex> g(mu);
      seen_auth = req.header("authorization");
      seen_path = req.path;
    }
    if (req.path == "/v1/postings/post-eng") {
      res.body = R"({"data":{"id":"post-eng","text":"Senior Engineer",
                     "tags":["Engineering","Remote"]}})";
    } else {
      res.status = 404;
      res.body = R"({"code":"ResourceNotFound","message":"Posting was not found"})";
    }
    respond(std::move(res));
  });
  std::string err;
  BOOST_REQUIRE(lever.start(err));
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  const std::string eid =
      f.call("POST", "/admin/v1/orgs/acme/templates", a_template("Engineering", "engineering", 1))
          .body["id"];
  const std::string base = "/admin/v1/orgs/acme/templates/match?posting=";
  auto unconnected = f.get(base + "post-eng");
  BOOST_TEST(unconnected.status == 409);
  BOOST_TEST(unconnected.error_code() == "not_connected");

  auto conn = f.connection();
  conn["base_url"] = "http://127.0.0.1:" + std::to_string(lever.port()) + "/v1";
  f.call("PUT", "/admin/v1/orgs/acme/lever", conn);
  auto r = f.get(base + "post-eng");
  BOOST_REQUIRE(r.status == 200);
  BOOST_TEST(r.body["template"]["id"] == eid);
  BOOST_TEST(r.body["tags"] == json({"Engineering", "Remote"}));
  BOOST_TEST(r.body["posting"] == json({{"id", "post-eng"}, {"title", "Senior Engineer"}}));
  {
    std::lock_guard<std::mutex> g(mu);
    BOOST_TEST(seen_path == "/v1/postings/post-eng");
    BOOST_TEST(seen_auth == "Basic " + core::base64_encode("key-acme-1234:"));
  }
  auto missing = f.get(base + "post-404");
  BOOST_TEST(missing.status == 502);
  BOOST_TEST(missing.error_code() == "lever_error");
  BOOST_TEST(missing.text.find("Posting was not found") != std::string::npos);
  BOOST_TEST(names(f.get(base), "posting"));
}

// -- exports -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(exports_are_listed_per_org_newest_first_and_cancelled) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  f.call("PUT", "/admin/v1/orgs/beta", {{"name", "Beta"}});
  auto job = [](std::string id, std::string org, core::export_state st, int64_t at) {
    core::export_record e;
    e.id = std::move(id);
    e.org = std::move(org);
    e.state = st;
    e.total = 10;
    e.done = 4;
    e.skipped = 1;
    e.created_at = at;
    e.updated_at = at + 5000;
    return e;
  };
  {
    storage::write_set ws;
    storage::put_export(ws, job("exp-1", "acme", core::export_state::running, 1000));
    storage::put_export(ws, job("exp-2", "acme", core::export_state::done, 2000));
    storage::put_export(ws, job("exp-3", "beta", core::export_state::running, 3000));
    storage::put_export(ws, job("exp-4", "acme", core::export_state::running, 500));
    f.commit(ws);
  }
  auto list = f.get("/admin/v1/orgs/acme/exports");
  BOOST_REQUIRE(list.status == 200);
  std::vector<std::string> ids;
  for (const auto& e : list.body["items"]) ids.push_back(e["id"]);
  BOOST_TEST(ids == (std::vector<std::string>{"exp-2", "exp-1", "exp-4"}));
  BOOST_TEST(list.body["items"][1]["state"] == "running");
  BOOST_TEST(list.body["items"][1]["total"] == 10);
  BOOST_TEST(list.body["items"][1]["rate_per_s"].get<double>() == 1.0);
  BOOST_TEST(list.body["items"][1]["eta_s"].get<double>() == 5.0);
  auto p1 = f.get("/admin/v1/orgs/acme/exports?limit=2");
  BOOST_TEST(p1.body["items"].size() == 2u);
  auto p2 = f.get("/admin/v1/orgs/acme/exports?limit=2&cursor=" +
                  p1.body["next_cursor"].get<std::string>());
  BOOST_TEST(p2.body["items"].size() == 1u);
  BOOST_TEST(p2.body["items"][0]["id"] == "exp-4");
  BOOST_TEST(p2.body["next_cursor"].is_null());
  BOOST_TEST(f.get("/admin/v1/orgs/beta/exports").body["items"].size() == 1u);
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch/exports").status == 404);

  auto ok = f.call("POST", "/admin/v1/exports/exp-1/cancel", json::object());
  BOOST_TEST(ok.status == 202);
  BOOST_TEST(ok.body == json({{"accepted", true}}));
  BOOST_TEST(f.get("/admin/v1/exports/exp-1").body["state"] == "cancelled");
  auto again = f.call("POST", "/admin/v1/exports/exp-1/cancel", json::object());
  BOOST_TEST(again.status == 409);
  BOOST_TEST(again.error_code() == "conflict");
  BOOST_TEST(again.body["error"]["message"] == "export exp-1 is cancelled, not running");
  BOOST_TEST(f.call("POST", "/admin/v1/exports/exp-2/cancel", json::object()).status == 409);
  BOOST_TEST(f.call("POST", "/admin/v1/exports/exp-404/cancel", json::object()).status == 404);
  BOOST_TEST(f.get("/admin/v1/exports/exp-3/cancel").status == 405);
  f.port.refuse_cancel = true;
  auto raced = f.call("POST", "/admin/v1/exports/exp-3/cancel", json::object());
  BOOST_TEST(raced.status == 409);
  BOOST_TEST(raced.body["error"]["message"].get<std::string>().find("export already ended") !=
             std::string::npos);
}

// -- candidates ----------------------------------------------------------------------------------

namespace {

core::candidate_record a_candidate(const std::string& opp, core::cand_state s, int64_t updated,
                                   const std::string& org = "acme") {
  core::candidate_record c;
  c.org = org;
  c.opp = opp;
  c.state = s;
  c.name = "Grace Hopper";
  c.email = "grace@example.com";
  c.posting_id = "post-1";
  c.posting_title = "Engineer";
  c.posting_tags = {"engineering"};
  c.owner = {"user-1", "Olive Owner", "olive@acme.example"};
  c.created_at = 1000;
  c.updated_at = updated;
  return c;
}

core::command a_command(uint64_t id, const std::string& opp, core::command_status st) {
  core::command c;
  c.id = id;
  c.org = "acme";
  c.opp = opp;
  c.kind = core::command_kind::platform_create_request;
  c.payload = "{}";
  c.idem_key = "idem-" + std::to_string(id);
  c.attempts = st == core::command_status::dead ? 10 : 1;
  c.created_at = 1500;
  c.next_at = 2000;
  c.status = st;
  c.last_error = st == core::command_status::dead ? "HTTP 500" : "";
  return c;
}

void seed(admin_fixture& f) {
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  storage::write_set ws;
  auto c1 = a_candidate("opp-1", core::cand_state::awaiting_references, 3000);
  c1.request_id = "req-9";
  c1.template_id = "tpl-1";
  c1.timers = {{core::timer_kind::reminder, 9000}};
  storage::put_candidate(ws, c1);
  storage::put_history(ws, "acme", "opp-1", {1, 2000, "stage_change", "idle", "resolving", "x"});
  storage::put_history(ws, "acme", "opp-1",
                       {2, 3000, "command_done", "resolving", "requesting", "resolved"});
  auto c2 = a_candidate("opp-2", core::cand_state::needs_attention, 5000);
  c2.reason = "no_template: no template matches";
  storage::put_candidate(ws, c2);
  storage::put_candidate(ws, a_candidate("opp-3", core::cand_state::idle, 4000));
  storage::put_command(ws, a_command(1, "opp-1", core::command_status::pending));
  storage::put_command(ws, a_command(2, "opp-2", core::command_status::dead));
  storage::put_command(ws, a_command(3, "opp-1", core::command_status::dead));
  f.commit(ws);
}

}  // namespace

BOOST_AUTO_TEST_CASE(candidates_list_newest_change_first_and_filter_by_state) {
  admin_fixture f;
  seed(f);
  auto all = f.get("/admin/v1/orgs/acme/candidates");
  BOOST_REQUIRE(all.status == 200);
  std::vector<std::string> opps;
  for (const auto& c : all.body["items"]) opps.push_back(c["opportunity_id"]);
  BOOST_TEST(opps == (std::vector<std::string>{"opp-2", "opp-3", "opp-1"}));
  BOOST_TEST(!all.body["items"][0].contains("history"));
  BOOST_TEST(all.body["items"][0]["reason"] == "no_template: no template matches");
  BOOST_TEST(all.body["items"][1]["reason"].is_null());

  auto p1 = f.get("/admin/v1/orgs/acme/candidates?limit=2");
  auto p2 = f.get("/admin/v1/orgs/acme/candidates?limit=2&cursor=" +
                  p1.body["next_cursor"].get<std::string>());
  BOOST_TEST(p2.body["items"].size() == 1u);
  BOOST_TEST(p2.body["items"][0]["opportunity_id"] == "opp-1");

  auto waiting = f.get("/admin/v1/orgs/acme/candidates?state=awaiting_references");
  BOOST_TEST(waiting.body["items"].size() == 1u);
  BOOST_TEST(waiting.body["items"][0]["opportunity_id"] == "opp-1");
  BOOST_TEST(names(f.get("/admin/v1/orgs/acme/candidates?state=sleeping"), "state"));
  BOOST_TEST(f.get("/admin/v1/orgs/nosuch/candidates").status == 404);
}

BOOST_AUTO_TEST_CASE(a_candidate_shows_fields_history_timers_and_its_commands) {
  admin_fixture f;
  seed(f);
  auto r = f.get("/admin/v1/orgs/acme/candidates/opp-1");
  BOOST_REQUIRE(r.status == 200);
  const auto& c = r.body;
  BOOST_TEST(c["org"] == "acme");
  BOOST_TEST(c["state"] == "awaiting_references");
  BOOST_TEST(c["request_id"] == "req-9");
  BOOST_TEST(c["report_url"].is_null());
  BOOST_TEST(c["reason"].is_null());
  BOOST_TEST(c["hired"] == false);
  BOOST_TEST(c["hired_at"].is_null());
  BOOST_TEST(c["owner"]["email"] == "olive@acme.example");
  BOOST_TEST(c["posting"]["tags"] == json({"engineering"}));
  BOOST_TEST(c["history"].size() == 2u);
  BOOST_TEST(c["history"][1] == json({{"seq", 2},
                                      {"at", 3000},
                                      {"event", "command_done"},
                                      {"from", "resolving"},
                                      {"to", "requesting"},
                                      {"detail", "resolved"}}));
  BOOST_TEST(c["timers"] == json::parse(R"([{"kind":"reminder","due":9000}])"));
  BOOST_TEST(c["commands"].size() == 2u);
  BOOST_TEST(c["commands"][1]["id"] == 3);
  BOOST_TEST(c["commands"][1]["status"] == "dead");
  BOOST_TEST(c["commands"][1]["kind"] == "platform.create_request");
  BOOST_TEST(!c["commands"][1].contains("payload"));
  BOOST_TEST(f.get("/admin/v1/orgs/acme/candidates/opp-404").status == 404);
}

BOOST_AUTO_TEST_CASE(resend_and_retry_are_delivered_and_answered_from_the_outcome) {
  admin_fixture f;
  seed(f);
  auto ok = f.call("POST", "/admin/v1/orgs/acme/candidates/opp-2/retry", json::object());
  BOOST_TEST(ok.status == 202);
  BOOST_TEST(ok.body["accepted"] == true);
  {
    std::lock_guard<std::mutex> g(f.port.mu);
    BOOST_REQUIRE(f.port.delivered.size() == 1u);
    BOOST_TEST(f.port.delivered[0].first == "acme/opp-2");
    BOOST_TEST((f.port.delivered[0].second == core::event_kind::admin_retry));
  }
  f.port.outcome = actors::delivery_outcome::ignored;
  auto no = f.call("POST", "/admin/v1/orgs/acme/candidates/opp-3/retry", json::object());
  BOOST_TEST(no.status == 409);
  BOOST_TEST(no.error_code() == "conflict");
  BOOST_TEST(no.body["error"]["message"] == "nothing to retry in state idle");
  f.port.outcome = actors::delivery_outcome::unknown;
  BOOST_TEST(f.call("POST", "/admin/v1/orgs/acme/candidates/opp-9/resend").status == 404);
  f.port.outcome = actors::delivery_outcome::unavailable;
  BOOST_TEST(f.call("POST", "/admin/v1/orgs/acme/candidates/opp-1/resend").status == 503);
  BOOST_TEST(f.get("/admin/v1/orgs/acme/candidates/opp-1/resend").status == 405);
}

// -- outbox and system ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_outbox_lists_by_status_and_requeues_dead_commands) {
  admin_fixture f;
  seed(f);
  auto dead = f.get("/admin/v1/outbox?status=dead");
  BOOST_REQUIRE(dead.status == 200);
  BOOST_TEST(dead.body["items"].size() == 2u);
  BOOST_TEST(dead.body["items"][0] == json({{"id", 2},
                                            {"org", "acme"},
                                            {"opportunity_id", "opp-2"},
                                            {"kind", "platform.create_request"},
                                            {"attempts", 10},
                                            {"next_at", 2000},
                                            {"status", "dead"},
                                            {"last_error", "HTTP 500"},
                                            {"created_at", 1500},
                                            {"recent_attempts", json::array()}}));
  // Filters by org and kind (every seeded command is acme's platform.create_request).
  BOOST_TEST(f.get("/admin/v1/outbox?status=dead&org=acme&kind=platform.create_request")
                 .body["items"]
                 .size() == 2u);
  BOOST_TEST(f.get("/admin/v1/outbox?org=beta").body["items"].empty());
  BOOST_TEST(f.get("/admin/v1/outbox?kind=lever.note").body["items"].empty());
  auto bad_kind = f.get("/admin/v1/outbox?kind=lever.teleport");
  BOOST_TEST(bad_kind.status == 400);
  BOOST_TEST(bad_kind.body["error"]["message"].get<std::string>().find("kind") !=
             std::string::npos);
  BOOST_TEST(f.get("/admin/v1/outbox?org=Not_Valid!").status == 400);
  auto pending = f.get("/admin/v1/outbox?status=pending");
  BOOST_TEST(pending.body["items"].size() == 1u);
  BOOST_TEST(pending.body["items"][0]["last_error"].is_null());
  BOOST_TEST(f.get("/admin/v1/outbox").body["items"].size() == 3u);
  BOOST_TEST(names(f.get("/admin/v1/outbox?status=stuck"), "status"));
  auto paged = f.get("/admin/v1/outbox?limit=2");
  BOOST_TEST(paged.body["items"].size() == 2u);
  BOOST_TEST(paged.body["next_cursor"].is_string());

  BOOST_TEST(f.call("POST", "/admin/v1/outbox/2/retry", json::object()).status == 202);
  BOOST_TEST(f.get("/admin/v1/outbox?status=dead").body["items"].size() == 1u);
  BOOST_TEST(f.call("POST", "/admin/v1/outbox/2/retry", json::object()).status == 409);
  BOOST_TEST(f.call("POST", "/admin/v1/outbox/77/retry", json::object()).status == 404);
  BOOST_TEST(f.call("POST", "/admin/v1/outbox/abc/retry", json::object()).status == 404);
}

BOOST_AUTO_TEST_CASE(system_merges_engine_figures_with_storage_and_outbox_counts) {
  admin_fixture f;
  seed(f);
  {
    storage::write_set ws;
    storage::put_candidate(ws, a_candidate("opp-x", core::cand_state::idle, 1000, "beta"));
    f.commit(ws);
  }
  f.ctx.stats.observe("vouch_lmdb_commit_batch_size", 1, {1, 2, 4, 8});
  f.ctx.stats.observe("vouch_lmdb_commit_batch_size", 1, {1, 2, 4, 8});
  f.ctx.stats.observe("vouch_lmdb_commit_batch_size", 3, {1, 2, 4, 8});
  f.ctx.stats.observe("vouch_lmdb_commit_batch_size", 7, {1, 2, 4, 8});
  auto r = f.get("/admin/v1/system");
  BOOST_REQUIRE(r.status == 200);
  BOOST_TEST(r.body["actors"]["resident"] == 3);
  BOOST_TEST(r.body["actors"]["by_org"] ==
             json::parse(R"({"acme":{"resident":0,"total":3},"beta":{"resident":0,"total":1}})"));
  const json batch = r.body["store"]["commit_batch"];
  BOOST_TEST(batch["count"] == 4);
  BOOST_TEST(batch["mean"].get<double>() == 3.0);
  BOOST_TEST(batch["p50"].get<double>() == 1.0);
  BOOST_TEST(batch["p90"].get<double>() == 8.0);
  BOOST_TEST(r.body["store"]["commit_seconds"]["count"] == 0);
  BOOST_TEST(r.body["store"]["commit_seconds"]["p50"].is_null());
  BOOST_TEST(r.body["storage"]["map_size"].get<uint64_t>() >= (64ull << 20));
  BOOST_TEST(r.body["storage"]["entries"]["candidates"] == 4);
  BOOST_TEST(r.body["outbox"] == json({{"pending", 1}, {"dead", 2}}));
}

BOOST_AUTO_TEST_CASE(a_failed_commit_is_503_and_an_export_needs_a_connected_org) {
  admin_fixture f;
  f.port.fail_commits = true;
  auto r = f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  BOOST_TEST(r.status == 503);
  BOOST_TEST(r.error_code() == "unavailable");
  BOOST_TEST(f.get("/admin/v1/orgs/acme").status == 404);
  f.port.fail_commits = false;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  auto ex = f.call("POST", "/admin/v1/orgs/acme/exports", json::object());
  BOOST_TEST(ex.status == 409);
  BOOST_TEST(ex.error_code() == "not_connected");
  BOOST_TEST(f.get("/admin/v1/exports/exp-1").status == 404);
}

BOOST_AUTO_TEST_CASE(breakers_name_the_orgs_of_each_lever_key_and_feed_the_orgs_health) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  f.call("PUT", "/admin/v1/orgs/acme/lever", f.connection());
  const std::string target = actors::lever_target_name("key-acme-1234");
  f.port.breakers = json::array({{{"target", target},
                                  {"state", "open"},
                                  {"failures", 5},
                                  {"opened_at", 1764000000000},
                                  {"next_probe_at", 1764000001000},
                                  {"opens", 1}},
                                 {{"target", "platform"},
                                  {"state", "closed"},
                                  {"failures", 0},
                                  {"opened_at", nullptr},
                                  {"next_probe_at", nullptr},
                                  {"opens", 0}}})
                        .dump();
  auto r = f.get("/admin/v1/breakers");
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(r.body["items"].size() == 2u);
  BOOST_TEST(r.body["items"][0]["orgs"] == json::array({"acme"}));
  BOOST_TEST(r.body["items"][1]["orgs"] == json::array());
  BOOST_TEST(r.body["next_cursor"].is_null());
  auto h = f.get("/admin/v1/orgs/acme/health");
  BOOST_TEST(h.status == 200);
  BOOST_TEST(h.body["breaker"] == "open");
  BOOST_TEST(h.body["lever"].contains("status"));
  BOOST_TEST(f.call("POST", "/admin/v1/breakers", json::object()).status == 405);
}

BOOST_AUTO_TEST_CASE(a_template_without_anyone_to_ask_or_with_a_header_breaking_email_is_400) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  const std::string path = "/admin/v1/orgs/acme/templates";
  auto t = a_template("T", "t");
  t.erase("request");
  BOOST_TEST(names(f.call("POST", path, t), "request"));
  t = a_template("T", "t");
  t["request"]["references"] = json::array();
  BOOST_TEST(names(f.call("POST", path, t), "request.references"));
  t = a_template("T", "t");
  t["request"]["references"][0]["count"] = 4000000000LL;
  BOOST_TEST(names(f.call("POST", path, t), "request.references[0].count"));
  t["request"]["references"][0]["count"] = 21;
  BOOST_TEST(names(f.call("POST", path, t), "request.references[0].count"));
  for (const char* email : {"hana@acme.example\r\nBcc: all@evil.example", "two@a.io,three@b.io",
                            "no-at-sign", "sp ace@acme.example"}) {
    t = a_template("T", "t");
    t["hiring_manager"]["email"] = email;
    BOOST_TEST_INFO("email " << email);
    BOOST_TEST(names(f.call("POST", path, t), "hiring_manager.email"));
  }
  BOOST_TEST(f.get(path).body["items"].empty());  // nothing was stored
  t = a_template("T", "t");
  t["request"]["references"][0]["count"] = 20;
  BOOST_TEST(f.call("POST", path, t).status == 201);
}

BOOST_AUTO_TEST_CASE(actions_without_parameters_refuse_a_body_that_is_not_empty) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  for (const char* route :
       {"/admin/v1/orgs/acme/candidates/opp-1/resend", "/admin/v1/orgs/acme/candidates/opp-1/retry",
        "/admin/v1/orgs/acme/exports"}) {
    for (const char* body : {"{", "[[[", "[]", "{\"force\": true}"}) {
      auto r = f.raw("POST", route, body);
      BOOST_TEST_INFO(route << " with " << body);
      BOOST_TEST(r.status == 400);
      BOOST_TEST(r.error_code() == "bad_request");
    }
  }
  std::lock_guard<std::mutex> g(f.port.mu);
  BOOST_TEST(f.port.delivered.empty());
  BOOST_TEST(f.port.submitted.empty());
}

BOOST_AUTO_TEST_CASE(candidate_pages_come_from_the_change_index_and_follow_moves) {
  admin_fixture f;
  f.call("PUT", "/admin/v1/orgs/acme", {{"name", "Acme"}});
  f.call("PUT", "/admin/v1/orgs/beta", {{"name", "Beta"}});
  storage::write_set ws;
  for (int i = 0; i < 250; ++i)
    storage::put_candidate(
        ws,
        a_candidate("opp-" + std::to_string(i),
                    i % 5 ? core::cand_state::idle : core::cand_state::needs_attention, 10000 + i));
  storage::put_candidate(ws, a_candidate("opp-x", core::cand_state::idle, 99999, "beta"));
  f.commit(ws);
  // opp-7 changes: its entry moves to the front, with no stale copy behind.
  auto before = a_candidate("opp-7", core::cand_state::idle, 10007);
  auto after = a_candidate("opp-7", core::cand_state::needs_attention, 50000);
  storage::write_set move;
  storage::put_candidate(move, after, &before);
  f.commit(move);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto p = f.get("/admin/v1/orgs/acme/candidates?limit=100" +
                   (cursor.empty() ? std::string{} : "&cursor=" + cursor));
    BOOST_REQUIRE(p.status == 200);
    for (const auto& c : p.body["items"]) seen.push_back(c["opportunity_id"]);
    cursor = p.body["next_cursor"].is_string() ? p.body["next_cursor"].get<std::string>() : "";
    ++pages;
  } while (!cursor.empty() && pages < 10);
  BOOST_TEST(pages == 3);
  BOOST_TEST(seen.size() == 250u);
  BOOST_TEST(seen.front() == "opp-7");
  BOOST_TEST(seen[1] == "opp-249");
  BOOST_TEST(seen.back() == "opp-0");
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == 250u);

  auto stuck = f.get("/admin/v1/orgs/acme/candidates?state=needs_attention&limit=500");
  BOOST_TEST(stuck.body["items"].size() == 51u);  // every fifth, and opp-7
  // A cursor is bound to its list.
  auto beta = f.get("/admin/v1/orgs/beta/candidates?limit=1");
  BOOST_TEST(beta.body["items"].size() == 1u);
  auto first_acme = f.get("/admin/v1/orgs/acme/candidates?limit=1");
  BOOST_TEST(names(f.get("/admin/v1/orgs/beta/candidates?cursor=" +
                         first_acme.body["next_cursor"].get<std::string>()),
                   "cursor"));
}
