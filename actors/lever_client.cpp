#include "actors/lever_client.hpp"

#include <nlohmann/json.hpp>

#include "actors/wall_clock.hpp"
#include "core/ids.hpp"
#include "core/retry.hpp"
#include "net/http_server.hpp"

namespace vouch::actors {

using core::command_kind;
using nlohmann::json;

std::string note_marker(const std::string& idem_key) {
  return "[vouch:" + idem_key + "]";
}

struct lever_client::reply {
  net::client_response res;
  json body;  // discarded value when not JSON
  bool ok() const { return res.status >= 200 && res.status < 300; }
};

lever_client::reply lever_client::call(const lever_target& t, const std::string& method,
                                       const std::string& path_query, const std::string& body) {
  // Keep a quarter of the burst for live candidate work while exporting in bulk.
  limiter_.acquire(t.api_key, background_ ? std::max(2.0, limiter_burst_ / 4) : 0.0);
  net::client_request req;
  req.method = method;
  req.url = t.base_url + path_query;
  req.timeout = timeout_;
  req.basic_user = t.api_key;
  if (!body.empty()) {
    req.body = body;
    req.headers.push_back({"Content-Type", "application/json"});
  }
  reply r;
  r.res = http_.perform(std::move(req)).get();
  r.body = json::parse(r.res.body, nullptr, false);
  return r;
}

namespace {

/// Fills `out` with the failure of `r` (status, Lever's message, Retry-After).
template <class Reply>
call_outcome failed(const Reply& r, const std::string& what) {
  call_outcome out;
  out.status = r.res.status;
  if (r.res.status == 0) {
    out.error = what + ": " + (r.res.error.empty() ? "transport error" : r.res.error);
  } else {
    std::string msg;
    if (r.body.is_object() && r.body.contains("message") && r.body["message"].is_string())
      msg = r.body["message"].template get<std::string>();
    out.error = what + ": HTTP " + std::to_string(r.res.status) + (msg.empty() ? "" : " " + msg);
  }
  auto it = r.res.headers.find("retry-after");
  if (it != r.res.headers.end()) out.retry_after = core::parse_retry_after(it->second, now_ms());
  return out;
}

std::string str(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
}

std::string perform_as(const lever_target& t) {
  return t.perform_as.empty() ? std::string{} : "perform_as=" + net::url_encode(t.perform_as);
}

std::string with_query(const std::string& path, const std::string& q) {
  return q.empty() ? path : path + "?" + q;
}

}  // namespace

call_outcome lever_client::post_note_once(const lever_target& t, const core::command& cmd,
                                          const std::string& text) {
  // Lever has no idempotency key: look for our marker before posting again.
  call_outcome out;
  const std::string opp_path = "/opportunities/" + net::url_encode(cmd.opp);
  const auto marker = note_marker(cmd.idem_key);
  std::string offset;
  for (int page = 0; page < 100; ++page) {
    auto q =
        std::string("?limit=100") + (offset.empty() ? "" : "&offset=" + net::url_encode(offset));
    auto r = call(t, "GET", opp_path + "/notes" + q);
    if (!r.ok()) return failed(r, "GET notes");
    for (const auto& n : r.body.value("data", json::array())) {
      if (!n.is_object() || !n.contains("fields") || !n["fields"].is_array()) continue;
      for (const auto& f : n["fields"])
        if (str(f, "value").find(marker) != std::string::npos) {
          out.ok = true;  // it went out before a crash or a lost answer
          return out;
        }
    }
    if (!r.body.value("hasNext", false)) break;
    offset = str(r.body, "next");
    if (offset.empty()) break;
  }
  json body = {{"value", text + "\n" + marker}};
  auto r = call(t, "POST", with_query(opp_path + "/notes", perform_as(t)), body.dump());
  if (!r.ok()) return failed(r, "POST note");
  out.ok = true;
  return out;
}

call_outcome lever_client::export_prospect(const core::command& cmd, const lever_target& t) {
  call_outcome out;
  json p = json::parse(cmd.payload, nullptr, false);
  json emails = p.value("emails", json::array());
  // Lever creates a new opportunity even for a known email: look every email up first.
  for (const auto& e : emails) {
    if (!e.is_string()) continue;
    auto r =
        call(t, "GET", "/opportunities?limit=1&email=" + net::url_encode(e.get<std::string>()));
    if (!r.ok()) return failed(r, "GET opportunities by email");
    auto rows = r.body.value("data", json::array());
    if (rows.is_array() && !rows.empty()) {
      out.ok = true;
      out.linked = true;
      out.lever_opportunity_id = str(rows[0], "id");
      return out;
    }
  }
  json phones = json::array();
  for (const auto& ph : p.value("phones", json::array()))
    if (ph.is_string()) phones.push_back({{"type", "other"}, {"value", ph}});
  json body = {{"name", p.value("name", std::string{})},
               {"headline", p.value("headline", std::string{})},
               {"emails", emails},
               {"phones", phones},
               {"tags", json::array({"vouch-prospect"})},
               {"sources", json::array({"vouch"})},
               {"origin", "sourced"}};
  auto r = call(t, "POST", with_query("/opportunities", perform_as(t)), body.dump());
  if (!r.ok()) return failed(r, "POST opportunities");
  out.lever_opportunity_id = str(r.body.value("data", json::object()), "id");
  if (const char* why = core::external_id_problem(out.lever_opportunity_id)) {
    out.status = 502;
    out.error = std::string("POST opportunities: Lever answered an unusable id: ") + why;
    out.lever_opportunity_id.clear();
    return out;
  }
  out.ok = true;
  return out;
}

call_outcome lever_client::run(const core::command& cmd, const lever_target& t) {
  call_outcome out;
  json payload = json::parse(cmd.payload, nullptr, false);
  const std::string opp_path = "/opportunities/" + net::url_encode(cmd.opp);

  switch (cmd.kind) {
    case command_kind::lever_resolve: {
      auto r = call(t, "GET", opp_path + "?expand=owner&expand=applications");
      if (!r.ok()) return failed(r, "GET opportunity");
      const json& o = r.body.value("data", json::object());
      auto& res = out.resolved;
      res.name = str(o, "name");
      if (o.contains("emails") && o["emails"].is_array() && !o["emails"].empty() &&
          o["emails"][0].is_string())
        res.email = o["emails"][0].get<std::string>();
      if (o.contains("phones") && o["phones"].is_array() && !o["phones"].empty())
        res.phone = str(o["phones"][0], "value");
      if (o.contains("tags") && o["tags"].is_array())
        for (const auto& tag : o["tags"])
          if (tag.is_string()) res.tags.push_back(tag.get<std::string>());
      // owner: expanded object, or an id to look up
      if (o.contains("owner") && o["owner"].is_object()) {
        res.owner = {str(o["owner"], "id"), str(o["owner"], "name"), str(o["owner"], "email")};
      } else if (o.contains("owner") && o["owner"].is_string()) {
        auto u = call(t, "GET", "/users/" + net::url_encode(o["owner"].get<std::string>()));
        if (!u.ok()) return failed(u, "GET owner");
        const json& d = u.body.value("data", json::object());
        res.owner = {str(d, "id"), str(d, "name"), str(d, "email")};
      }
      std::string posting;
      if (o.contains("applications") && o["applications"].is_array() &&
          !o["applications"].empty()) {
        const auto& a = o["applications"][0];
        posting = a.is_object() ? str(a, "posting") : std::string{};
      }
      if (!posting.empty()) {
        auto p = call(t, "GET", "/postings/" + net::url_encode(posting));
        if (!p.ok()) return failed(p, "GET posting");
        const json& d = p.body.value("data", json::object());
        res.posting_id = posting;
        res.posting_title = str(d, "text");
        if (d.contains("tags") && d["tags"].is_array()) {
          res.tags.clear();
          for (const auto& tag : d["tags"])
            if (tag.is_string()) res.tags.push_back(tag.get<std::string>());
        }
      }
      out.ok = true;
      return out;
    }
    case command_kind::lever_note:
    case command_kind::lever_outcome_note:
      return post_note_once(t, cmd, payload.value("text", std::string{}));
    case command_kind::lever_add_links: {
      json body = {{"links", payload.value("links", json::array())}};
      auto r = call(t, "POST", with_query(opp_path + "/addLinks", perform_as(t)), body.dump());
      if (!r.ok()) return failed(r, "POST addLinks");
      out.ok = true;
      return out;
    }
    case command_kind::lever_followup_check: {
      auto r = call(t, "GET", opp_path);
      if (!r.ok()) return failed(r, "GET opportunity");
      const json& o = r.body.value("data", json::object());
      std::string reason;
      if (o.contains("archived") && o["archived"].is_object())
        reason = str(o["archived"], "reason");
      if (reason.empty()) reason = str(o, "archiveReason");
      if (!reason.empty()) {
        auto a = call(t, "GET", "/archive_reasons/" + net::url_encode(reason));
        if (!a.ok()) return failed(a, "GET archive reason");
        out.archived_as_hired = str(a.body.value("data", json::object()), "type") == "hired";
      }
      out.ok = true;
      return out;
    }
    case command_kind::lever_archive_hired: {
      std::string reason = payload.value("reason_id", std::string{});
      if (reason.empty()) reason = t.hired_reason_id;
      if (reason.empty()) {
        auto a = call(t, "GET", "/archive_reasons?type=hired");
        if (!a.ok()) return failed(a, "GET archive reasons");
        json rows = a.body.value("data", json::array());
        if (rows.is_object()) rows = json::array({rows});
        for (const auto& row : rows)
          if (str(row, "type") == "hired" && str(row, "status") != "inactive") {
            reason = str(row, "id");
            break;
          }
        if (reason.empty()) {
          out.status = 400;
          out.error = "Lever has no active archive reason of type hired";
          return out;
        }
      }
      json body = {{"reason", reason}};
      auto r = call(t, "PUT", with_query(opp_path + "/archived", perform_as(t)), body.dump());
      if (!r.ok()) return failed(r, "PUT archived");
      return post_note_once(t, cmd, payload.value("text", std::string{}));
    }
    case command_kind::prospect_export: {
      background_ = true;
      auto res = export_prospect(cmd, t);
      background_ = false;
      return res;
    }
    default:
      out.status = 400;
      out.error = std::string("not a Lever command: ") + core::to_string(cmd.kind);
      return out;
  }
}

}  // namespace vouch::actors
