#include "actors/catch_up_pass.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "net/http_server.hpp"

namespace vouch::actors {

using nlohmann::json;

namespace {

constexpr int max_pages = 1000;  // 100 rows a page: bounds a loop, never a real account
constexpr const char* page_size = "100";

std::string text(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
}

int64_t number(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_number_integer()) return j[key].get<int64_t>();
  return 0;
}

/// The page's rows and its next offset, or an error when the body is no list page.
bool read_page(std::string_view body, json& data, std::string& next, std::string& error) {
  json page = json::parse(body, nullptr, false);
  if (!page.is_object() || !page.contains("data") || !page["data"].is_array()) {
    error = "Lever answered a list without \"data\"";
    return false;
  }
  data = std::move(page["data"]);
  const bool more = page.contains("hasNext") && page["hasNext"] == true;
  next = more ? text(page, "next") : std::string{};
  return true;
}

/// When the row last entered `stage` (its newest stageChanges entry into it), or 0.
int64_t entered_at(const json& row, const std::string& stage) {
  int64_t at = 0;
  if (!row.contains("stageChanges") || !row["stageChanges"].is_array()) return 0;
  for (const auto& c : row["stageChanges"])
    if (text(c, "toStageId") == stage) at = std::max(at, number(c, "updatedAt"));
  return at;
}

/// When the row was archived, reading `archived` first and the legacy top-level key after.
int64_t archived_at(const json& row) {
  if (row.contains("archived") && row["archived"].is_object())
    return number(row["archived"], "archivedAt");
  return number(row, "archivedAt");
}

}  // namespace

opportunity_page parse_opportunity_page(std::string_view body, const std::string& stage) {
  opportunity_page out;
  json data;
  if (!read_page(body, data, out.next, out.error)) return out;
  for (const auto& row : data) {
    const std::string id = text(row, "id");
    // An id we could not key a candidate by is Lever's problem, not a reason to stop.
    if (core::external_id_problem(id)) continue;
    caught_change c;
    c.opp = id;
    if (stage.empty()) {
      c.hired = true;
      c.at = archived_at(row);
    } else {
      if (row.contains("stage") && row["stage"].is_string() && text(row, "stage") != stage)
        continue;  // it left the stage meanwhile: there is no entry to act on
      c.stage = stage;
      c.at = entered_at(row, stage);
    }
    if (c.at > 0) out.changes.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> parse_reason_ids(std::string_view body, std::string& next,
                                          std::string& error) {
  std::vector<std::string> ids;
  json data;
  if (!read_page(body, data, next, error)) return ids;
  for (const auto& r : data) {
    const std::string id = text(r, "id");
    // The query asks for type=hired; a reason of another type is never taken for a hire.
    if (!id.empty() && text(r, "type") == "hired") ids.push_back(id);
  }
  return ids;
}

struct catch_up_client::answer {
  bool ok = false;
  std::string body;
};

catch_up_client::answer catch_up_client::get(const catch_up_request& req,
                                             const std::string& path_query, catch_up_result& out) {
  limiter_.acquire(req.api_key, reserve_);
  net::client_request r;
  r.url = req.base_url + path_query;
  r.timeout = timeout_;
  r.basic_user = req.api_key;
  r.headers.emplace_back("Accept", "application/json");
  auto res = http_.perform(std::move(r)).get();
  ++out.calls;
  out.status = res.status;
  answer a;
  if (res.status == 0) {
    out.error = "Lever unreachable: " + (res.error.empty() ? "transport error" : res.error);
    return a;
  }
  if (res.status < 200 || res.status >= 300) {
    json body = json::parse(res.body, nullptr, false);
    const std::string msg = text(body, "message");
    out.error =
        "Lever answered HTTP " + std::to_string(res.status) + (msg.empty() ? "" : ": " + msg);
    return a;
  }
  a.ok = true;
  a.body = std::move(res.body);
  return a;
}

bool catch_up_client::list(const catch_up_request& req, const std::string& query,
                           const std::string& stage, catch_up_result& out) {
  std::string offset;
  for (int page = 0; page < max_pages; ++page) {
    std::string pq = "/opportunities?" + query + "&limit=" + page_size;
    if (!offset.empty()) pq += "&offset=" + net::url_encode(offset);
    auto a = get(req, pq, out);
    if (!a.ok) return false;
    auto p = parse_opportunity_page(a.body, stage);
    if (!p.error.empty()) {
      out.error = p.error;
      return false;
    }
    for (auto& c : p.changes)
      if (c.at >= req.not_before) out.found.push_back(std::move(c));
    if (p.next.empty()) return true;
    offset = std::move(p.next);
  }
  out.error = "Lever's list did not end after " + std::to_string(max_pages) + " pages";
  return false;
}

catch_up_result catch_up_client::run(const catch_up_request& req) {
  auto out = collect(req);
  // A pass is all or nothing: half a pass must not move a cursor or look complete.
  if (!out.ok) out.found.clear();
  return out;
}

catch_up_result catch_up_client::collect(const catch_up_request& req) {
  catch_up_result out;
  const std::string since = std::to_string(req.since);
  for (const auto& stage : req.trigger_stage_ids) {
    if (!list(req, "stage_id=" + net::url_encode(stage) + "&advanced_at_start=" + since, stage,
              out))
      return out;
  }
  // Hires: the reasons of type hired, then what was archived with one of them.
  std::vector<std::string> reasons;
  std::string offset;
  for (int page = 0; page < max_pages; ++page) {
    auto a = get(req,
                 "/archive_reasons?type=hired" +
                     (offset.empty() ? std::string{} : "&offset=" + net::url_encode(offset)),
                 out);
    if (!a.ok) return out;
    std::string next, error;
    auto ids = parse_reason_ids(a.body, next, error);
    if (!error.empty()) {
      out.error = error;
      return out;
    }
    reasons.insert(reasons.end(), ids.begin(), ids.end());
    if (next.empty()) break;
    offset = std::move(next);
  }
  if (!reasons.empty()) {
    std::string query = "archived_at_start=" + since;
    for (const auto& r : reasons) query += "&archive_reason_id=" + net::url_encode(r);
    if (!list(req, query, {}, out)) return out;
  }
  out.ok = true;
  out.status = 200;
  out.error.clear();
  return out;
}

}  // namespace vouch::actors
