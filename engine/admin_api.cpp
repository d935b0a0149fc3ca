#include "engine/admin_api.hpp"

#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"

#include <algorithm>
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

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/ids.hpp"
#include "core/template_match.hpp"
#include "engine/admin_console.hpp"
#include "engine/json_render.hpp"
#include "storage/repository.hpp"

namespace vouch::engine {

using nlohmann::json;

namespace {

// -- small helpers ------------------------------------------------------------------------

using actors::now_ms;

std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

/// Digits only, no sign, fits in uint64.
bool parse_u64(std::string_view s, uint64_t& out) {
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
std::string fixed20(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v));
  return buf;
}

/// Never throws on odd bytes from outside (Lever names, error texts): replaces them.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// -- bad requests ---------------------------------------------------------------------------

/// A body or query that does not validate. Thrown by the validators below and caught in
/// the same handler: it never leaves this file or crosses a thread.
struct bad_field {
  std::string message;  ///< "<field>: <what is wrong>"
};

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw bad_field{field + ": " + what};
}

std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

/// Reads one JSON object field by field, naming the dotted path of whatever is wrong.
/// `null` counts as omitted: the default applies.
class object_reader {
 public:
  object_reader(const json& j, std::string path, std::initializer_list<const char*> known)
      : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) bad(path_.empty() ? "body" : path_, "expected a JSON object");
    for (const auto& item : j_.items()) {
      bool ok = false;
      for (const char* k : known) ok = ok || item.key() == k;
      if (!ok) bad(join_path(path_, item.key()), "unknown field");
    }
  }

  const json* find(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string name(const char* key) const { return join_path(path_, key); }

  std::string str(const char* key, std::string def = {}) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_string()) bad(name(key), "expected a string");
    return v->get<std::string>();
  }
  std::string nonempty_str(const char* key) const {
    const json* v = find(key);
    if (!v || !v->is_string() || v->get_ref<const std::string&>().empty())
      bad(name(key), "expected a non-empty string");
    return v->get<std::string>();
  }
  int64_t integer(const char* key, int64_t def,
                  int64_t min = std::numeric_limits<int64_t>::min()) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_number_integer()) bad(name(key), "expected an integer");
    if (v->is_number_unsigned() &&
        v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      bad(name(key), "integer out of range");
    const auto n = v->get<int64_t>();
    if (n < min) bad(name(key), "expected an integer >= " + std::to_string(min));
    return n;
  }
  bool boolean(const char* key, bool def) const {
    const json* v = find(key);
    if (!v) return def;
    if (!v->is_boolean()) bad(name(key), "expected true or false");
    return v->get<bool>();
  }

 private:
  const json& j_;
  std::string path_;
};

/// Actions without parameters take no body or `{}`; anything else (`{`, `[[[`, fields) is a
/// mistake the caller should hear about rather than have ignored.
void parse_empty_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) bad("body", "not valid JSON");
  if (!j.is_object()) bad("body", "expected {} or no body");
  if (!j.empty()) bad(j.begin().key(), "unknown field; this action takes no parameters");
}

json parse_body_object(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) bad("body", "not valid JSON");
  if (!j.is_object()) bad("body", "expected a JSON object");
  return j;
}

// -- templates ---------------------------------------------------------------------------

/// More referees than this in one entry is a typo (4e9 was accepted once), not a request.
constexpr int64_t max_references_per_entry = 20;

/// One address: local@domain, no whitespace or control characters, at most 254 bytes.
bool plausible_email(const std::string& e) {
  if (e.size() > 254) return false;
  const auto at = e.find('@');
  if (at == 0 || at == std::string::npos || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string::npos)
    return false;
  for (char ch : e) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',') return false;
  }
  return true;
}

