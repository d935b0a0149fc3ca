#include "tools/lever-sim/lever_routes.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>

#include <openssl/evp.h>

#include "core/encoding.hpp"

namespace vouch::lever_sim {

using sim::api_result;
using sim::make_result;
using sim::query_map;

namespace {

api_result bad(const std::string& msg) {
  return make_result(400, {{"code", "BadRequest"}, {"message", msg}});
}

api_result forbidden() {
  return make_result(403, {{"code", "Forbidden"}, {"message", "access denied"}});
}

const std::vector<std::string>& values(const query_map& q, const std::string& key) {
  static const std::vector<std::string> none;
  auto it = q.find(key);
  return it == q.end() ? none : it->second;
}

// Repeated keys and comma lists both name several fields ("expand=owner,stage").
std::set<std::string> field_set(const query_map& q, const std::string& key) {
  std::set<std::string> out;
  for (const auto& v : values(q, key)) {
    std::size_t i = 0;
    while (i <= v.size()) {
      std::size_t j = v.find(',', i);
      if (j == std::string::npos) j = v.size();
      std::string part = v.substr(i, j - i);
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      if (!part.empty()) out.insert(part);
      i = j + 1;
    }
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The fake's token: "o.<start>.<first 8 hex of sha1(str(start))>" - opaque to clients.
std::string offset_token(std::size_t start) {
  std::string msg = std::to_string(start);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(msg.data(), msg.size(), md, &len, EVP_sha1(), nullptr);
  return "o." + msg + "." +
         core::hex_lower(std::string_view(reinterpret_cast<const char*>(md), len)).substr(0, 8);
}

api_result page(const json& rows, const query_map& q) {
  std::string limit_text = sim::query_first(q, "limit", "100");
  char* end = nullptr;
  long limit = std::strtol(limit_text.c_str(), &end, 10);
  if (limit_text.empty() || *end != '\0') return bad("limit must be an integer");
  if (limit < 1 || limit > 100) return bad("limit must be between 1 and 100");
  std::size_t start = 0;
  std::string tok = sim::query_first(q, "offset");
  if (!tok.empty()) {
    static const std::regex token_rx(R"(o\.\d+\.[0-9a-f]{8})");
    if (!std::regex_match(tok, token_rx)) return bad("invalid offset token");
    start = std::strtoul(tok.c_str() + 2, nullptr, 10);
  }
  json chunk = json::array();
  for (std::size_t i = start; i < rows.size() && i < start + static_cast<std::size_t>(limit); ++i) {
    chunk.push_back(rows[i]);
  }
  bool has_next = start + static_cast<std::size_t>(limit) < rows.size();
  json out = {{"data", chunk}, {"hasNext", has_next}};
  if (has_next) out["next"] = offset_token(start + static_cast<std::size_t>(limit));
  return make_result(200, out);
}

json user_or_stub(const lever_data& d, const json& id) {
  if (!id.is_string()) return id;
  const json* u = d.users.find(id.get<std::string>());
  return u ? *u : json{{"id", id}};
}

json render_opp(const lever_data& d, const json& opp, const query_map& q) {
  json o = opp;
  auto expand = field_set(q, "expand");
  if (expand.count("owner") && !o["owner"].is_null()) o["owner"] = user_or_stub(d, o["owner"]);
  if (expand.count("followers")) {
    json f = json::array();
    for (const auto& u : opp["followers"]) f.push_back(user_or_stub(d, u));
    o["followers"] = f;
  }
  if (expand.count("sourcedBy") && !o["sourcedBy"].is_null()) {
    o["sourcedBy"] = user_or_stub(d, o["sourcedBy"]);
  }
  if (expand.count("applications")) {
    json apps = json::array();
    for (const auto& a : opp["applications"]) {
      if (const json* row = d.applications.find(a.get<std::string>())) apps.push_back(*row);
    }
    o["applications"] = apps;
  }
  if (expand.count("stage")) {
    const json* s = d.stages.find(opp["stage"].get<std::string>());
    o["stage"] = s ? *s : json{{"id", opp["stage"]}, {"text", ""}};
  }
  if (expand.count("contact")) {
    o["contact"] = {{"id", opp["contact"]},
                    {"name", opp["name"]},
                    {"headline", opp["headline"]},
                    {"emails", opp["emails"]},
                    {"phones", opp["phones"]}};
  }
  auto include = field_set(q, "include");
  if (!include.empty()) {
    json limited = json::object();
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (include.count(it.key()) || expand.count(it.key()) || it.key() == "id") {
        limited[it.key()] = it.value();
      }
    }
    o = limited;
  }
  return o;
}

bool is_confidential(const json& row) {
  return row.value("confidentiality", "") == "confidential";
}

bool contains(const std::vector<std::string>& v, const json& s) {
  return s.is_string() && std::find(v.begin(), v.end(), s.get<std::string>()) != v.end();
}

// A time the *_start/_end filters range over; null when the row has none.
struct time_field {
  const char* param;
  json (*of)(const json& opp);
};

const time_field time_fields[] = {
    {"created_at", [](const json& o) { return o.value("createdAt", json(nullptr)); }},
    {"updated_at", [](const json& o) { return o.value("updatedAt", json(nullptr)); }},
    {"advanced_at", [](const json& o) { return o.value("lastAdvancedAt", json(nullptr)); }},
    {"archived_at",
     [](const json& o) {
       const json a = o.value("archived", json(nullptr));
       return a.is_object() ? a.value("archivedAt", json(nullptr)) : json(nullptr);
     }},
};

// Both bounds inclusive; a row without the time never matches a bound.
struct time_range {
  const time_field* field;
  std::optional<int64_t> start;
  std::optional<int64_t> end;

  bool matches(const json& opp) const {
    json t = field->of(opp);
    if (!t.is_number_integer()) return false;
    return (!start || t.get<int64_t>() >= *start) && (!end || t.get<int64_t>() <= *end);
  }
};

// Where a candidate is in the pipeline (GET /opportunities filters stage_id,
// archive_reason_id, archived and the *_at_start/_end ranges): what the catch-up poller asks.
struct pipeline_filter {
  std::vector<std::string> stage_ids;
  std::vector<std::string> archive_reason_ids;
  std::optional<bool> archived;
  std::vector<time_range> ranges;

  bool matches(const json& opp) const {
    const json archive = opp.value("archived", json(nullptr));
    if (!stage_ids.empty() && !contains(stage_ids, opp["stage"])) return false;
    if (!archive_reason_ids.empty() &&
        !(archive.is_object() && contains(archive_reason_ids, archive["reason"]))) {
      return false;
    }
    if (archived && archive.is_object() != *archived) return false;
    return std::all_of(ranges.begin(), ranges.end(),
                       [&](const time_range& r) { return r.matches(opp); });
  }
};

// Lever takes epoch milliseconds; anything but an integer is the caller's mistake.
std::optional<api_result> parse_bound(const query_map& q, const std::string& name,
                                      std::optional<int64_t>& out) {
  const auto& vs = values(q, name);
  if (vs.empty()) return std::nullopt;
  int64_t v = 0;
  const std::string& text = vs.front();
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return bad(name + " must be a timestamp in ms");
  }
  out = v;
  return std::nullopt;
}

// Same checks in the same order as the fake, so both name the same bad parameter.
std::optional<api_result> parse_pipeline_filter(const query_map& q, pipeline_filter& f) {
  f.stage_ids = values(q, "stage_id");
  f.archive_reason_ids = values(q, "archive_reason_id");
  if (!values(q, "archived").empty()) {
    std::string flag = lower(values(q, "archived").front());
    if (flag != "true" && flag != "false") return bad("archived must be true or false");
    f.archived = flag == "true";
  }
  for (const auto& field : time_fields) {
    time_range r{&field, std::nullopt, std::nullopt};
    const std::string param = field.param;
    if (auto err = parse_bound(q, param + "_start", r.start)) return err;
    if (auto err = parse_bound(q, param + "_end", r.end)) return err;
    if (r.start || r.end) f.ranges.push_back(r);
  }
  return std::nullopt;
}

api_result list_opps(const lever_data& d, const api_call& c) {
  const auto& q = c.query;
  std::string conf = sim::query_first(q, "confidentiality", "non-confidential");
  if (conf != "non-confidential" && !c.key.confidential) return forbidden();
  pipeline_filter pipeline;
  if (auto err = parse_pipeline_filter(q, pipeline)) return *err;
  std::set<std::string> emails;
  for (const auto& e : values(q, "email")) {
    std::string t = e;
    t.erase(0, t.find_first_not_of(' '));
    t.erase(t.find_last_not_of(' ') + 1);
    emails.insert(lower(t));
  }
  const auto& postings = values(q, "posting_id");
  const auto& tags = values(q, "tag");
  const auto& contacts = values(q, "contact_id");
  auto in = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  json rows = json::array();
  for (const auto& o : d.opportunities.rows()) {
    if (conf != "all" && o["confidentiality"] != conf) continue;
    if (!emails.empty() && std::none_of(o["emails"].begin(), o["emails"].end(), [&](const json& e) {
          return emails.count(lower(e.get<std::string>()));
        })) {
      continue;
    }
    if (!postings.empty() &&
        std::none_of(o["applications"].begin(), o["applications"].end(), [&](const json& a) {
          const json* app = d.applications.find(a.get<std::string>());
          return app && (*app)["posting"].is_string() &&
                 in(postings, (*app)["posting"].get<std::string>());
        })) {
      continue;
    }
    if (!tags.empty() && std::none_of(o["tags"].begin(), o["tags"].end(), [&](const json& t) {
          return in(tags, t.get<std::string>());
        })) {
      continue;
    }
    if (!contacts.empty() && !in(contacts, o["contact"].get<std::string>())) continue;
    if (!pipeline.matches(o)) continue;
    rows.push_back(render_opp(d, o, q));
  }
  return page(rows, q);
}

bool string_array(const json& v) {
  return v.is_array() &&
         std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); });
}

