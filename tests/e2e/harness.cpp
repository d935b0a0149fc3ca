#include "tests/e2e/harness.hpp"

#include <stdlib.h>

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/signatures.hpp"
#include "net/http_client.hpp"

namespace vouch::e2e {

namespace fs = std::filesystem;

namespace {

net::http_client& client() {
  // libcurl's global init must run once before the client's thread starts.
  static bool inited = (net::http_client::global_init(), true);
  (void)inited;
  static net::http_client c;
  return c;
}

std::string shorten(const std::string& s, std::size_t n = 600) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

bool current_test_passed() {
  using namespace boost::unit_test;
  return results_collector.results(framework::current_test_case().p_id).passed();
}

std::string toml_value(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return json(v.is_string() ? v.get<std::string>() : v.dump()).dump();  // JSON string = TOML
}

std::string toml_text(const json& cfg) {
  std::ostringstream out;
  for (const auto& [section, kv] : cfg.items()) {
    out << "[" << section << "]\n";
    for (const auto& [k, v] : kv.items()) out << k << " = " << toml_value(v) << "\n";
    out << "\n";
  }
  return out.str();
}

json filter_calls(const json& all, const std::string& method, const std::string& path_regex) {
  std::regex rx(path_regex.empty() ? ".*" : path_regex);
  json out = json::array();
  for (const auto& c : all) {
    if (!method.empty() && c.value("method", "") != method) continue;
    if (!std::regex_match(c.value("path", ""), rx)) continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

// -- HTTP -----------------------------------------------------------------------------------

std::string response::error_code() const {
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("code") && j["error"]["code"].is_string())
    return j["error"]["code"].get<std::string>();
  return "";
}

std::string response::describe() const {
  if (status == 0) return "transport error: " + error;
  return "HTTP " + std::to_string(status) + " " + shorten(body, 300);
}

std::string response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

response http(const std::string& method, const std::string& url, const std::string& body,
              header_list headers, milliseconds timeout) {
  net::client_request req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers = std::move(headers);
  req.timeout = timeout;
  auto res = client().perform(std::move(req)).get();
  response r;
  r.status = res.status;
  r.error = res.error;
  r.body = res.body;
  r.headers = res.headers;
  if (!r.body.empty()) {
    r.j = json::parse(r.body, nullptr, false);
    if (r.j.is_discarded()) r.j = nullptr;
  }
  return r;
}

response http_json(const std::string& method, const std::string& url, const json& body,
                   header_list headers) {
  if (body.is_null()) return http(method, url, "", std::move(headers));
  headers.emplace_back("Content-Type", "application/json");
  return http(method, url, body.dump(), std::move(headers));
}

// -- polling --------------------------------------------------------------------------------

json wait_for(const std::string& what, const std::function<json()>& probe,
              const std::function<bool(const json&)>& ok, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  json last;
  for (;;) {
    try {
      last = probe();
      if (ok(last)) return last;
    } catch (const std::exception& e) {
      last = std::string("<exception: ") + e.what() + ">";
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      BOOST_FAIL("timed out after " << timeout.count() << " ms waiting for " << what
                                    << " (last: " << shorten(last.dump()) << ")");
    }
    std::this_thread::sleep_for(50ms);  // poll interval, not a correctness sleep
  }
}

void stays(const std::string& what, const std::function<bool()>& pred, milliseconds duration) {
  auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    if (!pred()) BOOST_FAIL(what << " stopped holding");
    if (std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(100ms);
  }
}

// -- temp dir -------------------------------------------------------------------------------

temp_dir::temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/vouch-e2e-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  bool passed = current_test_passed();
  if (keep_ || !passed || std::getenv("VOUCH_E2E_KEEP")) {
    if (!passed) std::cerr << "e2e: kept " << path_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// -- lever-sim ------------------------------------------------------------------------------

void lever_sim::start(const std::string& dir, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {LEVER_SIM_BIN, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_.spawn(argv, dir, dir + "/lever-sim.log", true);
  std::string line = proc_.wait_for_line("listening on ", 15s);
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("(http://[^/\\s]+)/v1")))
    throw std::runtime_error("lever-sim printed no URL: " + line);
  root_ = m[1].str();
}

void lever_sim::stop() {
  proc_.terminate(5s);
}

json lever_sim::control(const std::string& method, const std::string& path, const json& body) {
  auto r = http_json(method, root_ + "/_sim/" + path, body);
  if (r.status < 200 || r.status >= 300)
    BOOST_FAIL("lever-sim " << method << " /_sim/" << path << " answered " << r.describe());
  return r.j;
}

void lever_sim::add_key(const std::string& key) {
  control("POST", "keys", {{"key", key}});
}

void lever_sim::add_opportunity(const std::string& id, const std::string& name,
                                const std::string& email, const std::string& posting) {
  control("POST", "opportunities",
          {{"id", id}, {"name", name}, {"email", email}, {"posting", posting}});
}

json lever_sim::calls(const std::string& method, const std::string& path_regex) {
  return filter_calls(control("GET", "calls").value("calls", json::array()), method, path_regex);
}

json lever_sim::ok_calls(const std::string& method, const std::string& path_regex) {
  json out = json::array();
  for (const auto& c : calls(method, path_regex)) {
    if (c["status"].is_number() && c["status"].get<int>() / 100 == 2) out.push_back(c);
  }
  return out;
}

std::vector<std::string> lever_sim::note_values(const std::string& opp) {
  std::vector<std::string> out;
  for (const auto& v : control("GET", "notes/" + opp).value("values", json::array()))
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

void lever_sim::fault(json spec) {
  control("POST", "faults", spec);
}
void lever_sim::clear_faults() {
  control("DELETE", "faults");
}
void lever_sim::delay(json spec) {
  control("POST", "delays", spec);
}
void lever_sim::clear_delays() {
  control("DELETE", "delays");
}

// -- platform-sim ---------------------------------------------------------------------------

void platform_sim::start(const std::string& dir, const std::string& secret,
                         const std::string& vouchd_url) {
  proc_.spawn(
      {PLATFORM_SIM_BIN, "--listen", "127.0.0.1:0", "--secret", secret, "--vouchd-url", vouchd_url},
      dir, dir + "/platform-sim.log", true);
  std::string line = proc_.wait_for_line("listening on ", 15s);
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("(http://[^/\\s]+)")))
    throw std::runtime_error("platform-sim printed no URL: " + line);
  root_ = m[1].str();
}

void platform_sim::stop() {
  proc_.terminate(5s);
}

json platform_sim::control(const std::string& method, const std::string& path, const json& body) {
  auto r = http_json(method, root_ + "/_sim/" + path, body);
  if (r.status < 200 || r.status >= 300)
    BOOST_FAIL("platform-sim " << method << " /_sim/" << path << " answered " << r.describe());
  return r.j;
}

json platform_sim::requests(const std::string& org, const std::string& opp) {
  json out = json::array();
  for (const auto& r : control("GET", "requests").value("requests", json::array())) {
    if (!org.empty() && r.value("org", "") != org) continue;
    if (!opp.empty() && r.value("opportunity_id", "") != opp) continue;
    out.push_back(r);
  }
  return out;
}

json platform_sim::calls(const std::string& method, const std::string& path_regex) {
  return filter_calls(control("GET", "calls").value("calls", json::array()), method, path_regex);
}

json platform_sim::hiring_status(const std::string& org, const std::string& opp) {
  json out = json::array();
  for (const auto& c : calls("POST", "/v1/hiring-status")) {
    const json& b = c["body"];
    if (!b.is_object() || b.value("org", "") != org || b.value("opportunity_id", "") != opp)
      continue;
    if (c["status"].is_number() && c["status"].get<int>() / 100 == 2) out.push_back(c);
  }
  return out;
}

json platform_sim::complete(const std::string& request_id, const std::string& report_url) {
  return control("POST", "complete", {{"request_id", request_id}, {"report_url", report_url}});
}

void platform_sim::delay(json spec) {
  control("POST", "delays", spec);
}
void platform_sim::clear_delays() {
  control("DELETE", "delays");
}

// -- vouchd ---------------------------------------------------------------------------------

vouchd::vouchd(const std::string& dir, const std::string& lever_url,
               const std::string& platform_url, const std::string& platform_secret,
               const json& overrides)
    : dir_(dir) {
  auto pub = free_port(), adm = free_port();
  while (adm == pub) adm = free_port();
  public_url_ = "http://127.0.0.1:" + std::to_string(pub);
  admin_url_ = "http://127.0.0.1:" + std::to_string(adm);
  maildir_ = dir + "/mail";
  log_path_ = dir + "/vouchd.log";
  config_path_ = dir + "/vouch.toml";
  admin_token_ = "adm-" + random_hex(16);
  cfg_ = {
      {"server",
       {{"listen", "127.0.0.1:" + std::to_string(pub)},
        {"admin_listen", "127.0.0.1:" + std::to_string(adm)},
        {"public_url", public_url_},
        {"drain_s", 5}}},
      {"storage", {{"path", dir + "/data"}, {"map_size", "256MiB"}}},
      {"security", {{"admin_token", admin_token_}, {"master_key", random_hex(32)}}},
      {"lever",
       {{"base_url", lever_url},
        {"rate_per_s", 10},
        {"burst", 20},
        {"timeout", "5s"},
        {"max_attempts", 10},
        {"retry_base", "100ms"},
        {"retry_max", "1s"}}},
      {"platform",
       {{"base_url", platform_url},
        {"secret", platform_secret},
        {"timeout", "5s"},
        {"max_attempts", 10},
        {"retry_base", "100ms"},
        {"retry_max", "1s"}}},
      {"mail",
       {{"transport", "maildir"}, {"dir", maildir_}, {"from", "vouch <no-reply@vouch.test>"}}},
      {"timing",
       {{"hire_followup_after", "1h"},
        {"reference_reminder_after", "2h"},
        {"request_expiry_after", "3h"},
        {"passivate_after", "1s"}}},
  };
  for (const auto& [section, kv] : overrides.items())
    for (const auto& [k, v] : kv.items()) cfg_[section][k] = v;
  std::ofstream(config_path_) << toml_text(cfg_);
}

void vouchd::set(const std::string& section, const std::string& key, const json& value) {
  cfg_[section][key] = value;
  std::ofstream(config_path_) << toml_text(cfg_);
}

vouchd::~vouchd() {
  proc_.kill9();
}

void vouchd::start(milliseconds timeout) {
  ++starts_;
  std::ofstream(log_path_, std::ios::app) << "\n===== start #" << starts_ << " =====\n";
  proc_.spawn({VOUCHD_BIN, "--config", config_path_}, dir_, log_path_, false);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!proc_.running()) BOOST_FAIL("vouchd exited during start-up; log: " << log_tail(15));
    // /readyz, not /healthz: /healthz answers as soon as the public listener does, a moment
    // before the admin listener accepts, and a test's first admin call could land in it
    // (seen on a busy machine: "Couldn't connect" on the admin port).
    auto r = http("GET", public_url_ + "/readyz", "", {}, 2s);
    if (r.status == 200) return;
    if (std::chrono::steady_clock::now() >= deadline)
      BOOST_FAIL("GET /readyz did not answer 200 within " << timeout.count()
                                                          << " ms; log: " << log_tail(15));
    std::this_thread::sleep_for(50ms);
  }
}