/// Validates a template body (CONTRACT §7) and returns it normalised: every field present,
/// defaults filled in, no unknown fields. "id" is left out; the caller adds the stored one.
/// `id` in the body is accepted when it equals `expected_id` (a GET result sent back).
json normalise_template(const json& body, const std::string& expected_id) {
  object_reader t(body, "",
                  {"id", "name", "ats_tag", "priority", "is_default", "description", "request",
                   "hiring_manager", "notifications"});
  if (const json* id = t.find("id")) {
    if (!id->is_string() || id->get<std::string>() != expected_id)
      bad("id", expected_id.empty() ? "assigned by the server; leave it out"
                                    : "does not match the template id in the path");
  }
  json out = {{"name", t.nonempty_str("name")},
              {"ats_tag", t.str("ats_tag")},
              {"priority", t.integer("priority", 0)},
              {"is_default", t.boolean("is_default", false)},
              {"description", t.str("description")}};

  // The request is what the platform sends to referees: without it (or without anyone to
  // ask) a reference request cannot be made, so the template is refused here, not later.
  json request = {{"position", ""}, {"survey_id", ""}, {"references", json::array()}};
  const json* r = t.find("request");
  if (!r) bad("request", "required: {\"position\", \"survey_id\", \"references\": [...]}");
  object_reader rq(*r, "request", {"position", "survey_id", "references"});
  request["position"] = rq.str("position");
  request["survey_id"] = rq.str("survey_id");
  const json* refs = rq.find("references");
  if (!refs || !refs->is_array() || refs->empty())
    bad("request.references", "expected a non-empty array of {relationship, count, note}");
  for (std::size_t i = 0; i < refs->size(); ++i) {
    const std::string where = "request.references[" + std::to_string(i) + "]";
    object_reader ref((*refs)[i], where, {"relationship", "count", "note"});
    const auto count = ref.integer("count", 1, 1);
    if (count > max_references_per_entry)
      bad(where + ".count",
          "expected an integer from 1 to " + std::to_string(max_references_per_entry));
    request["references"].push_back({{"relationship", ref.nonempty_str("relationship")},
                                     {"count", count},
                                     {"note", ref.str("note")}});
  }
  out["request"] = std::move(request);

  json manager = {{"name", ""}, {"email", ""}};
  if (const json* m = t.find("hiring_manager")) {
    object_reader hm(*m, "hiring_manager", {"name", "email"});
    const std::string email = hm.str("email");
    // It goes into mail headers: one line, one address.
    if (!email.empty() && !plausible_email(email))
      bad("hiring_manager.email",
          "expected one email address (name@domain), without spaces "
          "or line breaks");
    if (hm.str("name").find_first_of("\r\n") != std::string::npos)
      bad("hiring_manager.name", "expected one line");
    manager = {{"name", hm.str("name")}, {"email", email}};
  }
  out["hiring_manager"] = std::move(manager);

  json notes = {{"email_subject", ""}, {"email_body", ""}, {"sms_text", ""}};
  if (const json* n = t.find("notifications")) {
    object_reader nr(*n, "notifications", {"email_subject", "email_body", "sms_text"});
    notes = {{"email_subject", nr.str("email_subject")},
             {"email_body", nr.str("email_body")},
             {"sms_text", nr.str("sms_text")}};
  }
  out["notifications"] = std::move(notes);
  return out;
}

core::template_record template_from(const json& normalised, std::string id, uint64_t seq) {
  core::template_record t;
  t.id = std::move(id);
  t.created_seq = seq;
  t.name = normalised.at("name").get<std::string>();
  t.ats_tag = normalised.at("ats_tag").get<std::string>();
  t.priority = normalised.at("priority").get<int64_t>();
  t.is_default = normalised.at("is_default").get<bool>();
  json body = normalised;
  body["id"] = t.id;
  t.body_json = dump(body);
  return t;
}

json render_template(const core::template_record& t) {
  json j = json::parse(t.body_json, nullptr, false);
  if (!j.is_object()) {  // not written by this API; show what matching uses
    j = {{"name", t.name},
         {"ats_tag", t.ats_tag},
         {"priority", t.priority},
         {"is_default", t.is_default}};
  }
  j["id"] = t.id;
  return j;
}

// -- Lever connection ---------------------------------------------------------------------

/// A validated PUT /lever body. Secrets: nullopt keeps the stored value, "" clears it.
struct lever_put {
  std::optional<std::string> api_key, stage_token, hired_token;
  std::optional<std::vector<std::string>> trigger_stage_ids;  ///< nullopt: keep (omitted)
  std::string perform_as, hired_archive_reason_id, base_url;
  bool export_existing = false, auto_export = false;
};