api_result create_opp(lever_data& d, const api_call& c) {
  std::string perform_as = sim::query_first(c.query, "perform_as");
  if (perform_as.empty()) return bad("perform_as is required");
  if (!d.users.find(perform_as)) return bad("perform_as user not found");
  const json& b = c.body;
  if (!b.is_object()) return bad("body must be a JSON object");
  json emails = b.value("emails", json::array());
  if (!string_array(emails)) return bad("emails must be an array of strings");
  json postings = b.value("postings", json::array());
  if (!postings.is_array() || postings.size() > 1) {
    return bad("postings may hold at most one posting id");
  }
  if (!postings.empty() &&
      (!postings[0].is_string() || !d.postings.find(postings[0].get<std::string>()))) {
    return bad("unknown posting");
  }
  json phones = b.value("phones", json::array());
  if (!phones.is_array()) return bad("phones must be an array");
  json norm_phones = json::array();
  for (const auto& ph : phones) {
    if (ph.is_string()) {
      norm_phones.push_back({{"type", nullptr}, {"value", ph}});
    } else if (ph.is_object() && ph.contains("value") && ph["value"].is_string()) {
      norm_phones.push_back({{"type", ph.value("type", json(nullptr))}, {"value", ph["value"]}});
    } else {
      return bad("phones[] must be {type, value}");
    }
  }
  // Dedupe as Lever does: a known email links the new opportunity (always a new one) to
  // that contact.
  std::set<std::string> wanted;
  for (const auto& e : emails) wanted.insert(lower(e.get<std::string>()));
  std::string contact;
  for (const auto& o : d.opportunities.rows()) {
    if (std::any_of(o["emails"].begin(), o["emails"].end(),
                    [&](const json& e) { return wanted.count(lower(e.get<std::string>())); })) {
      contact = o["contact"].get<std::string>();
      break;
    }
  }
  std::string id = "opp-new-" + std::to_string(d.next_id());
  auto str_or = [&](const char* key, const std::string& fallback) {
    auto it = b.find(key);
    return it != b.end() && it->is_string() && !it->get<std::string>().empty()
               ? it->get<std::string>()
               : fallback;
  };
  auto arr_or_empty = [&](const char* key) {
    auto it = b.find(key);
    return it != b.end() && it->is_array() ? *it : json::array();
  };
  json& o =
      d.add_opportunity(id, str_or("name", ""), emails.empty() ? "" : emails[0].get<std::string>(),
                        postings.empty() ? "" : postings[0].get<std::string>(),
                        str_or("owner", perform_as), "", contact);
  o["emails"] = emails;
  o["phones"] = norm_phones;
  o["headline"] = str_or("headline", "");
  o["links"] = arr_or_empty("links");
  o["tags"] = arr_or_empty("tags");
  o["sources"] = arr_or_empty("sources");
  o["origin"] = str_or("origin", "sourced");
  // Like the fake: a new opportunity's history is one move into its first stage, now.
  int64_t now = sim::now_ms();
  o["createdAt"] = now;
  o["updatedAt"] = now;
  o["stageChanges"] = json::array();
  d.apply_move(o, str_or("stage", "stage-new"), now, perform_as);
  return make_result(201, {{"data", o}});
}

