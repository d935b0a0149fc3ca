// The end-to-end harness: real vouchd, lever-sim and platform-sim processes in a fresh temp
// dir per test case, HTTP through vouch::net::http_client, request signing, and polling
// helpers with deadlines (tests never sleep for correctness).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/process.hpp"

namespace vouch::e2e {

using json = nlohmann::json;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// -- HTTP ---------------------------------------------------------------------------------

using header_list = std::vector<std::pair<std::string, std::string>>;

struct response {
  long status = 0;    ///< 0: transport error
  std::string error;  ///< transport error text
  std::string body;
  json j;                                      ///< parsed body; null when empty or not JSON
  std::map<std::string, std::string> headers;  ///< lower-case names

  /// error.code of a `{"error": {"code": ...}}` body, or "".
  std::string error_code() const;
  /// "HTTP 400 {...}" for messages.
  std::string describe() const;
  std::string header(const std::string& lower_name) const;
};

response http(const std::string& method, const std::string& url, const std::string& body = "",
              header_list headers = {}, milliseconds timeout = 15s);
/// `body` null: no body; otherwise sent as JSON.
response http_json(const std::string& method, const std::string& url, const json& body,
                   header_list headers = {});

// -- polling ------------------------------------------------------------------------------

/// Calls `probe` until `ok(value)` holds and returns that value; fails the test with `what`
/// and the last value seen once `timeout` passes. A throwing probe counts as "not yet".
json wait_for(const std::string& what, const std::function<json()>& probe,
              const std::function<bool(const json&)>& ok, milliseconds timeout = 15s);
/// Checks that `pred` holds during `duration` (for "nothing else happens"); fails the test
/// with `what` as soon as it does not.
void stays(const std::string& what, const std::function<bool()>& pred, milliseconds duration);

// -- the processes ------------------------------------------------------------------------

/// A fresh directory under $TMPDIR (or /tmp), removed when the test case passed.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

class lever_sim {
 public:
  /// `extra`: more lever-sim flags, e.g. {"--rate", "200"}.
  void start(const std::string& dir, const std::vector<std::string>& extra = {});
  void stop();
  std::string base_url() const { return root_ + "/v1"; }  ///< for connections / config
  const std::string& root() const { return root_; }

  /// A /_sim/ call; fails the test unless it answers 2xx. Returns the JSON body.
  json control(const std::string& method, const std::string& path, const json& body = nullptr);
  void add_key(const std::string& key);
  void add_opportunity(const std::string& id, const std::string& name, const std::string& email,
                       const std::string& posting);
  /// Recorded API calls, filtered by method ("" = any) and a full-match path regex.
  json calls(const std::string& method, const std::string& path_regex);
  /// Calls that got a 2xx answer.
  json ok_calls(const std::string& method, const std::string& path_regex);
  std::vector<std::string> note_values(const std::string& opp);
  void fault(json spec);
  void clear_faults();
  void delay(json spec);
  void clear_delays();

 private:
  child_process proc_;
  std::string root_;
};

class platform_sim {
 public:
  void start(const std::string& dir, const std::string& secret, const std::string& vouchd_url);
  void stop();
  const std::string& url() const { return root_; }

  json control(const std::string& method, const std::string& path, const json& body = nullptr);
  /// Reference requests the sim holds (one per idempotency key) for org/opp ("" = any).
  json requests(const std::string& org = "", const std::string& opp = "");
  json calls(const std::string& method, const std::string& path_regex);
  /// POST /v1/hiring-status calls for org/opp that got 2xx.
  json hiring_status(const std::string& org, const std::string& opp);
  /// /_sim/complete: the sim signs and sends report.completed; returns vouchd's answer
  /// ({"status", "body"}).
  json complete(const std::string& request_id, const std::string& report_url);
  void delay(json spec);
  void clear_delays();

 private:
  child_process proc_;
  std::string root_;
};

class vouchd {
 public:
  /// Picks two free ports and writes `<dir>/vouch.toml`; `overrides` is
  /// {"section": {"key": value}} merged over the defaults.
  vouchd(const std::string& dir, const std::string& lever_url, const std::string& platform_url,
         const std::string& platform_secret, const json& overrides);
  ~vouchd();
  /// Changes one config value (rewrites the file; takes effect at the next start).
  void set(const std::string& section, const std::string& key, const json& value);

  /// Spawns vouchd and waits for GET /readyz == 200 (both listeners accept). Fails the test
  /// otherwise.
  void start(milliseconds timeout = 20s);
  void kill9();
  /// SIGTERM; the exit code (nullopt: did not exit within drain_s + 10 s).
  std::optional<int> stop();
  bool running() { return proc_.running(); }
  pid_t pid() const { return proc_.pid(); }