lever_put parse_lever_put(const json& body) {
  object_reader r(body, "",
                  {"api_key", "stage_change_signature_token", "hired_signature_token",
                   "trigger_stage_ids", "perform_as", "hired_archive_reason_id",
                   "export_existing_prospects", "auto_export_new_prospects", "base_url"});
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
    if (!ids.is_array()) bad("trigger_stage_ids", "expected an array of stage id strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!ids[i].is_string() || ids[i].get_ref<const std::string&>().empty())
        bad("trigger_stage_ids[" + std::to_string(i) + "]", "expected a non-empty string");
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
    bad("base_url", "expected an http:// or https:// URL or null");
  return p;
}

// -- paging --------------------------------------------------------------------------------

struct page_request {
  std::size_t limit = 100;
  std::optional<std::string> after;  ///< sort key of the last item already seen
};

using query_map = std::map<std::string, std::string>;

page_request parse_paging(const query_map& q) {
  page_request p;
  if (auto it = q.find("limit"); it != q.end()) {
    uint64_t n = 0;
    if (!parse_u64(it->second, n) || n < 1 || n > 500)
      bad("limit", "expected an integer from 1 to 500");
    p.limit = static_cast<std::size_t>(n);
  }
  if (auto it = q.find("cursor"); it != q.end() && !it->second.empty()) {
    std::string key;
    if (!core::base64url_decode(it->second, key)) bad("cursor", "not a cursor from this list");
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

  void send(net::http_response res) const {
    if (then) return then(std::move(res));
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

/// {count, mean, p50, p90, p99} of one histogram in the Prometheus text of `metrics`, the
/// percentiles as the upper bound of the bucket that holds them (null when nothing observed).
json histogram_summary(const std::string& text, const std::string& name) {
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count); +Inf last
  double sum = 0, count = 0;
  std::istringstream in(text);
  const std::string bucket = name + "_bucket{le=\"";
  for (std::string line; std::getline(in, line);) {
    try {
      if (line.compare(0, bucket.size(), bucket) == 0) {
        const auto q = line.find('"', bucket.size());
        const std::string le = line.substr(bucket.size(), q - bucket.size());
        const double v = std::stod(line.substr(line.rfind(' ') + 1));
        buckets.emplace_back(le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le),
                             v);
      } else if (line.compare(0, name.size() + 5, name + "_sum ") == 0) {
        sum = std::stod(line.substr(name.size() + 5));
      } else if (line.compare(0, name.size() + 7, name + "_count ") == 0) {
        count = std::stod(line.substr(name.size() + 7));
      }
    } catch (const std::exception&) {  // a line this reader does not know: skip it
    }
  }
  json out = {{"count", static_cast<uint64_t>(count)},
              {"mean", nullptr},
              {"p50", nullptr},
              {"p90", nullptr},
              {"p99", nullptr}};
  if (count <= 0) return out;
  out["mean"] = sum / count;
  auto pct = [&](double q) -> json {
    for (const auto& [le, cum] : buckets)
      if (cum >= q * count) return std::isinf(le) ? json("+Inf") : json(le);
    return nullptr;
  };
  out["p50"] = pct(0.5);
  out["p90"] = pct(0.9);
  out["p99"] = pct(0.99);
  return out;
}

const char* org_id_rule = "expected 1-64 characters of a-z, 0-9, '_' and '-'";

}  // namespace

// -- the implementation ------------------------------------------------------------------

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
  /// One live Lever call with the org's key (GET /stages); records the answer in the org's
  /// health and passes the resulting `lever` health object to `done`.
  void check_key(const std::string& org, std::function<void(json)> done);
  json lever_health(const std::string& org) const;
  void system(const answer& a);

  bool org_exists(const std::string& org) const {
    return core::valid_org_id(org) && storage::load_org(*ctx.db, org).has_value();
  }
};

admin_api::admin_api(actors::engine_context& ctx, net::http_client& http)
    : impl_(std::make_shared<impl>(ctx, http)) {}

admin_api::~admin_api() = default;

void admin_api::handle(net::http_request&& req, net::responder respond) {
  answer a{std::move(respond), &impl_->ctx.stats, "unknown", {}};
  try {
    impl_->handle(std::move(req), a);
  } catch (const bad_field& e) {
    a.error(400, "bad_request", e.message);
  } catch (const std::exception& e) {
    a.error(500, "internal", e.what());
  }
}