void vouchd::kill9() {
  proc_.kill9();
}

std::optional<int> vouchd::stop() {
  auto drain = cfg_["server"]["drain_s"].get<int>();
  return proc_.terminate(std::chrono::seconds(drain + 10));
}

response vouchd::admin(const std::string& method, const std::string& path, const json& body,
                       std::optional<std::string> token) {
  header_list h;
  std::string tok = token ? *token : admin_token_;
  if (!tok.empty()) h.emplace_back("Authorization", "Bearer " + tok);
  return http_json(method, admin_url_ + path, body, std::move(h));
}

json vouchd::admin_ok(const std::string& method, const std::string& path, const json& body,
                      std::vector<long> expect) {
  auto r = admin(method, path, body);
  if (std::find(expect.begin(), expect.end(), r.status) == expect.end())
    BOOST_FAIL("admin " << method << " " << path << " answered " << r.describe());
  return r.j;
}

json vouchd::candidate(const std::string& org, const std::string& opp) {
  auto r = admin("GET", "/admin/v1/orgs/" + org + "/candidates/" + opp);
  if (r.status == 404) return nullptr;
  if (r.status != 200 || !r.j.is_object())
    throw std::runtime_error("GET candidate " + org + "/" + opp + ": " + r.describe());
  return r.j;
}