  const std::string& public_url() const { return public_url_; }
  const std::string& admin_url() const { return admin_url_; }
  const std::string& maildir() const { return maildir_; }
  const std::string& log_path() const { return log_path_; }
  const json& config() const { return cfg_; }
  const std::string& admin_token() const { return admin_token_; }

  response admin(const std::string& method, const std::string& path, const json& body = nullptr,
                 std::optional<std::string> token = std::nullopt);
  /// An admin call that must answer one of `expect`; returns the JSON body.
  json admin_ok(const std::string& method, const std::string& path, const json& body = nullptr,
                std::vector<long> expect = {200, 201, 202, 204});
  /// The full candidate record, or null when the admin API answers 404.
  json candidate(const std::string& org, const std::string& opp);
  std::string log_tail(std::size_t lines = 40) const;
  /// GET /metrics on the admin listener (Prometheus text).
  std::string metrics();

 private:
  child_process proc_;
  std::string dir_, public_url_, admin_url_, maildir_, log_path_, config_path_, admin_token_;
  json cfg_;
  int starts_ = 0;
};

/// Sum of every series of `name` in a Prometheus text (0 when absent).
double metric_sum(const std::string& text, const std::string& name,
                  const std::string& label_filter = "");

// -- orgs, webhooks, events ---------------------------------------------------------------

struct org_handle {
  std::string id, api_key, stage_token, hired_token;
  std::map<std::string, std::string> templates;  ///< name -> id
};

json make_template(const std::string& name, const std::string& ats_tag, int priority = 0,
                   bool is_default = false);
/// General (default, no tag), Engineering (priority 1), Sales (priority 1).
std::vector<json> default_templates();

int64_t now_ms();
std::string random_hex(std::size_t bytes);

/// A Lever webhook envelope signed with `signature_token` (token and triggeredAt generated
/// when not given).
json lever_body(const std::string& event, const json& data, const std::string& signature_token,
                std::optional<int64_t> triggered_at = std::nullopt,
                std::optional<std::string> token = std::nullopt);
response post_webhook(const vouchd& d, const std::string& org, const std::string& kind,
                      const std::string& raw_body);
json stage_data(const std::string& opp, const std::string& to_stage = "stage-refcheck");

/// A platform event POSTed the Standard Webhooks way with `key` (raw HMAC key bytes).
/// `signature`: override the webhook-signature header ("" omits it).
response post_platform_event(const vouchd& d, const std::string& raw_body, const std::string& key,
                             const std::string& msg_id,
                             std::optional<int64_t> timestamp_s = std::nullopt,
                             std::optional<std::string> signature = std::nullopt);

/// Everything one test case runs against: temp dir, both sims, vouchd.
class env {
 public:
  /// `overrides` as for vouchd (e.g. {"timing": {"hire_followup_after": "1s"}}).
  explicit env(const json& overrides = json::object(),
               const std::vector<std::string>& lever_args = {});
  ~env();

  org_handle setup_org(const std::string& id, const std::vector<json>& templates,
                       const json& connection = json::object());
  response stage_change(const org_handle& org, const std::string& opp,
                        const std::string& to_stage = "stage-refcheck",
                        std::optional<int64_t> triggered_at = std::nullopt,
                        json* body_out = nullptr);
  response hired(const org_handle& org, const std::string& opp);
  /// A report.completed signed with the platform key; `event_out` gets the event.
  response report_completed(const org_handle& org, const std::string& opp,
                            const std::string& request_id, const std::string& report_url,
                            json* event_out = nullptr);
  response send_event(const json& event);

  /// Makes lever-sim deliver its own webhooks (stage changes, hires) to vouchd, signed
  /// with the org's tokens.
  void route_lever_webhooks(const org_handle& org);
  /// Waits for the candidate to be in one of `states`; returns its record.
  json wait_state(const std::string& org, const std::string& opp,
                  const std::vector<std::string>& states, milliseconds timeout = 15s);
  /// Waits for the platform to hold a reference request for org/opp; returns it.
  json wait_request(const std::string& org, const std::string& opp, milliseconds timeout = 15s);
  /// Stage change into the trigger stage, then awaiting_references; returns the request id.
  std::string request_to_awaiting(const org_handle& org, const std::string& opp);

  temp_dir dir;
  std::string platform_secret, platform_key;
  lever_sim lever;
  platform_sim platform;
  std::unique_ptr<vouchd> daemon;
};

/// Checks a 200 {"accepted": true, flag: true}; flag "" only checks accepted.
void expect_accepted(const response& r, const std::string& what, const std::string& flag = "");
void expect_error(const response& r, long status, const std::string& code, const std::string& what);

}  // namespace vouch::e2e