void admin_api::impl::handle(net::http_request&& req, answer& a) {
  // Unauthenticated: the console page (it holds no data) and the metrics for scrapers.
  if (req.path == "/metrics") {
    a.route = "metrics";
    if (req.method != "GET") return a.error(405, "method_not_allowed", "use GET");
    net::http_response res;
    res.content_type = "text/plain; version=0.0.4";
    res.body = ctx.stats.render();
    return a.send(std::move(res));
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
  if (!authorized(req, a)) return;

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
      if (const char* why = core::external_id_problem(s[3])) bad("opportunity id", why);
    if (n == 4 && is(2, "candidates")) {
      a.route = "candidate";
      if (method_is(c, {"GET"}, a)) get_candidate(org, s[3], a);
      return;
    }
    if (n == 5 && is(2, "candidates") && (is(4, "resend") || is(4, "retry"))) {
      a.route = "candidate_" + s[4];
      if (!method_is(c, {"POST"}, a)) return;
      parse_empty_body(c.body);
      candidate_action(org, s[3], s[4] == "resend", a);
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
      parse_empty_body(c.body);
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
  if (n == 1 && is(0, "system")) {
    a.route = "system";
    if (method_is(c, {"GET"}, a)) system(a);
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
    } catch (const bad_field& e) {
      a.error(400, "bad_request", e.message);
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

// -- orgs --------------------------------------------------------------------------------------

void admin_api::impl::list_orgs(const call& c, const answer& a) {
  const auto page = parse_paging(c.query);
  auto orgs = storage::list_orgs(*ctx.db);  // key order: by id
  a.json_body(200, page_of(
                       orgs, page, [](const core::org_record& o) { return o.id; },
                       [](const core::org_record& o) {
                         return json{{"id", o.id}, {"name", o.name}};
                       }));
}

void admin_api::impl::get_org(const std::string& org, const answer& a) {
  auto rec = core::valid_org_id(org) ? storage::load_org(*ctx.db, org) : std::nullopt;
  if (!rec) return a.not_found("no org " + org);
  a.json_body(200, render_org(*rec));
}

void admin_api::impl::put_org(const std::string& org, const call& c, const answer& a) {
  if (!core::valid_org_id(org)) bad("org", org_id_rule);
  const json body = parse_body_object(c.body);
  object_reader r(body, "", {"name"});
  const std::string name = r.nonempty_str("name");
  exclusive(
      [this, org, name, a](slot_ptr slot) {
        auto cur = storage::load_org(*ctx.db, org);
        core::org_record rec;
        if (cur) rec = *cur;
        const auto now = now_ms();
        if (!cur) {
          rec.id = org;
          rec.created_at = now;
        }
        rec.name = name;
        rec.updated_at = now;
        storage::write_set ws;
        storage::put_org(ws, rec);
        commit(std::move(ws), org, a, slot, cur ? 200 : 201, render_org(rec));
      },
      a);
}

// -- Lever connection --------------------------------------------------------------------------

void admin_api::impl::get_lever(const std::string& org, const answer& a) {
  auto rec = storage::load_org(*ctx.db, org);
  if (!rec) return a.not_found("no org " + org);
  a.json_body(200, render_lever_connection(*rec));
}

void admin_api::impl::put_lever(const std::string& org, const call& c, const answer& a) {
  const lever_put p = parse_lever_put(parse_body_object(c.body));
  exclusive(
      [this, org, p, a](slot_ptr slot) {
        auto cur = storage::load_org(*ctx.db, org);
        if (!cur) return a.not_found("no org " + org);
        core::org_record rec = *cur;
        if (!rec.connected && !p.trigger_stage_ids)
          bad("trigger_stage_ids", "required when connecting an org to Lever");
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
        json body = render_lever_connection(rec);
        std::vector<core::command> commands;
        if (p.export_existing) {
          // export_existing_prospects: start a bulk export in the same commit.
          auto plan = actors::start_export(ctx, org, now_ms());
          for (auto& op : plan.ws.ops) ws.ops.push_back(std::move(op));
          commands = std::move(plan.commands);
          body["export_id"] = plan.export_id;
        }
        // Once committed, check the key with one live call and answer with its health: a
        // key Lever refuses is stored all the same (the operator sees why at once).
        answer then = a;
        auto self = shared_from_this();
        then.then = [self, org, a](net::http_response res) {
          if (res.status != 200) return a.send(std::move(res));
          self->check_key(org, [a, res](json health) mutable {
            json body = json::parse(res.body, nullptr, false);
            if (body.is_object()) {
              body["health"] = std::move(health);
              res.body = dump(body);
            }
            a.send(std::move(res));
          });
        };
        commit(std::move(ws), org, then, slot, 200, std::move(body), std::move(commands));
      },
      a);
}

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
  http.perform_async(std::move(req), [self, org, done](net::client_response res) {
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
               // Catch-up passes (missed webhooks) are not built yet: no pass has run.
               {"reconcile",
                {{"cursor", nullptr},
                 {"last_pass_at", nullptr},
                 {"last_pass_ok", nullptr},
                 {"last_error", nullptr},
                 {"found_total", 0}}},
               {"breaker", breaker}});
}

void admin_api::impl::start_export(const std::string& org, const answer& a) {
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view) return a.not_found("no org " + org);
  if (!view->rec.connected || view->api_key.empty())
    return a.error(409, "not_connected", "org " + org + " has no Lever connection to export to");
  exclusive(
      [this, org, a](slot_ptr slot) {
        auto plan = actors::start_export(ctx, org, now_ms());
        commit(std::move(plan.ws), "", a, slot, 202, json{{"id", plan.export_id}},
               std::move(plan.commands));
      },
      a);
}

void admin_api::impl::get_export(const std::string& id, const answer& a) {
  auto job = storage::load_export(*ctx.db, id);
  if (!job) return a.not_found("no export " + id);
  a.json_body(200, render_export(*job));
}

void admin_api::impl::cancel_export(const std::string& id, const answer& a) {
  auto job = storage::load_export(*ctx.db, id);
  if (!job) return a.not_found("no export " + id);
  if (job->state != core::export_state::running)
    return a.error(409, "conflict",
                   "export " + id + " is " + core::to_string(job->state) + ", not running");
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  auto self = shared_from_this();
  ctx.port->cancel_export(id, [self, id, a](bool ok, const std::string& err) {
    if (ok) return a.json_body(202, {{"accepted", true}});
    if (!storage::load_export(*self->ctx.db, id)) return a.not_found("no export " + id);
    a.error(409, "conflict", "export " + id + " was not cancelled: " + err);
  });
}

void admin_api::impl::list_exports(const std::string& org, const call& c, const answer& a) {
  const auto page = parse_paging(c.query);
  auto all = storage::list_exports(*ctx.db);
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const core::export_record& e) { return e.org != org; }),
            all.end());
  // Newest first, like the candidate list.
  auto key = [](const core::export_record& e) {
    const auto inv = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                     static_cast<uint64_t>(std::max<int64_t>(e.created_at, 0));
    return fixed20(inv) + '\0' + e.id;
  };
  std::sort(all.begin(), all.end(), [&](const auto& x, const auto& y) { return key(x) < key(y); });
  a.json_body(200, page_of(all, page, key, render_export));
}