api_result post_note(lever_data& d, const json& opp, const api_call& c) {
  const json& b = c.body;
  if (!b.is_object() || !b.contains("value") || !b["value"].is_string() ||
      b["value"].get<std::string>().empty()) {
    return bad("value is required");
  }
  std::string perform_as = sim::query_first(c.query, "perform_as");
  json user = perform_as.empty() ? json(nullptr) : json(perform_as);
  int64_t now = sim::now_ms();
  std::string nid = "note-" + std::to_string(d.next_id());
  bool secret = b.contains("secret") && b["secret"].is_boolean() && b["secret"].get<bool>();
  d.notes[opp["id"].get<std::string>()].push_back(
      {{"id", nid},
       {"text", "Note"},
       {"user", user},
       {"secret", secret},
       {"createdAt", now},
       {"completedAt", now},
       {"deletedAt", nullptr},
       {"fields", json::array({{{"type", "note"},
                                {"text", "Comment"},
                                {"value", b["value"]},
                                {"createdAt", now},
                                {"user", user},
                                {"score", b.value("score", json(nullptr))},
                                {"stage", opp["stage"]}}})}});
  return make_result(201, {{"data", {{"noteId", nid}}}});
}

api_result add_links(lever_data& d, const json& opp, const api_call& c) {
  const json& b = c.body;
  if (!b.is_object() || !b.contains("links") || !string_array(b["links"])) {
    return bad("links must be an array of strings");
  }
  // Links belong to the contact: every opportunity of that person shows them.
  for (auto& o : d.opportunities.rows()) {
    if (o["contact"] != opp["contact"]) continue;
    for (const auto& x : b["links"]) {
      auto& links = o["links"];
      if (std::find(links.begin(), links.end(), x) == links.end()) links.push_back(x);
    }
  }
  return make_result(200, {{"data", opp}});
}

