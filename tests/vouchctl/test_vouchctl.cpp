// test_vouchctl: starts a fake admin API (net::http_server on loopback) that answers canned
// JSON per route and records every request, then runs the built vouchctl binary against it
// and checks exit codes, output and the requests vouchctl made.
#define BOOST_TEST_MODULE vouchctl
#include <boost/test/unit_test.hpp>

#include "tests/support/run_command.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_server.hpp"

extern char** environ;

namespace {

using json = nlohmann::json;
namespace net = vouch::net;

// -- the fake admin API --------------------------------------------------------------------

struct canned {
  std::string method, path, query_has;  ///< query_has: a substring the query must contain
  std::vector<std::pair<unsigned, std::string>> answers;  ///< served in order, last repeats
};

class fake_admin {
 public:
  explicit fake_admin(std::string token = "tok")
      : token_(std::move(token)),
        server_(net::server_options{},
                [this](net::http_request&& req, net::responder respond) { respond(answer(req)); }) {
    std::string err;
    if (!server_.start(err)) throw std::runtime_error("fake admin: " + err);
  }
  ~fake_admin() { server_.stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  /// Answers `method path` (when the query contains `query_has`) with `body`; several
  /// calls for one route queue answers. The longest matching query_has wins.
  void on(const std::string& method, const std::string& path, unsigned status, const json& body,
          const std::string& query_has = "") {
    std::lock_guard<std::mutex> g(mu_);
    for (auto& r : routes_)
      if (r.method == method && r.path == path && r.query_has == query_has) {
        r.answers.emplace_back(status, body.dump());
        return;
      }
    routes_.push_back({method, path, query_has, {{status, body.dump()}}});
  }

  std::vector<net::http_request> requests() {
    std::lock_guard<std::mutex> g(mu_);
    return got_;
  }
  /// The recorded requests for one method + path.
  std::vector<net::http_request> requests(const std::string& method, const std::string& path) {
    std::vector<net::http_request> out;
    for (auto& r : requests())
      if (r.method == method && r.path == path) out.push_back(r);
    return out;
  }

 private:
  net::http_response answer(const net::http_request& req) {
    std::lock_guard<std::mutex> g(mu_);
    got_.push_back(req);
    net::http_response res;
    if (req.header("authorization") != "Bearer " + token_) {
      res.status = 401;
      res.body = R"({"error":{"code":"unauthorized","message":"missing or wrong bearer token"}})";
      return res;
    }
    canned* best = nullptr;
    for (auto& r : routes_)
      if (r.method == req.method && r.path == req.path &&
          req.query.find(r.query_has) != std::string::npos &&
          (!best || r.query_has.size() > best->query_has.size()))
        best = &r;
    if (!best) {
      res.status = 404;
      res.body =
          json{{"error", {{"code", "not_found"}, {"message", "no route " + req.path}}}}.dump();
      return res;
    }
    auto [status, body] = best->answers.front();
    if (best->answers.size() > 1) best->answers.erase(best->answers.begin());
    res.status = status;
    res.body = body;
    return res;
  }

  std::string token_;
  std::mutex mu_;
  std::vector<canned> routes_;
  std::vector<net::http_request> got_;
  net::http_server server_;
};

// -- running vouchctl ----------------------------------------------------------------------

struct result {
  int code = -1;
  std::string out, err;
};

/// Runs vouchctl with `args` and a clean environment (PATH plus `env`), stdin /dev/null.
result run(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  auto r = vouch::test_support::run_command(VOUCHCTL_BIN, args, env);
  return {r.code, std::move(r.out), std::move(r.err)};
}

/// vouchctl with --admin and --token of `fake` in front of `args`.
result ctl(fake_admin& fake, std::vector<std::string> args) {
  args.insert(args.begin(), {"--admin", fake.url(), "--token", "tok"});
  return run(args);
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// A loopback port nothing listens on (bound, then closed).
unsigned short free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind");
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

std::string line_with(const std::string& text, const std::string& needle) {
  std::size_t pos = text.find(needle);
  if (pos == std::string::npos) return {};
  std::size_t b = text.rfind('\n', pos);
  b = b == std::string::npos ? 0 : b + 1;
  std::size_t e = text.find('\n', pos);
  return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

json orgs_page(std::vector<std::pair<std::string, std::string>> orgs, json cursor) {
  json items = json::array();
  for (auto& [id, name] : orgs) items.push_back({{"id", id}, {"name", name}});
  return {{"items", items}, {"next_cursor", cursor}};
}

}  // namespace

// -- exit codes ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(version_prints_the_version_and_revision_and_exits_0) {
  auto r = run({"--version"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out.rfind("vouchctl 0.", 0) == 0, r.out);
  BOOST_TEST(r.out.find("(git ") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(exit_codes) {
  fake_admin fake;
  fake.on("GET", "/admin/v1/orgs", 200, orgs_page({{"acme", "Acme"}}, nullptr));

  auto ok = ctl(fake, {"orgs", "ls"});
  BOOST_TEST(ok.code == 0);
  BOOST_TEST(has(ok.out, "acme"));

  // 1: an error answer; its code and message on stderr, with a hint.
  auto bad_token = run({"--admin", fake.url(), "--token", "wrong", "orgs", "ls"});
  BOOST_TEST(bad_token.code == 1);
  BOOST_TEST(has(bad_token.err, "unauthorized"));
  BOOST_TEST(has(bad_token.err, "missing or wrong bearer token"));
  BOOST_TEST(has(bad_token.err, "check --token / VOUCH_ADMIN_TOKEN"));

  fake.on("GET", "/admin/v1/orgs/nope", 404,
          {{"error", {{"code", "not_found"}, {"message", "no org nope"}}}});
  auto unknown = ctl(fake, {"orgs", "show", "nope"});
  BOOST_TEST(unknown.code == 1);
  BOOST_TEST(has(unknown.err, "not_found"));
  BOOST_TEST(has(unknown.err, "no org nope"));
  BOOST_TEST(has(unknown.err, "hint:"));

  // 2: usage errors, before any request.
  const auto before = fake.requests().size();
  BOOST_TEST(ctl(fake, {}).code == 2);
  BOOST_TEST(ctl(fake, {"orgs"}).code == 2);
  BOOST_TEST(ctl(fake, {"frobnicate"}).code == 2);
  BOOST_TEST(ctl(fake, {"orgs", "show"}).code == 2);
  BOOST_TEST(ctl(fake, {"orgs", "create", "acme"}).code == 2);  // --name missing
  BOOST_TEST(ctl(fake, {"templates", "match", "acme"}).code == 2);
  BOOST_TEST(ctl(fake, {"templates", "match", "acme", "--posting", "p", "--tags", "a"}).code == 2);
  BOOST_TEST(ctl(fake, {"templates", "apply", "acme", "/nonexistent/file.json"}).code == 2);
  BOOST_TEST(run({"--admin", "not-a-url", "orgs", "ls"}).code == 2);
  BOOST_TEST(fake.requests().size() == before);

  // --help anywhere: 0.
  auto help = ctl(fake, {"candidates", "show", "--help"});
  BOOST_TEST(help.code == 0);
  BOOST_TEST(has(help.out, "OPP"));
  BOOST_TEST(run({"--help"}).code == 0);

  // 3: nothing listens.
  const std::string dead = "http://127.0.0.1:" + std::to_string(free_port());
  auto down = run({"--admin", dead, "orgs", "ls"});
  BOOST_TEST(down.code == 3);
  BOOST_TEST(has(down.err, "cannot reach vouchd at " + dead + ":"));
}

// -- token, admin URL, environment ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(token_and_environment) {
  fake_admin fake("s3cret");
  fake.on("GET", "/admin/v1/orgs", 200, orgs_page({}, nullptr));

  BOOST_TEST(run({"--admin", fake.url(), "--token", "s3cret", "orgs", "ls"}).code == 0);
  auto reqs = fake.requests("GET", "/admin/v1/orgs");
  BOOST_REQUIRE(reqs.size() == 1);
  BOOST_TEST(reqs[0].header("authorization") == "Bearer s3cret");

  // Defaults from the environment; global options also after the command.
  auto r =
      run({"orgs", "ls", "--json"}, {"VOUCH_ADMIN_URL=" + fake.url(), "VOUCH_ADMIN_TOKEN=s3cret"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(fake.requests("GET", "/admin/v1/orgs").back().header("authorization") ==
             "Bearer s3cret");
  // --token beats the environment.
  auto w = run({"--token", "other", "orgs", "ls"},
               {"VOUCH_ADMIN_URL=" + fake.url(), "VOUCH_ADMIN_TOKEN=s3cret"});
  BOOST_TEST(w.code == 1);
  BOOST_TEST(fake.requests("GET", "/admin/v1/orgs").back().header("authorization") ==
             "Bearer other");
  // A repeated global option: the last one wins.
  auto last = run({"--token", "other", "orgs", "ls", "--token", "s3cret", "--admin", fake.url()},
                  {"VOUCH_ADMIN_URL=http://127.0.0.1:1"});
  BOOST_TEST(last.code == 0, last.err);
}

// -- paging, --json ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(orgs_ls_follows_paging) {
  fake_admin fake;
  fake.on("GET", "/admin/v1/orgs", 200, orgs_page({{"acme", "Acme"}, {"beta", "Beta"}}, "c1"));
  fake.on("GET", "/admin/v1/orgs", 200, orgs_page({{"gamma", "Gamma Inc"}}, "c2"), "cursor=c1");
  fake.on("GET", "/admin/v1/orgs", 200, orgs_page({{"zeta", "Zeta"}}, nullptr), "cursor=c2");

  auto r = ctl(fake, {"orgs", "ls"});
  BOOST_TEST(r.code == 0);
  for (const char* id : {"acme", "beta", "gamma", "zeta"}) BOOST_TEST(has(r.out, id));
  // An aligned table: NAME starts at the same column on every line.
  BOOST_TEST(line_with(r.out, "ID").find("NAME") == line_with(r.out, "gamma").find("Gamma Inc"));
  auto reqs = fake.requests("GET", "/admin/v1/orgs");
  BOOST_REQUIRE(reqs.size() == 3);
  BOOST_TEST(!has(reqs[0].query, "cursor="));
  BOOST_TEST(has(reqs[1].query, "cursor=c1"));
  BOOST_TEST(has(reqs[2].query, "cursor=c2"));

  auto j = ctl(fake, {"--json", "orgs", "ls"});
  BOOST_TEST(j.code == 0);
  const json parsed = json::parse(j.out);
  BOOST_TEST(parsed["items"].size() == 4u);
  BOOST_TEST(parsed["items"][2] == json({{"id", "gamma"}, {"name", "Gamma Inc"}}));
  BOOST_TEST(parsed["next_cursor"].is_null());
}

BOOST_AUTO_TEST_CASE(json_output_is_the_api_json) {
  fake_admin fake;
  const json org = {{"id", "acme"},
                    {"name", "Acme"},
                    {"connected", false},
                    {"created_at", 1764000000000},
                    {"updated_at", 1764000000000}};
  fake.on("GET", "/admin/v1/orgs/acme", 200, org);
  auto r = ctl(fake, {"orgs", "show", "acme", "--json"});
  BOOST_TEST(r.code == 0);
  // The API's org as is, plus its connection block (null for an org not connected; the
  // connected case is in vouchctl_e2e).
  json expected = org;
  expected["connection"] = nullptr;
  BOOST_TEST(json::parse(r.out) == expected);

  auto h = ctl(fake, {"orgs", "show", "acme"});
  BOOST_TEST(h.code == 0);
  BOOST_TEST(has(h.out, "2025-11-24T16:00:00Z"));

  const json created = {{"id", "newco"},
                        {"name", "New Co"},
                        {"connected", false},
                        {"created_at", 1},
                        {"updated_at", 1}};
  fake.on("PUT", "/admin/v1/orgs/newco", 201, created);
  auto c = ctl(fake, {"orgs", "create", "newco", "--name", "New Co"});
  BOOST_TEST(c.code == 0);
  BOOST_TEST(has(c.out, "created org newco"));
  auto puts = fake.requests("PUT", "/admin/v1/orgs/newco");
  BOOST_REQUIRE(puts.size() == 1);
  BOOST_TEST(json::parse(puts[0].body) == json({{"name", "New Co"}}));

  fake.on("GET", "/admin/v1/orgs/acme/webhook-urls", 200,
          {{"stage_change", "https://x/webhooks/lever/acme/stage-change"},
           {"hired", "https://x/webhooks/lever/acme/hired"}});
  auto w = ctl(fake, {"webhook-urls", "acme"});
  BOOST_TEST(w.code == 0);
  BOOST_TEST(has(w.out, "https://x/webhooks/lever/acme/hired"));
}

// -- connect ---------------------------------------------------------------------------------

namespace {

json lever_conn(bool connected, json triggers) {
  return {{"connected", connected},
          {"api_key", connected ? "set" : "unset"},
          {"stage_change_signature_token", connected ? "set" : "unset"},
          {"hired_signature_token", connected ? "set" : "unset"},
          {"trigger_stage_ids", triggers},
          {"perform_as", ""},
          {"hired_archive_reason_id", nullptr},
          {"export_existing_prospects", false},
          {"auto_export_new_prospects", false},
          {"base_url", nullptr}};
}

const json stages = {{"items",
                      {{{"id", "stg-phone"}, {"text", "Phone Screen"}},
                       {{"id", "stg-ref"}, {"text", "Reference Check"}},
                       {{"id", "stg-offer"}, {"text", "Offer"}}}},
                     {"next_cursor", nullptr}};

}  // namespace

BOOST_AUTO_TEST_CASE(connect_resolves_stage_names) {
  fake_admin fake;
  fake.on("GET", "/admin/v1/orgs/acme/lever", 200, lever_conn(false, json::array()));
  fake.on("PUT", "/admin/v1/orgs/acme/lever", 200, lever_conn(true, json::array()));
  fake.on("PUT", "/admin/v1/orgs/acme/lever", 200, lever_conn(true, {"stg-ref", "stg-offer"}));
  fake.on("GET", "/admin/v1/orgs/acme/lever/stages", 200, stages);
  fake.on("GET", "/admin/v1/orgs/acme/webhook-urls", 200,
          {{"stage_change", "https://x/sc"}, {"hired", "https://x/h"}});

  auto r = ctl(fake, {"connect", "acme", "--api-key", "KEY", "--stage-token", "ST", "--hired-token",
                      "HT", "--trigger-stage", "reference check", "--trigger-stage", "stg-offer",
                      "--perform-as", "user-1", "--auto-export"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "stg-ref"));
  BOOST_TEST(has(r.out, "https://x/sc"));

  auto puts = fake.requests("PUT", "/admin/v1/orgs/acme/lever");
  BOOST_REQUIRE(puts.size() == 2);
  const json first = json::parse(puts[0].body);
  BOOST_TEST(first["api_key"] == "KEY");
  BOOST_TEST(first["stage_change_signature_token"] == "ST");
  BOOST_TEST(first["hired_signature_token"] == "HT");
  BOOST_TEST(first["trigger_stage_ids"] == json::array());  // a name among them: empty first
  BOOST_TEST(first["export_existing_prospects"] == false);
  const json second = json::parse(puts[1].body);
  BOOST_TEST(second["trigger_stage_ids"] == json({"stg-ref", "stg-offer"}));
  BOOST_TEST(second["perform_as"] == "user-1");
  BOOST_TEST(second["auto_export_new_prospects"] == true);
  BOOST_TEST(!second.contains("api_key"));  // secrets sent once
  BOOST_TEST(fake.requests("GET", "/admin/v1/orgs/acme/lever/stages").size() == 1u);

  // Ids only, org not connected yet: the first PUT carries them as they are.
  fake_admin f2;
  f2.on("GET", "/admin/v1/orgs/acme/lever", 200, lever_conn(false, json::array()));
  f2.on("PUT", "/admin/v1/orgs/acme/lever", 200, lever_conn(true, {"stg-ref"}));
  f2.on("GET", "/admin/v1/orgs/acme/lever/stages", 200, stages);
  auto ids = ctl(f2, {"--json", "connect", "acme", "--api-key", "K", "--stage-token", "S",
                      "--hired-token", "H", "--trigger-stage", "stg-ref", "--export-existing"});
  BOOST_TEST(ids.code == 0, ids.err);
  auto p2 = f2.requests("PUT", "/admin/v1/orgs/acme/lever");
  BOOST_REQUIRE(p2.size() == 2);
  BOOST_TEST(json::parse(p2[0].body)["trigger_stage_ids"] == json({"stg-ref"}));
  // The bulk export is asked for once, by the last PUT.
  BOOST_TEST(json::parse(p2[0].body)["export_existing_prospects"] == false);
  BOOST_TEST(json::parse(p2[1].body)["export_existing_prospects"] == true);
  BOOST_TEST(json::parse(ids.out)["trigger_stage_ids"] == json({"stg-ref"}));
}

BOOST_AUTO_TEST_CASE(connect_unknown_stage_lists_the_stages) {
  fake_admin fake;
  fake.on("GET", "/admin/v1/orgs/acme/lever", 200, lever_conn(true, {"stg-phone"}));
  fake.on("PUT", "/admin/v1/orgs/acme/lever", 200, lever_conn(true, {"stg-phone"}));
  fake.on("GET", "/admin/v1/orgs/acme/lever/stages", 200, stages);
  auto r = ctl(fake, {"connect", "acme", "--api-key", "K", "--stage-token", "S", "--hired-token",
                      "H", "--trigger-stage", "Final Interview"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(has(r.err, "Final Interview"));
  BOOST_TEST(has(r.err, "Phone Screen"));
  BOOST_TEST(has(r.err, "stg-offer"));
  auto puts = fake.requests("PUT", "/admin/v1/orgs/acme/lever");
  BOOST_REQUIRE(puts.size() == 1);  // only the first one; connected: stored triggers kept
  BOOST_TEST(!json::parse(puts[0].body).contains("trigger_stage_ids"));

  // Unknown org.
  fake.on("GET", "/admin/v1/orgs/ghost/lever", 404,
          {{"error", {{"code", "not_found"}, {"message", "no org ghost"}}}});
  auto g = ctl(fake, {"connect", "ghost", "--api-key", "K", "--stage-token", "S", "--hired-token",
                      "H", "--trigger-stage", "Offer"});
  BOOST_TEST(g.code == 1);
  BOOST_TEST(has(g.err, "no org ghost"));
}

// -- templates -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(templates_apply_posts_and_puts) {
  fake_admin fake;
  fake.on("POST", "/admin/v1/orgs/acme/templates", 201, {{"id", "tpl-7"}, {"name", "Sales"}});
  fake.on("PUT", "/admin/v1/orgs/acme/templates/tpl-1", 200,
          {{"id", "tpl-1"}, {"name", "Engineering"}});
  const std::string file = "/tmp/vouchctl_test_templates_" + std::to_string(getpid()) + ".json";
  const json doc = json::array({{{"name", "Sales"}, {"ats_tag", "sales"}, {"priority", 2}},
                                {{"id", "tpl-1"}, {"name", "Engineering"}, {"is_default", true}}});
  std::ofstream(file) << doc.dump();

  auto r = ctl(fake, {"templates", "apply", "acme", file});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "tpl-7"));
  BOOST_TEST(has(r.out, "tpl-1"));
  auto posts = fake.requests("POST", "/admin/v1/orgs/acme/templates");
  auto puts = fake.requests("PUT", "/admin/v1/orgs/acme/templates/tpl-1");
  BOOST_REQUIRE(posts.size() == 1);
  BOOST_REQUIRE(puts.size() == 1);
  BOOST_TEST(json::parse(posts[0].body) == doc[0]);
  BOOST_TEST(json::parse(puts[0].body) == doc[1]);

  // One object; --json prints the answer.
  std::ofstream(file) << json({{"name", "Sales"}}).dump();
  auto one = ctl(fake, {"--json", "templates", "apply", "acme", file});
  BOOST_TEST(one.code == 0);
  BOOST_TEST(json::parse(one.out)["id"] == "tpl-7");

  // A rejected template: exit 1 with the daemon's message.
  fake.on("POST", "/admin/v1/orgs/beta/templates", 400,
          {{"error", {{"code", "bad_request"}, {"message", "name: expected a non-empty string"}}}});
  auto bad = ctl(fake, {"templates", "apply", "beta", file});
  BOOST_TEST(bad.code == 1);
  BOOST_TEST(has(bad.err, "name: expected a non-empty string"));

  std::ofstream(file) << "{not json";
  BOOST_TEST(ctl(fake, {"templates", "apply", "acme", file}).code == 2);
  std::remove(file.c_str());

  fake.on("DELETE", "/admin/v1/orgs/acme/templates/tpl-3", 200,
          {{"id", "tpl-3"}, {"deleted", true}});
  BOOST_TEST(ctl(fake, {"templates", "rm", "acme", "tpl-3"}).code == 0);
  BOOST_TEST(fake.requests("DELETE", "/admin/v1/orgs/acme/templates/tpl-3").size() == 1u);
}

BOOST_AUTO_TEST_CASE(templates_match_falls_back_to_a_local_choice) {
  fake_admin fake;  // no /templates/match route: 404
  const json list = {{"items",
                      {{{"id", "tpl-1"},
                        {"name", "General"},
                        {"ats_tag", ""},
                        {"priority", 0},
                        {"is_default", true}},
                       {{"id", "tpl-2"},
                        {"name", "Eng low"},
                        {"ats_tag", "engineering"},
                        {"priority", 1},
                        {"is_default", false}},
                       {{"id", "tpl-3"},
                        {"name", "Eng high"},
                        {"ats_tag", "Engineering"},
                        {"priority", 5},
                        {"is_default", false}},
                       {{"id", "tpl-4"},
                        {"name", "Eng high too"},
                        {"ats_tag", "engineering"},
                        {"priority", 5},
                        {"is_default", false}}}},
                     {"next_cursor", nullptr}};
  fake.on("GET", "/admin/v1/orgs/acme/templates", 200, list);

  auto r = ctl(fake, {"templates", "match", "acme", "--tags", "ENGINEERING,remote"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(line_with(r.out, "template:"), "tpl-3"));  // highest priority, then oldest
  BOOST_TEST(has(r.out, "vouchctl"));
  auto q = fake.requests("GET", "/admin/v1/orgs/acme/templates/match");
  BOOST_REQUIRE(q.size() == 1);
  BOOST_TEST(has(q[0].query, "tags=ENGINEERING%2Cremote"));

  auto d = ctl(fake, {"--json", "templates", "match", "acme", "--tags", "sales"});
  BOOST_TEST(d.code == 0);
  const json dj = json::parse(d.out);
  BOOST_TEST(dj["template_id"] == "tpl-1");
  BOOST_TEST(has(dj["why"].get<std::string>(), "default"));

  // --posting: the tags come from a candidate on that posting.
  fake.on("GET", "/admin/v1/orgs/acme/candidates", 200,
          {{"items",
            {{{"opportunity_id", "opp-1"},
              {"posting", {{"id", "post-9"}, {"title", "SRE"}, {"tags", {"engineering"}}}}}}},
           {"next_cursor", nullptr}});
  auto p = ctl(fake, {"templates", "match", "acme", "--posting", "post-9"});
  BOOST_TEST(p.code == 0, p.err);
  BOOST_TEST(has(line_with(p.out, "template:"), "tpl-3"));
  BOOST_TEST(ctl(fake, {"templates", "match", "acme", "--posting", "post-unknown"}).code == 1);

  // A daemon that has the route is asked and believed.
  fake.on("GET", "/admin/v1/orgs/acme/templates/match", 200,
          {{"template", {{"id", "tpl-2"}, {"name", "Eng low"}}}, {"why", "because"}});
  auto s = ctl(fake, {"templates", "match", "acme", "--tags", "engineering"});
  BOOST_TEST(s.code == 0);
  BOOST_TEST(has(line_with(s.out, "template:"), "tpl-2"));
  BOOST_TEST(has(s.out, "because"));
}

// -- candidates ------------------------------------------------------------------------------

namespace {

json candidate() {
  return {{"org", "acme"},
          {"opportunity_id", "opp-1"},
          {"state", "awaiting_references"},
          {"reason", nullptr},
          {"hired", false},
          {"hired_at", nullptr},
          {"request_id", "req-9"},
          {"report_url", nullptr},
          {"template_id", "tpl-1"},
          {"owner", {{"id", "u-1"}, {"name", "Olive Owner"}, {"email", "olive@example.com"}}},
          {"name", "Ada Lovelace"},
          {"email", "ada@example.com"},
          {"posting", {{"id", "post-1"}, {"title", "Engineer"}, {"tags", {"engineering"}}}},
          {"created_at", 1764000000000},
          {"updated_at", 1764000005000},
          {"history",
           {{{"seq", 1},
             {"at", 1764000000000},
             {"event", "stage_change"},
             {"from", "idle"},
             {"to", "resolving"},
             {"detail", "entered stage stg-ref"}},
            {{"seq", 2},
             {"at", 1764000002500},
             {"event", "resolved"},
             {"from", "resolving"},
             {"to", "requesting"},
             {"detail", "template tpl-1"}},
            {{"seq", 3},
             {"at", 1764000005000},
             {"event", "request_created"},
             {"from", "requesting"},
             {"to", "awaiting_references"},
             {"detail", "req-9"}}}},
          {"timers", {{{"kind", "reminder"}, {"due", 1764259200000}}}},
          {"commands",
           {{{"id", 42},
             {"org", "acme"},
             {"opportunity_id", "opp-1"},
             {"kind", "lever_note"},
             {"attempts", 3},
             {"next_at", 1764000060000},
             {"status", "pending"},
             {"last_error", "HTTP 503"},
             {"created_at", 1764000005000},
             {"recent_attempts",
              {{{"at", 1764000006000},
                {"http_status", nullptr},
                {"outcome", "retry"},
                {"error", "timed out after 10000 ms"}},
               {{"at", 1764000030000},
                {"http_status", 429},
                {"outcome", "rate_limited"},
                {"error", "HTTP 429"}},
               {{"at", 1764000050000},
                {"http_status", 503},
                {"outcome", "retry"},
                {"error", "HTTP 503"}}}}}}}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(candidates_show_prints_the_timeline) {
  fake_admin fake;
  fake.on("GET", "/admin/v1/orgs/acme/candidates/opp-1", 200, candidate());
  auto r = ctl(fake, {"candidates", "show", "acme", "opp-1"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "Ada Lovelace"));
  const std::string l1 = line_with(r.out, "idle → resolving");
  BOOST_TEST(has(l1, "2025-11-24T16:00:00Z"));
  BOOST_TEST(has(l1, "stage_change"));
  BOOST_TEST(has(l1, "entered stage stg-ref"));
  BOOST_TEST(l1.find("1") < l1.find("2025"));  // seq first
  const std::string l2 = line_with(r.out, "resolving → requesting");
  BOOST_TEST(has(l2, "2025-11-24T16:00:02.500Z"));
  // The timeline's columns line up.
  BOOST_TEST(l1.find("idle") ==
             line_with(r.out, "requesting → awaiting_references").find("requesting"));
  BOOST_TEST(has(line_with(r.out, "reminder"), "2025-11-27T16:00:00Z"));
  BOOST_TEST(has(line_with(r.out, "lever_note"), "HTTP 503"));
  // Each failed try of a command is its own line, oldest first.
  BOOST_TEST(has(r.out, "attempts of command 42 (lever_note)"));
  const std::string t1 = line_with(r.out, "timed out after 10000 ms");
  BOOST_TEST(has(t1, "2025-11-24T16:00:06Z"));
  BOOST_TEST(has(t1, "retry"));
  BOOST_TEST(has(line_with(r.out, "rate_limited"), "429"));
  BOOST_TEST(r.out.find("timed out after") < r.out.find("rate_limited"));

  auto j = ctl(fake, {"--json", "candidates", "show", "acme", "opp-1"});
  BOOST_TEST(j.code == 0);
  BOOST_TEST(json::parse(j.out) == candidate());

  json item = candidate();
  item.erase("history");
  item.erase("timers");
  item.erase("commands");
  fake.on("GET", "/admin/v1/orgs/acme/candidates", 200,
          {{"items", {item}}, {"next_cursor", nullptr}});
  auto ls = ctl(fake, {"candidates", "ls", "acme", "--state", "awaiting_references"});
  BOOST_TEST(ls.code == 0);
  BOOST_TEST(has(line_with(ls.out, "opp-1"), "awaiting_references"));
  BOOST_TEST(has(fake.requests("GET", "/admin/v1/orgs/acme/candidates")[0].query,
                 "state=awaiting_references"));

  fake.on("POST", "/admin/v1/orgs/acme/candidates/opp-1/resend", 202, {{"accepted", true}});
  fake.on("POST", "/admin/v1/orgs/acme/candidates/opp-1/retry", 409,
          {{"error", {{"code", "conflict"}, {"message", "nothing to retry in state idle"}}}});
  BOOST_TEST(ctl(fake, {"candidates", "resend", "acme", "opp-1"}).code == 0);
  BOOST_TEST(fake.requests("POST", "/admin/v1/orgs/acme/candidates/opp-1/resend").size() == 1u);
  auto retry = ctl(fake, {"candidates", "retry", "acme", "opp-1"});
  BOOST_TEST(retry.code == 1);
  BOOST_TEST(has(retry.err, "nothing to retry in state idle"));

  auto missing = ctl(fake, {"candidates", "show", "acme", "opp-404"});
  BOOST_TEST(missing.code == 1);
  BOOST_TEST(has(missing.err, "hint:"));
}

// -- outbox --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(outbox_ls_and_retry) {
  fake_admin fake;
  fake.on("POST", "/admin/v1/outbox/42/retry", 202, {{"accepted", true}});
  auto r = ctl(fake, {"outbox", "retry", "42"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(fake.requests("POST", "/admin/v1/outbox/42/retry").size() == 1u);

  fake.on("GET", "/admin/v1/outbox", 200,
          {{"items",
            {{{"id", 7},
              {"org", "acme"},
              {"opportunity_id", "opp-1"},
              {"kind", "platform_create"},
              {"attempts", 8},
              {"next_at", 0},
              {"status", "dead"},
              {"last_error", "HTTP 400"}}}},
           {"next_cursor", nullptr}});
  auto ls = ctl(fake, {"outbox", "ls", "--dead"});
  BOOST_TEST(ls.code == 0);
  BOOST_TEST(has(line_with(ls.out, "platform_create"), "HTTP 400"));
  BOOST_TEST(has(fake.requests("GET", "/admin/v1/outbox")[0].query, "status=dead"));
  BOOST_TEST(ctl(fake, {"outbox", "ls"}).code == 0);
  BOOST_TEST(has(fake.requests("GET", "/admin/v1/outbox")[1].query, "status=pending"));

  auto missing = ctl(fake, {"outbox", "retry", "999"});
  BOOST_TEST(missing.code == 1);
}

// -- export, top -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(export_watch_until_done) {
  fake_admin fake;
  fake.on("POST", "/admin/v1/orgs/acme/exports", 202, {{"id", "exp-1"}});
  auto prog = [](const char* state, int done, int failed, int skipped) {
    return json{
        {"state", state}, {"total", 10}, {"done", done}, {"failed", failed}, {"skipped", skipped}};
  };
  json running = prog("running", 2, 0, 1);
  running["eta_s"] = 4.2;  // the daemon's estimate wins
  fake.on("GET", "/admin/v1/exports/exp-1", 200, running);
  fake.on("GET", "/admin/v1/exports/exp-1", 200, prog("done", 8, 1, 1));
  auto r = ctl(fake, {"export", "start", "acme", "--watch"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(r.out, "3/10"));
  BOOST_TEST(has(r.out, "ETA 5s"));
  BOOST_TEST(has(r.out, "done"));
  BOOST_TEST(fake.requests("GET", "/admin/v1/exports/exp-1").size() == 2u);

  auto j = ctl(fake, {"--json", "export", "show", "exp-1"});
  BOOST_TEST(j.code == 0);
  BOOST_TEST(json::parse(j.out) == prog("done", 8, 1, 1));

  fake.on("GET", "/admin/v1/exports/exp-2", 200, prog("failed", 1, 9, 0));
  BOOST_TEST(ctl(fake, {"export", "show", "exp-2", "--watch"}).code == 1);
}

BOOST_AUTO_TEST_CASE(top_once_and_json) {
  fake_admin fake;
  const json sys = {{"actors", {{"resident", 3}, {"activations", 7}, {"router_mailbox", 0}}},
                    {"outbox_queue", {{"scheduled", 2}, {"in_flight", 1}}},
                    {"pools", {{"lever", {{"size", 8}, {"idle", 7}}}}},
                    {"timers_pending", 5},
                    {"storage",
                     {{"map_size", 1073741824},
                      {"used_bytes", 1048576},
                      {"page_size", 4096},
                      {"entries", {{"candidates", 12}}}}},
                    {"outbox", {{"pending", 2}, {"dead", 0}}},
                    {"ready", true},
                    {"draining", false}};
  fake.on("GET", "/admin/v1/system", 200, sys);
  auto r = ctl(fake, {"top", "--once"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(has(line_with(r.out, "resident"), "3"));
  BOOST_TEST(has(line_with(r.out, "timers_pending"), "5"));
  BOOST_TEST(has(line_with(r.out, "used_bytes"), "1.0 MiB"));
  BOOST_TEST(has(r.out, "0.1%"));
  auto j = ctl(fake, {"top", "--json"});
  BOOST_TEST(j.code == 0);
  BOOST_TEST(json::parse(j.out) == sys);
}