void admin_api::impl::webhook_urls(const std::string& org, const answer& a) {
  const std::string base = strip_trailing_slashes(ctx.cfg.server.public_url);
  const std::string prefix = base + "/webhooks/lever/" + org;
  a.json_body(200, {{"stage_change", prefix + "/stage-change"}, {"hired", prefix + "/hired"}});
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
  http.perform_async(std::move(req), [self, base, key, items = std::move(items), pages,
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

// -- templates ---------------------------------------------------------------------------------

void admin_api::impl::list_templates(const std::string& org, const call& c, const answer& a) {
  const auto page = parse_paging(c.query);
  auto list = storage::list_templates(*ctx.db, org);
  std::sort(list.begin(), list.end(),
            [](const auto& x, const auto& y) { return x.created_seq < y.created_seq; });
  a.json_body(
      200, page_of(
               list, page,
               [](const core::template_record& t) { return fixed20(t.created_seq) + '\0' + t.id; },
               render_template));
}

void admin_api::impl::create_template(const std::string& org, const call& c, const answer& a) {
  const json t = normalise_template(parse_body_object(c.body), {});
  exclusive(
      [this, org, t, a](slot_ptr slot) {
        auto rec = storage::load_org(*ctx.db, org);
        if (!rec) return a.not_found("no org " + org);
        const uint64_t seq = ++rec->template_seq;  // ids never repeat, even after a delete
        auto tpl = template_from(t, "tpl-" + std::to_string(seq), seq);
        storage::write_set ws;
        storage::put_org(ws, *rec);
        storage::put_template(ws, org, tpl);
        commit(std::move(ws), org, a, slot, 201, render_template(tpl));
      },
      a);
}

void admin_api::impl::get_template(const std::string& org, const std::string& id, const answer& a) {
  auto t = storage::load_template(*ctx.db, org, id);
  if (!t) return a.not_found("no template " + id + " in org " + org);
  a.json_body(200, render_template(*t));
}

void admin_api::impl::put_template(const std::string& org, const std::string& id, const call& c,
                                   const answer& a) {
  const json t = normalise_template(parse_body_object(c.body), id);
  exclusive(
      [this, org, id, t, a](slot_ptr slot) {
        auto cur = storage::load_template(*ctx.db, org, id);
        if (!cur) return a.not_found("no template " + id + " in org " + org);
        auto tpl = template_from(t, id, cur->created_seq);
        storage::write_set ws;
        storage::put_template(ws, org, tpl);
        commit(std::move(ws), org, a, slot, 200, render_template(tpl));
      },
      a);
}

void admin_api::impl::delete_template(const std::string& org, const std::string& id,
                                      const answer& a) {
  exclusive(
      [this, org, id, a](slot_ptr slot) {
        if (!storage::load_template(*ctx.db, org, id))
          return a.not_found("no template " + id + " in org " + org);
        storage::write_set ws;
        storage::del_template(ws, org, id);
        commit(std::move(ws), org, a, slot, 200, {{"id", id}, {"deleted", true}});
      },
      a);
}

void admin_api::impl::match_template(const std::string& org, const call& c, const answer& a) {
  const auto posting = c.query.find("posting");
  const auto tags = c.query.find("tags");
  const bool has_posting = posting != c.query.end();
  if (has_posting == (tags != c.query.end()))
    bad("posting", "give exactly one of ?posting=ID or ?tags=a,b");
  if (!has_posting) {
    std::vector<std::string> list;
    std::stringstream in(tags->second);
    for (std::string t; std::getline(in, t, ',');) {
      const auto b = t.find_first_not_of(" \t");
      const auto e = t.find_last_not_of(" \t");
      if (b != std::string::npos) list.push_back(t.substr(b, e - b + 1));
    }
    return answer_match(org, list, nullptr, a);
  }
  const std::string id = posting->second;
  if (id.empty()) bad("posting", "expected a Lever posting id");
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view || !view->rec.connected || view->api_key.empty())
    return a.error(409, "not_connected",
                   "org " + org + " has no Lever API key to read posting " + id + " with");
  net::client_request req;
  req.url = strip_trailing_slashes(view->lever_base_url) + "/postings/" + net::url_encode(id);
  req.timeout = ctx.cfg.lever.timeout;
  req.basic_user = view->api_key;
  req.headers.emplace_back("Accept", "application/json");
  auto self = shared_from_this();
  // Answered from the client's thread, like the stage list.
  http.perform_async(std::move(req), [self, org, id, a](net::client_response res) {
    try {
      if (res.status == 0) return a.error(502, "lever_error", "Lever unreachable: " + res.error);
      json body = json::parse(res.body, nullptr, false);
      if (res.status < 200 || res.status >= 300) {
        std::string msg =
            "Lever answered HTTP " + std::to_string(res.status) + " for posting " + id;
        if (body.is_object() && body.contains("message") && body["message"].is_string())
          msg += ": " + body["message"].get<std::string>();
        return a.error(502, "lever_error", msg);
      }
      if (!body.is_object() || !body.contains("data") || !body["data"].is_object())
        return a.error(502, "lever_error", "Lever answered a posting without \"data\"");
      const json& d = body["data"];
      std::vector<std::string> list;
      if (d.contains("tags") && d["tags"].is_array())
        for (const auto& t : d["tags"])
          if (t.is_string()) list.push_back(t.get<std::string>());
      json posting = {
          {"id", id},
          {"title", d.contains("text") && d["text"].is_string() ? d["text"] : json("")}};
      self->answer_match(org, list, std::move(posting), a);
    } catch (const std::exception& e) {
      a.error(502, "lever_error", e.what());
    }
  });
}

void admin_api::impl::answer_match(const std::string& org, const std::vector<std::string>& tags,
                                   json posting, const answer& a) {
  // The stored templates, exactly as the engine's org view matches them.
  auto list = storage::list_templates(*ctx.db, org);
  std::vector<core::template_ref> refs;
  for (const auto& t : list)
    refs.push_back({t.id, t.ats_tag, t.priority, t.is_default, t.created_seq});
  const core::template_choice choice = core::choose_template(tags, refs);
  json chosen = nullptr;
  if (choice.id)
    for (const auto& t : list)
      if (t.id == *choice.id)
        chosen = {{"id", t.id},
                  {"name", t.name},
                  {"ats_tag", t.ats_tag},
                  {"priority", t.priority},
                  {"is_default", t.is_default}};
  json body = {{"template", std::move(chosen)}, {"why", choice.why}, {"tags", tags}};
  if (!posting.is_null()) body["posting"] = std::move(posting);
  a.json_body(200, body);
}

// -- candidates --------------------------------------------------------------------------------

void admin_api::impl::list_candidates(const std::string& org, const call& c, const answer& a) {
  const auto page = parse_paging(c.query);
  std::optional<core::cand_state> want;
  if (auto it = c.query.find("state"); it != c.query.end() && !it->second.empty()) {
    core::cand_state s;
    if (!core::parse_state(it->second, s)) bad("state", "unknown state \"" + it->second + "\"");
    want = s;
  }
  // One page from the by_change index (newest change first), reading only the records
  // shown: a page costs the same at 100 candidates as at 10 million.
  const std::string prefix = org + std::string(1, '\0');
  if (page.after && page.after->compare(0, prefix.size(), prefix) != 0)
    bad("cursor", "not a cursor from this list");
  std::vector<std::string> keys;
  bool more = false;
  ctx.db->scan(
      storage::table::by_change, prefix, page.after ? *page.after : std::string{},
      [&](std::string_view k, std::string_view v) {
        if (page.after && k == *page.after) return true;
        if (want && (v.size() != 1 || static_cast<uint8_t>(v[0]) != static_cast<uint8_t>(*want)))
          return true;
        if (keys.size() == page.limit) {
          more = true;
          return false;
        }
        keys.emplace_back(k);
        return true;
      });
  json items = json::array();
  for (const auto& k : keys) {
    auto loaded = storage::read_candidate(*ctx.db, org, storage::opp_of_change_key(k));
    if (loaded.status == storage::read_status::failed)
      return a.error(503, "unavailable", loaded.error);
    if (loaded.status == storage::read_status::found)
      items.push_back(render_candidate(loaded.rec, false));
  }
  a.json_body(
      200, {{"items", std::move(items)},
            {"next_cursor",
             more && !keys.empty() ? json(core::base64url_encode(keys.back())) : json(nullptr)}});
}

void admin_api::impl::get_candidate(const std::string& org, const std::string& opp,
                                    const answer& a) {
  auto loaded = storage::read_candidate(*ctx.db, org, opp);
  if (loaded.status == storage::read_status::failed)
    return a.error(503, "unavailable", loaded.error);
  if (loaded.status == storage::read_status::not_found)
    return a.not_found("no candidate " + opp + " in org " + org);
  const core::candidate_record* rec = &loaded.rec;
  auto history = storage::load_history(*ctx.db, org, opp);
  std::vector<core::command> mine;
  for (auto& cmd : storage::list_commands(*ctx.db))
    if (cmd.org == org && cmd.opp == opp) mine.push_back(std::move(cmd));
  json body = render_candidate(*rec, true, history, mine);
  // Where the actor stands right now, and what happens next.
  json actor = ctx.port ? json::parse(ctx.port->candidate_json(org, opp), nullptr, false)
                        : json{{"resident", false}};
  body["actor"] = actor.is_discarded() ? json{{"resident", false}} : actor;
  json next = nullptr;
  for (const auto& t : rec->timers)
    if (next.is_null() || t.due < next["due"].get<int64_t>())
      next = {{"kind", core::to_string(t.kind)}, {"due", t.due}};
  body["next_timer"] = next;
  a.json_body(200, body);
}

void admin_api::impl::candidate_action(const std::string& org, const std::string& opp, bool resend,
                                       const answer& a) {
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  actors::candidate_input in;
  in.org = org;
  in.opp = opp;
  in.event.kind = resend ? core::event_kind::admin_resend : core::event_kind::admin_retry;
  in.event.now = now_ms();
  in.create_if_missing = false;
  auto self = shared_from_this();
  in.done = [self, org, opp, resend, a](actors::delivery_outcome o) {
    using actors::delivery_outcome;
    switch (o) {
      case delivery_outcome::accepted:
      case delivery_outcome::duplicate:
        return a.json_body(202, {{"accepted", true}});
      case delivery_outcome::ignored: {
        // Nothing dead to retry, but a working candidate may wait on a pending command (in
        // backoff, or stranded by a failure): send it now.
        auto refuse = [self, org, opp, resend, a] {
          auto rec = storage::load_candidate(*self->ctx.db, org, opp);
          const std::string state = rec ? core::to_string(rec->state) : "unknown";
          a.error(
              409, "conflict",
              std::string("nothing to ") + (resend ? "resend" : "retry") + " in state " + state);
        };
        if (resend || !self->ctx.port) return refuse();
        return self->ctx.port->expedite(org, opp, [a, refuse](uint64_t n) {
          if (n == 0) return refuse();
          a.json_body(202, {{"accepted", true}, {"expedited", n}});
        });
      }
      case delivery_outcome::unknown:
        return a.not_found("no candidate " + opp + " in org " + org);
      case delivery_outcome::unavailable:
      case delivery_outcome::forged:  // admin inputs carry no delivery key
        return a.error(503, "unavailable", "the engine cannot take the request now");
    }
  };
  ctx.port->deliver(std::move(in));
}

// -- outbox --------------------------------------------------------------------------------------

void admin_api::impl::list_outbox(const call& c, const answer& a) {
  const auto page = parse_paging(c.query);
  std::optional<core::command_status> want;
  if (auto it = c.query.find("status"); it != c.query.end() && !it->second.empty()) {
    if (it->second == "pending")
      want = core::command_status::pending;
    else if (it->second == "dead")
      want = core::command_status::dead;
    else
      bad("status", "expected pending or dead");
  }
  auto all = storage::list_commands(*ctx.db);  // id order
  if (want)
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const core::command& x) { return x.status != *want; }),
              all.end());
  a.json_body(200,
              page_of(
                  all, page, [](const core::command& x) { return fixed20(x.id); }, render_command));
}

