// What the admin API's handlers share: the answer and call types, body and query
// validation (errors name the field), paging, the write slot, and the implementation's
// declaration. Each resource's handlers live in a file of their own beside this one:
// orgs.cpp, connection.cpp, health.cpp, templates.cpp, candidates.cpp, outbox.cpp,
// exports.cpp, system.cpp; engine/admin_api.cpp routes.
#pragma once

#include "engine/admin_api.hpp"

#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"
#include "core/template_match.hpp"
#include "engine/admin_console.hpp"
#include "engine/json_render.hpp"
#include "storage/repository.hpp"

namespace vouch::engine {
namespace admin {

// -- small helpers ------------------------------------------------------------------------

using actors::now_ms;
using nlohmann::json;

inline std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

/// Digits only, no sign, fits in uint64.
inline bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

/// Fixed-width decimal, so that string order is numeric order (paging keys).
inline std::string fixed20(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v));
  return buf;
}

/// Never throws on odd bytes from outside (Lever names, error texts): replaces them.
inline std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// -- bad requests ---------------------------------------------------------------------------

/// A body or query that does not validate: errc::invalid with "<field>: <what is wrong>".
/// Validators return it as a value (core::status / core::result); handlers answer it with
/// answer::invalid (400 bad_request).
inline core::error_info bad(const std::string& field, const std::string& what) {
  return {core::errc::invalid, field + ": " + what};
}

inline std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

/// Reads one JSON object field by field, naming the dotted path of whatever is wrong.
/// `null` counts as omitted: the default applies. The first problem sticks (like an
/// istream's failbit): later reads return their defaults, and the caller asks `status()`
/// once after reading everything it needs.
class object_reader {
 public:
  object_reader(const json& j, std::string path, std::initializer_list<const char*> known)
      : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) {
      fail(path_.empty() ? "body" : path_, "expected a JSON object");
      return;
    }
    for (const auto& item : j_.items()) {
      bool ok = false;
      for (const char* k : known) ok = ok || item.key() == k;
      if (!ok) {
        fail(join_path(path_, item.key()), "unknown field");
        return;
      }
    }
  }

  const json* find(const char* key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string name(const char* key) const { return join_path(path_, key); }

  std::string str(const char* key, std::string def = {}) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_string()) return fail(name(key), "expected a string"), def;
    return v->get<std::string>();
  }
  std::string nonempty_str(const char* key) const {
    const json* v = find(key);
    if (!v || !v->is_string() || v->get_ref<const std::string&>().empty())
      return fail(name(key), "expected a non-empty string"), std::string();
    return v->get<std::string>();
  }
  int64_t integer(const char* key, int64_t def,
                  int64_t min = std::numeric_limits<int64_t>::min()) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_number_integer()) return fail(name(key), "expected an integer"), def;
    if (v->is_number_unsigned() &&
        v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return fail(name(key), "integer out of range"), def;
    const auto n = v->get<int64_t>();
    if (n < min) return fail(name(key), "expected an integer >= " + std::to_string(min)), def;
    return n;
  }
  bool boolean(const char* key, bool def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) return fail(name(key), "expected true or false"), def;
    return v->get<bool>();
  }

  /// Records a problem the caller found itself (a rule across fields), unless one is
  /// already recorded.
  void fail(const std::string& field, const std::string& what) const {
    if (err_.code == core::errc::ok) err_ = bad(field, what);
  }
  /// The first problem met, or ok.
  core::status status() const { return core::status(err_); }

 private:
  const json& j_;
  std::string path_;
  mutable core::error_info err_;
};

/// Actions without parameters take no body or `{}`; anything else (`{`, `[[[`, fields) is a
/// mistake the caller should hear about rather than have ignored.
inline core::status parse_empty_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return core::status(bad("body", "not valid JSON"));
  if (!j.is_object()) return core::status(bad("body", "expected {} or no body"));
  if (!j.empty())
    return core::status(bad(j.begin().key(), "unknown field; this action takes no parameters"));
  return {};
}

inline core::result<json> parse_body_object(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("body", "not valid JSON");
  if (!j.is_object()) return bad("body", "expected a JSON object");
  return j;
}

// -- paging --------------------------------------------------------------------------------

struct page_request {
  std::size_t limit = 100;
  std::optional<std::string> after;  ///< sort key of the last item already seen
};

using query_map = std::map<std::string, std::string>;

