// test_openapi: docs/openapi.json against the running daemon and against the routers' source.
//   - vouchd serves the document byte for byte at GET /admin/v1/openapi.json, without a token;
//   - every documented path and method reaches its route on a real vouchd (real org,
//     template, candidate, export, outbox command and hire token fill the path), answers a
//     documented status with a body that fits the documented schema, and is counted under the
//     route label the document names in x-vouch-route;
//   - every route label the admin router (engine/admin_api.cpp) and the public router
//     (engine/ingress.cpp) set is documented, with every method the admin router accepts.
// A new route that is not documented, or a documented one that is gone, fails here by name.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/encoding.hpp"
#include "core/hire_token.hpp"
#include "core/signatures.hpp"
#include "tests/e2e/harness.hpp"

using namespace vouch::e2e;

namespace {

// -- the document and the sources ---------------------------------------------------------

std::string read_source(const std::string& relative) {
  const std::string path = std::string(VOUCH_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) BOOST_FAIL("cannot read " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json load_document() {
  json doc = json::parse(read_source("docs/openapi.json"), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) BOOST_FAIL("docs/openapi.json is not a JSON object");
  return doc;
}

/// Follows "$ref": "#/..." (local references are all the document uses).
const json& resolve(const json& doc, const json& j) {
  const json* cur = &j;
  for (int hops = 0; cur->is_object() && cur->contains("$ref"); ++hops) {
    const std::string ref = (*cur)["$ref"].get<std::string>();
    if (hops > 20 || ref.rfind("#/", 0) != 0) BOOST_FAIL("unsupported $ref " << ref);
    const json::json_pointer ptr(ref.substr(1));
    if (!doc.contains(ptr)) BOOST_FAIL("dangling $ref " << ref);
    cur = &doc.at(ptr);
  }
  return *cur;
}

struct operation {
  std::string path, method;  ///< as in the document: "/admin/v1/orgs/{org}", "get"
  bool is_public = false;    ///< path items with their own `servers` are on the public listener
  std::string route;         ///< x-vouch-route
  json op;
  std::string name() const {
    std::string m = method;
    std::transform(m.begin(), m.end(), m.begin(), ::toupper);
    return m + " " + path;
  }
};

const char* const http_methods[] = {"get",  "put",   "post",    "delete",
                                    "head", "patch", "options", "trace"};

std::vector<operation> operations(const json& doc) {
  std::vector<operation> out;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const char* m : http_methods) {
      if (!item.contains(m)) continue;
      operation o;
      o.path = path;
      o.method = m;
      o.is_public = item.contains("servers");
      o.op = item[m];
      // Parameters declared on the path item apply to each of its operations.
      json params = item.value("parameters", json::array());
      for (const auto& p : o.op.value("parameters", json::array())) params.push_back(p);
      o.op["parameters"] = params;
      o.route = o.op.value("x-vouch-route", "");
      BOOST_CHECK_MESSAGE(!o.route.empty(), o.name() << " has no x-vouch-route");
      out.push_back(std::move(o));
    }
  }
  return out;
}

// -- a small JSON Schema check (the keywords docs/openapi.json uses) ----------------------

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

std::string shorten(const std::string& s) {
  return s.size() <= 160 ? s : s.substr(0, 160) + "...";
}

/// Appends to `errors` every way `v` (at `where`) does not fit `schema`. Checks type, const,
/// enum, required, properties, additionalProperties, items, allOf, anyOf and oneOf (as "at
/// least one fits"); not string formats or number ranges.
void check_schema(const json& doc, const json& schema_in, const json& v, const std::string& where,
                  std::vector<std::string>& errors) {
  const json& s = resolve(doc, schema_in);
  if (!s.is_object()) return;
  if (s.contains("type")) {
    std::vector<std::string> types;
    if (s["type"].is_string())
      types.push_back(s["type"].get<std::string>());
    else
      for (const auto& t : s["type"]) types.push_back(t.get<std::string>());
    if (std::none_of(types.begin(), types.end(), [&](const auto& t) { return has_type(v, t); })) {
      errors.push_back(where + ": expected " + json(types).dump() + ", got " + shorten(v.dump()));
      return;
    }
  }
  if (s.contains("const") && v != s["const"])
    errors.push_back(where + ": expected " + s["const"].dump() + ", got " + shorten(v.dump()));
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end())
    errors.push_back(where + ": " + shorten(v.dump()) + " is not one of " + s["enum"].dump());
  for (const char* key : {"anyOf", "oneOf"}) {
    if (!s.contains(key)) continue;
    bool any = false;
    for (const auto& alt : s[key]) {
      std::vector<std::string> e;
      check_schema(doc, alt, v, where, e);
      any = any || e.empty();
    }
    if (!any) errors.push_back(where + ": fits none of " + key + ": " + shorten(v.dump()));
  }
  if (s.contains("allOf"))
    for (const auto& part : s["allOf"]) check_schema(doc, part, v, where, errors);
  if (v.is_object()) {
    for (const auto& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>()))
        errors.push_back(where + ": lacks required field " + r.get<std::string>());
    const json props = s.value("properties", json::object());
    for (const auto& [k, sub] : v.items()) {
      if (props.contains(k))
        check_schema(doc, props[k], sub, where + "." + k, errors);
      else if (s.contains("additionalProperties") && s["additionalProperties"] == false)
        errors.push_back(where + ": field " + k + " is not documented");
      else if (s.contains("additionalProperties") && s["additionalProperties"].is_object())
        check_schema(doc, s["additionalProperties"], sub, where + "." + k, errors);
    }
  }
  if (v.is_array() && s.contains("items"))
    for (std::size_t i = 0; i < v.size(); ++i)
      check_schema(doc, s["items"], v[i], where + "[" + std::to_string(i) + "]", errors);
}