void admin_api::impl::retry_command(const std::string& id_text, const answer& a) {
  uint64_t id = 0;
  if (!parse_u64(id_text, id)) return a.not_found("no outbox command " + id_text);
  auto cmd = storage::load_command(*ctx.db, id);
  if (!cmd) return a.not_found("no outbox command " + id_text);
  if (cmd->status != core::command_status::dead)
    return a.error(409, "conflict",
                   "command " + id_text + " is " + core::to_string(cmd->status) + ", not dead");
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  ctx.port->requeue(id, [a, id_text](bool ok, const std::string& err) {
    if (ok) return a.json_body(202, {{"accepted", true}});
    a.error(409, "conflict", "command " + id_text + " was not requeued: " + err);
  });
}

void admin_api::impl::retry_many(const call& c, const answer& a) {
  const json body = parse_body_object(c.body);
  const object_reader r(body, "", {"org", "kind", "ids"});
  std::optional<std::string> org;
  std::optional<core::command_kind> kind;
  std::optional<std::set<uint64_t>> ids;
  if (r.find("org")) {
    org = r.str("org");
    if (!core::valid_org_id(*org)) bad("org", org_id_rule);
  }
  if (r.find("kind")) {
    core::command_kind k{};
    if (!core::parse_command_kind(r.str("kind"), k))
      bad("kind", "expected a command kind such as \"platform.create_request\"");
    kind = k;
  }
  if (const json* v = r.find("ids")) {
    if (!v->is_array()) bad("ids", "expected an array of command ids");
    ids.emplace();
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& id = (*v)[i];
      if (!id.is_number_unsigned() || id.get<uint64_t>() == 0)
        bad("ids[" + std::to_string(i) + "]", "expected a positive integer");
      ids->insert(id.get<uint64_t>());
    }
  }
  std::vector<uint64_t> picked;
  for (const auto& cmd : storage::list_commands(*ctx.db)) {
    if (cmd.status != core::command_status::dead) continue;
    if (org && cmd.org != *org) continue;
    if (kind && cmd.kind != *kind) continue;
    if (ids && !ids->count(cmd.id)) continue;
    picked.push_back(cmd.id);
  }
  if (picked.empty()) return a.json_body(200, {{"retried", 0}, {"failed", json::array()}});
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  // Each one as a single retry: its candidate decides, and leaves needs_attention when the
  // command then succeeds. The answer waits for every candidate's decision.
  struct tally {
    std::mutex mu;
    std::size_t left = 0;
    uint64_t retried = 0;
    json failed = json::array();
  };
  auto t = std::make_shared<tally>();
  t->left = picked.size();
  for (auto id : picked) {
    ctx.port->requeue(id, [t, a, id](bool ok, const std::string& err) {
      std::lock_guard<std::mutex> g(t->mu);
      if (ok)
        ++t->retried;
      else
        t->failed.push_back({{"id", id}, {"error", err}});
      if (--t->left == 0)
        a.json_body(200, {{"retried", t->retried}, {"failed", std::move(t->failed)}});
    });
  }
}