inline core::result<page_request> parse_paging(const query_map& q) {
  page_request p;
  if (auto it = q.find("limit"); it != q.end()) {
    uint64_t n = 0;
    if (!parse_u64(it->second, n) || n < 1 || n > 500)
      return bad("limit", "expected an integer from 1 to 500");
    p.limit = static_cast<std::size_t>(n);
  }
  if (auto it = q.find("cursor"); it != q.end() && !it->second.empty()) {
    std::string key;
    if (!core::base64url_decode(it->second, key))
      return bad("cursor", "not a cursor from this list");
    p.after = std::move(key);
  }
  return p;
}

/// One page of `items`, which must be sorted by `key` ascending with unique keys. The cursor
/// is the base64url of the last key on the page, so a page stays correct when items are
/// added or removed between calls.
template <class T, class KeyFn, class RenderFn>
json page_of(const std::vector<T>& items, const page_request& p, KeyFn key, RenderFn render) {
  json out = json::array();
  std::string last;
  bool more = false;
  for (const auto& item : items) {
    std::string k = key(item);
    if (p.after && k <= *p.after) continue;
    if (out.size() == p.limit) {
      more = true;
      break;
    }
    out.push_back(render(item));
    last = std::move(k);
  }
  return {{"items", std::move(out)},
          {"next_cursor", more ? json(core::base64url_encode(last)) : json(nullptr)}};
}

// -- answers ---------------------------------------------------------------------------------

/// The answer to one request. Copies share the responder; the first send wins. Every send
/// counts vouch_admin_requests_total{route, status}.
struct answer {
  net::responder respond;
  actors::metrics* stats = nullptr;
  std::string route = "unknown";
  /// When set, the response goes here instead of to the client (a handler that adds to an
  /// answer built by another, such as the key check after a connection is saved).
  std::function<void(net::http_response)> then;
  /// Set for an authorized change (any method but GET): "method=... path=... token=<fp>";
  /// its answer is logged as msg=admin_change with the route and status.
  std::string audit;

  void send(net::http_response res) const {
    if (then) return then(std::move(res));
    if (!audit.empty())
      spdlog::info("msg=admin_change {} route={} status={}", audit, route, res.status);
    if (stats)
      stats->inc("vouch_admin_requests_total",
                 "route=\"" + route + "\",status=\"" + std::to_string(res.status) + "\"");
    respond(std::move(res));
  }
  void json_body(unsigned status, const json& body) const {
    net::http_response res;
    res.status = status;
    res.body = dump(body);
    res.headers.emplace_back("Cache-Control", "no-store");
    send(std::move(res));
  }
  void error(unsigned status, const std::string& code, const std::string& message) const {
    net::http_response res;
    res.status = status;
    res.body = dump({{"error", {{"code", code}, {"message", message}}}});
    res.headers.emplace_back("Cache-Control", "no-store");
    if (status == 503) res.headers.emplace_back("Retry-After", "1");
    if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
    send(std::move(res));
  }
  void not_found(const std::string& message) const { error(404, "not_found", message); }
  /// A request that did not validate (errc::invalid): 400 bad_request naming the field.
  void invalid(const core::error_info& e) const { error(400, "bad_request", e.message); }
};

/// The parsed parts of a request that the handlers use.
struct call {
  std::string method;
  std::vector<std::string> seg;  ///< decoded path segments after /admin/v1
  query_map query;
  std::string body;
};

/// The write slot: admin writes run one at a time (see admin_api.hpp). release() hands the
/// slot to the next waiting write; dropping the last copy without calling it releases too,
/// so a lost callback cannot block admin writes forever.
class write_slot {
 public:
  explicit write_slot(std::function<void()> on_release) : on_release_(std::move(on_release)) {}
  ~write_slot() { release(); }
  write_slot(const write_slot&) = delete;
  write_slot& operator=(const write_slot&) = delete;
  void release() {
    if (!released_.exchange(true)) on_release_();
  }

 private:
  std::function<void()> on_release_;
  std::atomic<bool> released_{false};
};
using slot_ptr = std::shared_ptr<write_slot>;

inline const char* const org_id_rule = "expected 1-64 characters of a-z, 0-9, '_' and '-'";

}  // namespace admin

using admin::answer;
using admin::call;
using admin::json;
using admin::slot_ptr;

struct history_sampler;  ///< engine/admin/history.cpp

struct admin_api::impl : std::enable_shared_from_this<impl> {
  impl(actors::engine_context& c, net::http_client& h) : ctx(c), http(h) {}

  actors::engine_context& ctx;
  net::http_client& http;

  std::mutex write_mu;
  bool write_busy = false;
  std::deque<std::function<void()>> write_queue;