// -- calling the daemon -------------------------------------------------------------------

/// The route's answer counter on its listener (the labels x-vouch-route names).
double route_count(vouchd& d, bool is_public, const std::string& route) {
  return metric_sum(d.metrics(),
                    is_public ? "vouch_http_requests_total" : "vouch_admin_requests_total",
                    "route=\"" + route + "\"");
}

std::string fill_path(const std::string& path, const std::map<std::string, std::string>& values) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] != '{') {
      out += path[i++];
      continue;
    }
    const auto end = path.find('}', i);
    const std::string name = path.substr(i + 1, end - i - 1);
    auto it = values.find(name);
    if (it == values.end()) BOOST_FAIL(path << ": the test has no value for {" << name << "}");
    out += it->second;
    i = end + 1;
  }
  return out;
}

/// "application/json" of "application/json; charset=utf-8".
std::string media_type(const std::string& content_type) {
  std::string m = content_type.substr(0, content_type.find(';'));
  while (!m.empty() && m.back() == ' ') m.pop_back();
  std::transform(m.begin(), m.end(), m.begin(), ::tolower);
  return m;
}

std::string form_encode(const json& fields) {
  std::string out;
  for (const auto& [k, v] : fields.items())
    out += (out.empty() ? "" : "&") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

/// What one call sends: the body (the documented example, or a correctly signed delivery
/// for the signed public routes) and whether it was the documented example.
struct request {
  std::string body;
  header_list headers;
  bool example = false;
};

/// Everything the sweep fills paths and signs deliveries with.
struct fixture {
  env& e;
  org_handle org;
  std::map<std::string, std::string> params;

  request build(const json& doc, const operation& o) const {
    request r;
    if (!o.is_public) r.headers.emplace_back("Authorization", "Bearer " + e.daemon->admin_token());
    // Lever pings (data {}) signed with the org's tokens: the route's own 200 path.
    if (o.route == "lever_stage_change" || o.route == "lever_hired") {
      const auto& token = o.route == "lever_hired" ? org.hired_token : org.stage_token;
      r.body = lever_body(o.route == "lever_hired" ? "candidateHired" : "candidateStageChange",
                          json::object(), token)
                   .dump();
      r.headers.emplace_back("Content-Type", "application/json");
      return r;
    }
    // A signed platform event of a type vouch does not act on: answered 200 ignored.
    if (o.route == "platform_events") {
      const std::string id = "evt-openapi-" + random_hex(4);
      r.body = json{{"id", id}, {"type", "openapi.check"}, {"org", org.id}}.dump();
      const int64_t ts = now_ms() / 1000;
      r.headers = {
          {"Content-Type", "application/json"},
          {"webhook-id", id},
          {"webhook-timestamp", std::to_string(ts)},
          {"webhook-signature", vouch::core::platform_signature(e.platform_key, id, ts, r.body)}};
      return r;
    }
    if (!o.op.contains("requestBody")) return r;
    const json& content = resolve(doc, o.op["requestBody"]).value("content", json::object());
    if (content.contains("application/json") && content["application/json"].contains("example")) {
      r.body = content["application/json"]["example"].dump();
      r.headers.emplace_back("Content-Type", "application/json");
      r.example = true;
    } else if (content.contains("application/x-www-form-urlencoded") &&
               content["application/x-www-form-urlencoded"].contains("example")) {
      r.body = form_encode(content["application/x-www-form-urlencoded"]["example"]);
      r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      r.example = true;
    }
    return r;
  }

  /// The path filled with `values`, plus the first query parameter that has a documented
  /// example (only one: some exclude each other, like ?posting= and ?tags=).
  std::string url(const json& doc, const operation& o,
                  const std::map<std::string, std::string>& values) const {
    std::string query;
    for (const auto& raw : o.op.at("parameters")) {
      const json& p = resolve(doc, raw);
      if (p.value("in", "") != "query" || !p.contains("example")) continue;
      const json& ex = p["example"];
      query =
          "?" + p.value("name", "") + "=" + (ex.is_string() ? ex.get<std::string>() : ex.dump());
      break;
    }
    return (o.is_public ? e.daemon->public_url() : e.daemon->admin_url()) +
           fill_path(o.path, values) + query;
  }
};

/// The route exists and behaves as documented: not 405, not the router's "no route" 404, a
/// documented status, counted under x-vouch-route, and a body that fits the documented
/// schema for that status.
void check_answer(const json& doc, const operation& o, const response& r, double before,
                  double after, const request& req) {
  const std::string what = o.name() + " (route " + o.route + ")";
  BOOST_REQUIRE_MESSAGE(r.status != 0, what << ": " << r.describe());
  BOOST_CHECK_MESSAGE(r.status != 405,
                      what << ": the daemon has no such method here: " << r.describe());
  const std::string msg =
      r.j.is_object() && r.j.contains("error") ? r.j["error"].value("message", "") : "";
  BOOST_CHECK_MESSAGE(
      !(r.status == 404 && (msg.rfind("no route", 0) == 0 || msg.rfind("no such route", 0) == 0)),
      what << ": the daemon has no such route: " << r.describe());
  BOOST_CHECK_MESSAGE(after > before, what << ": the answer was not counted under route=\""
                                           << o.route << "\" (x-vouch-route is wrong)");
  if (req.example)
    BOOST_CHECK_MESSAGE(r.status / 100 == 2,
                        what << ": the documented request example was refused: " << r.describe());

  const json& responses = o.op.at("responses");
  const std::string code = std::to_string(r.status);
  if (!responses.contains(code) && !responses.contains("default")) {
    BOOST_ERROR(what << ": answered " << code << ", which is not documented: " << r.describe());
    return;
  }
  const json& documented =
      resolve(doc, responses.contains(code) ? responses[code] : responses["default"]);
  if (o.method == "head" || !documented.contains("content")) return;
  const std::string media = media_type(r.header("content-type"));
  if (!documented["content"].contains(media)) {
    BOOST_ERROR(what << ": " << code << " came as " << r.header("content-type")
                     << ", documented: " << documented["content"].dump().substr(0, 200));
    return;
  }
  if (media != "application/json") return;
  BOOST_REQUIRE_MESSAGE(!r.j.is_null(), what << ": the body is not JSON: " << r.describe());
  std::vector<std::string> errors;
  check_schema(doc, documented["content"][media].value("schema", json::object()), r.j, "body",
               errors);
  for (const auto& e : errors)
    BOOST_ERROR(what << ": " << code << " body does not fit the documented schema: " << e);
}

/// GET/HEAD first so that reads see the data the fixture made; then the signed public
/// deliveries (before the connection PUT changes the org's tokens); then admin writes; DELETE
/// last.
int rank(const operation& o) {
  if (o.method == "get" || o.method == "head") return 0;
  if (o.is_public) return 1;
  return o.method == "delete" ? 3 : 2;
}

// -- the routers' source ------------------------------------------------------------------

struct source_route {
  std::string label;
  bool prefix = false;            ///< `a.route = "candidate_" + s[4]`
  std::set<std::string> methods;  ///< what the router accepts for it ("" when nothing)
};

/// Every `a.route = "..."` in engine/admin_api.cpp, with the methods that branch accepts:
/// the first `method_is(c, {...})` or `req.method != "..."` before the next route label.
std::vector<source_route> admin_routes_in_source() {
  const std::string text = read_source("engine/admin_api.cpp");
  const std::regex label_rx(R"re(a\.route\s*=\s*"([^"]*)"\s*(\+)?)re");
  std::vector<std::smatch> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), label_rx);
       it != std::sregex_iterator(); ++it)
    found.push_back(*it);
  const std::regex method_is_rx(R"re(method_is\(c,\s*\{([^}]*)\})re");
  const std::regex method_ne_rx(R"re(req\.method\s*!=\s*"([A-Z]+)")re");
  const std::regex quoted_rx(R"re("([A-Z]+)")re");
  std::vector<source_route> out;
  for (std::size_t i = 0; i < found.size(); ++i) {
    source_route r;
    r.label = found[i][1].str();
    r.prefix = found[i][2].matched;
    const auto from = found[i].position(0) + found[i].length(0);
    const auto to =
        i + 1 < found.size() ? found[i + 1].position(0) : static_cast<std::ptrdiff_t>(text.size());
    const std::string branch = text.substr(from, to - from);
    std::smatch mi, mn;
    const bool has_is = std::regex_search(branch, mi, method_is_rx);
    const bool has_ne = std::regex_search(branch, mn, method_ne_rx);
    if (has_is && (!has_ne || mi.position(0) < mn.position(0))) {
      const std::string list = mi[1].str();
      for (auto it = std::sregex_iterator(list.begin(), list.end(), quoted_rx);
           it != std::sregex_iterator(); ++it)
        r.methods.insert((*it)[1].str());
    } else if (has_ne) {
      r.methods.insert(mn[1].str());
    }
    out.push_back(std::move(r));
  }
  return out;
}