std::string vouchd::log_tail(std::size_t lines) const {
  std::ifstream in(log_path_);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "\n  | " + all[i];
  return out;
}

std::string vouchd::metrics() {
  auto r = http("GET", admin_url_ + "/metrics");
  if (r.status != 200) BOOST_FAIL("GET /metrics answered " << r.describe());
  return r.body;
}

double metric_sum(const std::string& text, const std::string& name,
                  const std::string& label_filter) {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size(), name) != 0) continue;
    char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    if (!label_filter.empty() && line.find(label_filter) == std::string::npos) continue;
    auto sp = line.rfind(' ');
    sum += std::stod(line.substr(sp + 1));
  }
  return sum;
}

// -- orgs, webhooks, events -----------------------------------------------------------------

json make_template(const std::string& name, const std::string& ats_tag, int priority,
                   bool is_default) {
  return {
      {"name", name},
      {"ats_tag", ats_tag},
      {"priority", priority},
      {"is_default", is_default},
      {"description", ""},
      {"request",
       {{"position", "Engineer"},
        {"survey_id", "eng-v2"},
        {"references",
         json::array({{{"relationship", "manager"}, {"count", 2}, {"note", "From your last job"}},
                      {{"relationship", "any"}, {"count", 1}, {"note", ""}}})}}},
      {"hiring_manager", {{"name", "Hana Manager"}, {"email", "hana@acme.example"}}},
      {"notifications",
       {{"email_subject", "Reference for {candidate}"},
        {"email_body", "Hello"},
        {"sms_text", "Please give a reference"}}},
  };
}