  // -- routing ---------------------------------------------------------------------------

  void handle(net::http_request&& req, answer& a);
  bool authorized(const net::http_request& req, const answer& a) const;
  void route(call& c, answer& a);
  static bool method_is(const call& c, std::initializer_list<const char*> allowed, const answer& a);

  // -- writes --------------------------------------------------------------------------------

  /// Runs `job` when no other admin write is in flight; `job` must eventually release its
  /// slot (commit() below does it after answering).
  void exclusive(std::function<void(slot_ptr)> job, answer a);
  void release_write();
  /// Commits `ws`, reloads `org` in the directory, then answers `status` with `body`.
  void commit(storage::write_set ws, const std::string& org, answer a, slot_ptr slot,
              unsigned status, json body, std::vector<core::command> commands = {});
  void start_export(const std::string& org, const answer& a);
  void get_export(const std::string& id, const answer& a);
  void cancel_export(const std::string& id, const answer& a);
  void list_exports(const std::string& org, const call& c, const answer& a);

  // -- handlers --------------------------------------------------------------------------------

  void list_orgs(const call& c, const answer& a);
  void get_org(const std::string& org, const answer& a);
  void put_org(const std::string& org, const call& c, const answer& a);
  void get_lever(const std::string& org, const answer& a);
  void put_lever(const std::string& org, const call& c, const answer& a);
  void webhook_urls(const std::string& org, const answer& a);
  void lever_stages(const std::string& org, const answer& a);
  void fetch_stages(std::string base, std::string key, std::string offset, json items, int pages,
                    answer a);
  void list_templates(const std::string& org, const call& c, const answer& a);
  void create_template(const std::string& org, const call& c, const answer& a);
  void get_template(const std::string& org, const std::string& id, const answer& a);
  void put_template(const std::string& org, const std::string& id, const call& c, const answer& a);
  void delete_template(const std::string& org, const std::string& id, const answer& a);
  void match_template(const std::string& org, const call& c, const answer& a);
  /// Answers the dry-run template choice for `tags` (read from `posting` when not null).
  void answer_match(const std::string& org, const std::vector<std::string>& tags, json posting,
                    const answer& a);
  void list_candidates(const std::string& org, const call& c, const answer& a);
  void get_candidate(const std::string& org, const std::string& opp, const answer& a);
  void candidate_action(const std::string& org, const std::string& opp, bool resend,
                        const answer& a);
  void list_outbox(const call& c, const answer& a);
  void retry_command(const std::string& id, const answer& a);
  /// POST /admin/v1/outbox/retry: requeues every dead command the filters pick.
  void retry_many(const call& c, const answer& a);
  /// The breakers as the dispatcher has them, each Lever key's with the orgs that use it.
  json breaker_list();
  void breakers(const answer& a);
  void org_health(const std::string& org, const answer& a);
  /// POST /orgs/{org}/reconcile: a catch-up pass now (or right after the running one).
  void reconcile_now(const std::string& org, const answer& a);
  json reconcile_health(const std::string& org) const;
  /// One live Lever call with the org's key (GET /stages); records the answer in the org's
  /// health and passes the resulting `lever` health object to `done`.
  void check_key(const std::string& org, std::function<void(json)> done);
  /// A Lever call on the engine's Lever client actors and rate budget (directly, when the
  /// engine is not running: `--check`-style use and tests without actors).
  void lever_call(net::client_request req, std::function<void(net::client_response)> done) {
    if (ctx.port) return ctx.port->lever_call(std::move(req), std::move(done));
    http.perform_async(std::move(req), std::move(done));
  }
  json lever_health(const std::string& org) const;
  void system(const answer& a);
  /// GET /admin/v1/system/history (engine/admin/history.cpp): the last hour, every 10 s.
  void system_history(const answer& a);
  /// The thread that samples the history: started by admin_api's constructor, stopped
  /// (and joined) by its destructor.
  void start_sampling();
  void stop_sampling();
  std::shared_ptr<history_sampler> sampler;
  /// POST /admin/v1/backup (engine/admin/backup.cpp); one at a time.
  void backup(const call& c, const answer& a);
  std::atomic<bool> backup_running{false};
  /// GET /metrics (engine/admin/metrics.cpp).
  void metrics_page(const answer& a);
  std::mutex census_mu;
  int64_t census_at = -1'000'000;  ///< when the per-org census last ran (ms)

  bool org_exists(const std::string& org) const {
    return core::valid_org_id(org) && storage::load_org(*ctx.db, org).has_value();
  }
};

}  // namespace vouch::engine