/// The route labels engine/ingress.cpp assigns (`route = ...;`), without the string
/// literals it compares with (`parts[3] == "hired"`) and without the declaration's
/// fallback ("other": no route).
std::set<std::string> public_routes_in_source() {
  const std::string text = read_source("engine/ingress.cpp");
  const std::regex assign_rx(R"re((^|\n)[ \t]*route\s*=\s*([^;]*);)re");
  const std::regex literal_rx(R"re((==\s*)?"([^"]*)")re");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), assign_rx);
       it != std::sregex_iterator(); ++it) {
    const std::string expr = (*it)[2].str();
    for (auto l = std::sregex_iterator(expr.begin(), expr.end(), literal_rx);
         l != std::sregex_iterator(); ++l)
      if (!(*l)[1].matched) out.insert((*l)[2].str());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi)

BOOST_AUTO_TEST_CASE(vouchd_serves_docs_openapi_json_without_a_token) {
  const std::string text = read_source("docs/openapi.json");
  const json doc = load_document();
  BOOST_TEST(doc.value("openapi", "") == "3.1.0");
  BOOST_TEST(doc.contains("info"));
  BOOST_TEST(doc["paths"].is_object());

  env e;
  const std::string url = e.daemon->admin_url() + "/admin/v1/openapi.json";
  auto r = http("GET", url);  // no Authorization header
  BOOST_REQUIRE_MESSAGE(r.status == 200, "GET /admin/v1/openapi.json: " << r.describe());
  BOOST_TEST(media_type(r.header("content-type")) == "application/json");
  BOOST_CHECK_MESSAGE(r.body == text,
                      "the served document differs from docs/openapi.json (rebuild vouchd?)");
  BOOST_REQUIRE_MESSAGE(r.j.is_object(), "the served document is not JSON");
  BOOST_TEST(r.j.value("openapi", "") == "3.1.0");

  // With a token it is the same; other methods are refused like the console's.
  auto with_token = e.daemon->admin("GET", "/admin/v1/openapi.json");
  BOOST_TEST(with_token.status == 200);
  for (const char* m : {"POST", "PUT", "DELETE"}) {
    auto wrong = http(m, url, "{}", {{"Content-Type", "application/json"}});
    BOOST_TEST(wrong.status == 405, m << ": " << wrong.describe());
    BOOST_TEST(wrong.error_code() == "method_not_allowed");
  }
}

BOOST_AUTO_TEST_CASE(every_documented_operation_reaches_its_route) {
  const json doc = load_document();
  auto ops = operations(doc);
  BOOST_REQUIRE(!ops.empty());

  env e;
  fixture f{e, e.setup_org("acme", default_templates()), {}};
  // A candidate with a live request (so it has history and timers), an export, an outbox
  // command when there is one, and a hire link that verifies.
  e.lever.add_opportunity("opp-1", "Ada Lovelace", "ada@example.com", "post-eng");
  e.request_to_awaiting(f.org, "opp-1");
  const json started = e.daemon->admin_ok("POST", "/admin/v1/orgs/acme/exports", nullptr, {202});
  const json outbox = e.daemon->admin_ok("GET", "/admin/v1/outbox");
  std::string master;
  BOOST_REQUIRE(vouch::core::hex_decode(
      e.daemon->config()["security"]["master_key"].get<std::string>(), master));
  f.params = {
      {"org", "acme"},
      {"template_id", f.org.templates.at("General")},
      {"opp", "opp-1"},
      {"export_id", started.value("id", "exp-none")},
      // A real command when the outbox holds one; otherwise an id that is a resource 404.
      {"command_id", outbox["items"].empty() ? "999999999" : outbox["items"][0]["id"].dump()},
      {"token", vouch::core::make_hire_token(vouch::core::hire_token_key(master), "acme", "opp-1",
                                             now_ms() + 3600 * 1000)},
  };

  std::stable_sort(ops.begin(), ops.end(),
                   [](const operation& a, const operation& b) { return rank(a) < rank(b); });
  for (const auto& o : ops) {
    BOOST_TEST_CONTEXT(o.name()) {
      const request req = f.build(doc, o);
      std::string m = o.method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      const double before = route_count(*e.daemon, o.is_public, o.route);
      const response r = http(m, f.url(doc, o, f.params), req.body, req.headers);
      const double after = route_count(*e.daemon, o.is_public, o.route);
      BOOST_TEST_MESSAGE(o.name() << " -> " << r.status << " " << r.error_code());
      check_answer(doc, o, r, before, after, req);
    }
  }

  // Security as documented: an admin operation that needs the bearer token answers 401
  // without it, and one documented with `security: []` answers without a token.
  for (const auto& o : ops) {
    if (o.is_public) continue;
    const json& security = o.op.contains("security") ? o.op["security"] : doc["security"];
    std::string m = o.method;
    std::transform(m.begin(), m.end(), m.begin(), ::toupper);
    const response r = http(m, f.url(doc, o, f.params));
    if (security.empty())
      BOOST_CHECK_MESSAGE(r.status / 100 == 2, o.name()
                                                   << " is documented without a token but answers "
                                                   << r.describe());
    else
      BOOST_CHECK_MESSAGE(
          r.status == 401 && r.error_code() == "unauthorized" &&
              r.header("www-authenticate") == "Bearer",
          o.name() << " is documented with a token but without one answers " << r.describe());
  }

  // Under /orgs/{org}/, an org that does not exist is answered by the router itself, under
  // the label the shared 404 response documents (org_unknown).
  auto unknown = f.params;
  unknown["org"] = "no-such-org";
  for (const auto& o : ops) {
    if (o.is_public || o.path.rfind("/admin/v1/orgs/{org}/", 0) != 0) continue;
    BOOST_TEST_CONTEXT(o.name() << " for an unknown org") {
      const json& documented = resolve(doc, o.op["responses"].value("404", json::object()));
      const std::string label = documented.value("x-vouch-route", "");
      BOOST_CHECK_MESSAGE(label == "org_unknown",
                          o.name() << ": its 404 response does not name x-vouch-route org_unknown");
      request req = f.build(doc, o);
      std::string m = o.method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      const double before = route_count(*e.daemon, false, "org_unknown");
      const response r = http(m, f.url(doc, o, unknown), req.body, req.headers);
      const double after = route_count(*e.daemon, false, "org_unknown");
      BOOST_CHECK_MESSAGE(r.status == 404 && r.error_code() == "not_found",
                          o.name() << " for an unknown org: " << r.describe());
      BOOST_CHECK_MESSAGE(after > before,
                          o.name() << " for an unknown org was not counted under org_unknown");
    }
  }
}

BOOST_AUTO_TEST_CASE(every_route_in_the_routers_source_is_documented) {
  const json doc = load_document();
  const auto ops = operations(doc);
  // Labels the document gives: on operations (with their methods), and on shared responses
  // for answers the router gives before any operation is known (an unknown org).
  std::map<std::string, std::set<std::string>> admin_documented;
  std::set<std::string> public_documented;
  for (const auto& o : ops) {
    std::string m = o.method;
    std::transform(m.begin(), m.end(), m.begin(), ::toupper);
    if (o.is_public)
      public_documented.insert(o.route);
    else
      admin_documented[o.route].insert(m);
  }
  const json shared = doc["components"].value("responses", json::object());
  for (const auto& [name, res] : shared.items())
    if (res.contains("x-vouch-route")) admin_documented[res["x-vouch-route"].get<std::string>()];

  const auto admin = admin_routes_in_source();
  BOOST_REQUIRE_MESSAGE(admin.size() >= 10,
                        "found only " << admin.size()
                                      << " a.route labels in engine/admin_api.cpp: has the "
                                         "router changed shape? Update this test's reader.");
  std::set<std::string> labels, prefixes;
  for (const auto& r : admin) {
    (r.prefix ? prefixes : labels).insert(r.label);
    // A prefix label ("candidate_" + the action) stands for every documented label with it.
    std::vector<std::string> covered;
    for (const auto& [label, methods] : admin_documented)
      if (r.prefix ? label.rfind(r.label, 0) == 0 && label.size() > r.label.size()
                   : label == r.label)
        covered.push_back(label);
    BOOST_CHECK_MESSAGE(!covered.empty(), "admin route \""
                                              << r.label << (r.prefix ? "…" : "")
                                              << "\" (engine/admin_api.cpp) is not documented: "
                                                 "no x-vouch-route in docs/openapi.json");
    for (const auto& label : covered)
      for (const auto& m : r.methods)
        BOOST_CHECK_MESSAGE(admin_documented[label].count(m),
                            "admin route \"" << label << "\" accepts " << m
                                             << " but docs/openapi.json documents no " << m
                                             << " operation with x-vouch-route \"" << label
                                             << "\"");
  }
  for (const auto& [label, methods] : admin_documented) {
    const bool known = labels.count(label) ||
                       std::any_of(prefixes.begin(), prefixes.end(),
                                   [&](const std::string& p) { return label.rfind(p, 0) == 0; });
    BOOST_CHECK_MESSAGE(known, "x-vouch-route \"" << label
                                                  << "\" in docs/openapi.json is set nowhere in "
                                                     "engine/admin_api.cpp");
  }

  const auto pub = public_routes_in_source();
  BOOST_REQUIRE_MESSAGE(pub.size() >= 3,
                        "found only " << pub.size() << " route labels in engine/ingress.cpp");
  for (const auto& label : pub)
    BOOST_CHECK_MESSAGE(public_documented.count(label),
                        "public route \"" << label
                                          << "\" (engine/ingress.cpp) is not documented: no "
                                             "public-listener operation with that x-vouch-route");
  for (const auto& label : public_documented)
    BOOST_CHECK_MESSAGE(pub.count(label), "x-vouch-route \"" << label
                                                             << "\" of a public path is set "
                                                                "nowhere in engine/ingress.cpp");
}

BOOST_AUTO_TEST_SUITE_END()