route_outcome archive(lever_data& d, json& opp, const api_call& c) {
  const json& b = c.body;
  if (!b.is_object() || !b.contains("reason")) return {bad("reason is required"), {}};
  const json& reason = b["reason"];
  const json* r = nullptr;
  if (!reason.is_null()) {
    r = reason.is_string() ? d.find_archive_reason(reason.get<std::string>()) : nullptr;
    if (!r) return {bad("archive reason " + reason.dump() + " not found"), {}};
  }
  d.apply_archive(opp, reason, sim::now_ms());
  route_outcome out;
  // There is no hire endpoint: archived with a hired-type reason is "hired" (§5.7).
  if (r && (*r)["type"] == "hired") out.events.push_back({"candidateHired", hired_data(opp), true});
  out.result = make_result(200, {{"data", opp}});
  return out;
}

route_outcome set_stage(lever_data& d, json& opp, const api_call& c) {
  const json& b = c.body;
  const json sid = b.is_object() ? b.value("stage", json(nullptr)) : json(nullptr);
  if (!sid.is_string() || !d.has_stage(sid.get<std::string>())) {
    return {bad("stage not found"), {}};
  }
  std::string perform_as = sim::query_first(c.query, "perform_as");
  json user = perform_as.empty() ? json(nullptr) : json(perform_as);
  route_outcome out;
  out.events.push_back(move_stage(d, opp, sid.get<std::string>(), sim::now_ms(), user, true));
  out.result = make_result(200, {{"data", opp}});
  return out;
}

route_outcome route_opportunity(lever_data& d, const api_call& c) {
  const auto& seg = c.segs;  // "v1", "opportunities", id, ...
  const std::string& m = c.method;
  json* opp = d.opportunities.find(seg[2]);
  if (!opp) return {not_found("opportunities " + seg[2]), {}};
  if (is_confidential(*opp) && !c.key.confidential) return {forbidden(), {}};
  std::vector<std::string> rest(seg.begin() + 3, seg.end());
  const std::string oid = (*opp)["id"].get<std::string>();
  if (rest.empty() && m == "GET")
    return {make_result(200, {{"data", render_opp(d, *opp, c.query)}}), {}};
  if (rest == std::vector<std::string>{"notes"} && m == "GET") {
    return {page(json(d.notes[oid]), c.query), {}};
  }
  if (rest == std::vector<std::string>{"notes"} && m == "POST") return {post_note(d, *opp, c), {}};
  if (rest == std::vector<std::string>{"addLinks"} && m == "POST") {
    return {add_links(d, *opp, c), {}};
  }
  if (rest == std::vector<std::string>{"archived"} && m == "PUT") return archive(d, *opp, c);
  if (rest == std::vector<std::string>{"stage"} && m == "PUT") return set_stage(d, *opp, c);
  if (rest == std::vector<std::string>{"applications"} && m == "GET") {
    json apps = json::array();
    for (const auto& a : (*opp)["applications"]) {
      if (const json* row = d.applications.find(a.get<std::string>())) apps.push_back(*row);
    }
    return {page(apps, c.query), {}};
  }
  if (rest.size() == 2 && rest[0] == "applications" && m == "GET") {
    const auto& apps = (*opp)["applications"];
    if (std::find(apps.begin(), apps.end(), rest[1]) == apps.end()) {
      return {not_found("applications " + rest[1]), {}};
    }
    return {make_result(200, {{"data", *d.applications.find(rest[1])}}), {}};
  }
  return {not_found(c.path), {}};
}