std::vector<json> default_templates() {
  return {make_template("General", "", 0, true), make_template("Engineering", "engineering", 1),
          make_template("Sales", "sales", 1)};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_hex(std::size_t bytes) {
  return core::hex_lower(core::random_bytes(bytes));
}

json lever_body(const std::string& event, const json& data, const std::string& signature_token,
                std::optional<int64_t> triggered_at, std::optional<std::string> token) {
  int64_t t = triggered_at ? *triggered_at : now_ms();
  std::string tok = token ? *token : random_hex(24);
  return {{"triggeredAt", t},
          {"event", event},
          {"token", tok},
          {"signature", core::lever_signature(signature_token, tok, t)},
          {"data", data}};
}

response post_webhook(const vouchd& d, const std::string& org, const std::string& kind,
                      const std::string& raw_body) {
  return http("POST", d.public_url() + "/webhooks/lever/" + org + "/" + kind, raw_body,
              {{"Content-Type", "application/json"}, {"User-Agent", "Lever-Webhooks"}});
}

json stage_data(const std::string& opp, const std::string& to_stage) {
  return {{"candidateId", "cand-" + opp},
          {"opportunityId", opp},
          {"contactId", "ct-" + opp},
          {"fromStageId", "stage-phone"},
          {"toStageId", to_stage}};
}

response post_platform_event(const vouchd& d, const std::string& raw_body, const std::string& key,
                             const std::string& msg_id, std::optional<int64_t> timestamp_s,
                             std::optional<std::string> signature) {
  int64_t ts = timestamp_s ? *timestamp_s : now_ms() / 1000;
  header_list h = {{"Content-Type", "application/json"},
                   {"webhook-id", msg_id},
                   {"webhook-timestamp", std::to_string(ts)}};
  std::string sig = signature ? *signature : core::platform_signature(key, msg_id, ts, raw_body);
  if (!sig.empty()) h.emplace_back("webhook-signature", sig);
  return http("POST", d.public_url() + "/platform/v1/events", raw_body, std::move(h));
}

// -- env ------------------------------------------------------------------------------------

env::env(const json& overrides, const std::vector<std::string>& lever_args) {
  platform_key = core::random_bytes(32);
  platform_secret = "whsec_" + core::base64_encode(platform_key);
  lever.start(dir.path(), lever_args);
  // vouchd's ports are fixed before it starts, so the platform-sim knows where events go.
  daemon = std::make_unique<vouchd>(dir.path(), lever.base_url(), "http://127.0.0.1:1",
                                    platform_secret, overrides);
  platform.start(dir.path(), platform_secret, daemon->public_url());
  daemon->set("platform", "base_url", platform.url());
  daemon->start();
}

env::~env() {
  if (!current_test_passed() && daemon) {
    std::cerr << "vouchd log tail (" << daemon->log_path() << "):" << daemon->log_tail(60) << "\n";
  }
  if (daemon) daemon->kill9();
  platform.stop();
  lever.stop();
}

org_handle env::setup_org(const std::string& id, const std::vector<json>& templates,
                          const json& connection) {
  org_handle org;
  org.id = id;
  org.api_key = "key-" + id + "-" + random_hex(4);
  org.stage_token = "stage-tok-" + random_hex(8);
  org.hired_token = "hired-tok-" + random_hex(8);
  lever.add_key(org.api_key);
  daemon->admin_ok("PUT", "/admin/v1/orgs/" + id, {{"name", id + " Inc."}});
  json body = {{"api_key", org.api_key},
               {"stage_change_signature_token", org.stage_token},
               {"hired_signature_token", org.hired_token},
               {"trigger_stage_ids", {"stage-refcheck"}},
               {"perform_as", "user-recruiter"},
               {"hired_archive_reason_id", nullptr},
               {"export_existing_prospects", false},
               {"auto_export_new_prospects", false},
               {"base_url", lever.base_url()}};
  body.update(connection);
  daemon->admin_ok("PUT", "/admin/v1/orgs/" + id + "/lever", body);
  for (const auto& t : templates) {
    json r = daemon->admin_ok("POST", "/admin/v1/orgs/" + id + "/templates", t, {201});
    BOOST_REQUIRE_MESSAGE(r.is_object() && r.contains("id"), "POST template: no id in " << r);
    org.templates[t["name"].get<std::string>()] =
        r["id"].is_string() ? r["id"].get<std::string>() : r["id"].dump();
  }
  return org;
}

response env::stage_change(const org_handle& org, const std::string& opp,
                           const std::string& to_stage, std::optional<int64_t> triggered_at,
                           json* body_out) {
  json body =
      lever_body("candidateStageChange", stage_data(opp, to_stage), org.stage_token, triggered_at);
  if (body_out) *body_out = body;
  return post_webhook(*daemon, org.id, "stage-change", body.dump());
}

response env::hired(const org_handle& org, const std::string& opp) {
  json data = {{"candidateId", "cand-" + opp}, {"opportunityId", opp}, {"contactId", "ct-" + opp}};
  json body = lever_body("candidateHired", data, org.hired_token);
  return post_webhook(*daemon, org.id, "hired", body.dump());
}

response env::send_event(const json& event) {
  return post_platform_event(*daemon, event.dump(), platform_key,
                             event.value("id", "msg_" + random_hex(8)));
}

response env::report_completed(const org_handle& org, const std::string& opp,
                               const std::string& request_id, const std::string& report_url,
                               json* event_out) {
  json ev = {{"id", "evt-" + random_hex(6)},
             {"type", "report.completed"},
             {"org", org.id},
             {"opportunity_id", opp},
             {"request_id", request_id},
             {"report_url", report_url},
             {"at", now_ms()}};
  if (event_out) *event_out = ev;
  return send_event(ev);
}

void env::route_lever_webhooks(const org_handle& org) {
  const std::string hooks = daemon->public_url() + "/webhooks/lever/" + org.id;
  lever.control("POST", "webhooks",
                {{"stage_change_url", hooks + "/stage-change"},
                 {"hired_url", hooks + "/hired"},
                 {"stage_token", org.stage_token},
                 {"hired_token", org.hired_token}});
}

json env::wait_state(const std::string& org, const std::string& opp,
                     const std::vector<std::string>& states, milliseconds timeout) {
  std::string want;
  for (const auto& s : states) want += (want.empty() ? "" : "/") + s;
  auto probe = [&]() -> json {
    json c = daemon->candidate(org, opp);
    if (c.is_null()) return "no such candidate";
    return {{"state", c["state"]}, {"reason", c["reason"]}, {"record", c}};
  };
  json got = wait_for(
      org + "/" + opp + " to reach state " + want, probe,
      [&](const json& v) {
        return v.is_object() && std::find(states.begin(), states.end(),
                                          v["state"].get<std::string>()) != states.end();
      },
      timeout);
  return got["record"];
}

json env::wait_request(const std::string& org, const std::string& opp, milliseconds timeout) {
  json reqs = wait_for(
      "a reference request for " + org + "/" + opp + " at platform-sim",
      [&] { return platform.requests(org, opp); }, [](const json& v) { return !v.empty(); },
      timeout);
  return reqs[0];
}

std::string env::request_to_awaiting(const org_handle& org, const std::string& opp) {
  expect_accepted(stage_change(org, opp), "stage change for " + opp);
  json req = wait_request(org.id, opp);
  wait_state(org.id, opp, {"awaiting_references"});
  return req["request_id"].get<std::string>();
}

void expect_accepted(const response& r, const std::string& what, const std::string& flag) {
  bool ok = r.status == 200 && r.j.is_object() && r.j.value("accepted", false) == true &&
            (flag.empty() || r.j.value(flag, false) == true);
  BOOST_CHECK_MESSAGE(ok, what << ": expected 200 {\"accepted\": true"
                               << (flag.empty() ? "" : ", \"" + flag + "\": true") << "}, got "
                               << r.describe());
}

void expect_error(const response& r, long status, const std::string& code,
                  const std::string& what) {
  BOOST_CHECK_MESSAGE(
      r.status == status && r.error_code() == code,
      what << ": expected HTTP " << status << " " << code << ", got " << r.describe());
}

}  // namespace vouch::e2e