// -- system --------------------------------------------------------------------------------------

void admin_api::impl::system(const answer& a) {
  json sys = json::object();
  if (ctx.port) {
    const std::string raw = ctx.port->system_json();
    json parsed = json::parse(raw, nullptr, false);
    if (parsed.is_object())
      sys = std::move(parsed);
    else
      sys["engine"] = raw;
  }
  const auto st = ctx.db->stats();
  json tables = json::object();
  for (const auto& t : st.tables) tables[t.name] = t.entries;
  sys["storage"] = {{"map_size", st.map_size},
                    {"used_bytes", st.used_bytes},
                    {"page_size", st.page_size},
                    {"entries", std::move(tables)}};
  uint64_t pending = 0, dead = 0;
  for (const auto& cmd : storage::list_commands(*ctx.db))
    ++(cmd.status == core::command_status::dead ? dead : pending);
  sys["outbox"] = {{"pending", pending}, {"dead", dead}};
  // Actors per org: resident (from the router) next to the total stored.
  std::map<std::string, uint64_t> total_by_org;
  ctx.db->scan(storage::table::candidates, {}, {}, [&](std::string_view key, std::string_view) {
    ++total_by_org[std::string(key.substr(0, key.find('\0')))];
    return true;
  });
  if (!sys.contains("actors") || !sys["actors"].is_object()) sys["actors"] = json::object();
  json& actors_j = sys["actors"];
  json by_org = json::object();
  for (const auto& [org, total] : total_by_org) {
    uint64_t resident = 0;
    if (actors_j.contains("resident_by_org") && actors_j["resident_by_org"].is_object() &&
        actors_j["resident_by_org"].contains(org) && actors_j["resident_by_org"][org].is_number())
      resident = actors_j["resident_by_org"][org].get<uint64_t>();
    by_org[org] = {{"resident", resident}, {"total", total}};
  }
  actors_j["by_org"] = std::move(by_org);
  if (!actors_j.contains("total")) actors_j["total"] = ctx.db->count(storage::table::candidates);
  // Group-commit batch sizes, summarised from the histogram the store actor fills.
  if (!sys.contains("store") || !sys["store"].is_object()) sys["store"] = json::object();
  const std::string metrics_text = ctx.stats.render();
  sys["store"]["commit_batch"] = histogram_summary(metrics_text, "vouch_lmdb_commit_batch_size");
  sys["store"]["commit_seconds"] = histogram_summary(metrics_text, "vouch_lmdb_commit_seconds");
  sys["ready"] = ctx.ready.load();
  sys["draining"] = ctx.draining.load();
  a.json_body(200, sys);
}

}  // namespace vouch::engine