api_result route_reads(lever_data& d, const api_call& c) {
  const auto& seg = c.segs;
  const std::string& what = seg[1];
  const auto& q = c.query;
  if (seg.size() == 2 && what == "postings") {
    // Like /opportunities: confidential rows only on request, and only for a flagged key.
    std::string conf = sim::query_first(q, "confidentiality", "non-confidential");
    if (conf != "non-confidential" && !c.key.confidential) return forbidden();
    const auto& tags = values(q, "tag");
    json rows = json::array();
    for (const auto& p : d.postings.rows()) {
      if (conf != "all" && p["confidentiality"] != conf) continue;
      if (!tags.empty() && std::none_of(p["tags"].begin(), p["tags"].end(), [&](const json& t) {
            return std::find(tags.begin(), tags.end(), t.get<std::string>()) != tags.end();
          })) {
        continue;
      }
      rows.push_back(p);
    }
    return page(rows, q);
  }
  if (seg.size() == 3 && what == "postings") {
    const json* p = d.postings.find(seg[2]);
    if (!p) return not_found("postings " + seg[2]);
    if (is_confidential(*p) && !c.key.confidential) return forbidden();
    return make_result(200, {{"data", *p}});
  }
  if (seg.size() == 2 && what == "users") {
    std::set<std::string> want;
    for (const auto& e : values(q, "email")) want.insert(lower(e));
    json rows = json::array();
    for (const auto& u : d.users.rows()) {
      if (want.empty() || want.count(lower(u["email"].get<std::string>()))) rows.push_back(u);
    }
    return page(rows, q);
  }
  if (seg.size() == 3 && what == "users") {
    const json* u = d.users.find(seg[2]);
    return u ? make_result(200, {{"data", *u}}) : not_found("users " + seg[2]);
  }
  if (seg.size() == 2 && what == "archive_reasons") {
    const auto& types = values(q, "type");
    json rows = json::array();
    for (const auto& r : d.archive_reasons.rows()) {
      if (types.empty() ||
          std::find(types.begin(), types.end(), r["type"].get<std::string>()) != types.end()) {
        rows.push_back(r);
      }
    }
    return make_result(200, {{"data", rows}});
  }
  if (seg.size() == 3 && what == "archive_reasons") {
    const json* r = d.archive_reasons.find(seg[2]);
    return r ? make_result(200, {{"data", *r}}) : not_found("archive_reasons " + seg[2]);
  }
  if (seg.size() == 2 && what == "stages") {
    return make_result(200, {{"data", d.stages.rows()}});
  }
  if (seg.size() == 3 && what == "stages") {
    const json* s = d.stages.find(seg[2]);
    return s ? make_result(200, {{"data", *s}}) : not_found("stages " + seg[2]);
  }
  return not_found(c.path);
}

}  // namespace

api_result not_found(const std::string& what) {
  return make_result(404, {{"code", "ResourceNotFound"}, {"message", what + " was not found"}});
}

lever_event move_stage(lever_data& data, json& opp, const std::string& stage, int64_t at,
                       const json& user, bool from_api) {
  std::string from = opp["stage"].is_string() ? opp["stage"].get<std::string>() : "";
  data.apply_move(opp, stage, at, user);
  return {"candidateStageChange", stage_change_data(opp, from, stage), from_api};
}

route_outcome route_api(lever_data& d, const api_call& c) {
  const auto& seg = c.segs;
  const std::string& m = c.method;
  if (seg.size() < 2 || seg[0] != "v1") return {not_found(c.path), {}};
  if (seg[1] == "opportunities") {
    if (seg.size() == 2 && m == "GET") return {list_opps(d, c), {}};
    if (seg.size() == 2 && m == "POST") return {create_opp(d, c), {}};
    if (seg.size() >= 3) return route_opportunity(d, c);
    return {not_found(c.path), {}};
  }
  if (m == "GET" && seg.size() <= 3) return {route_reads(d, c), {}};
  return {not_found(c.path), {}};
}

}  // namespace vouch::lever_sim
