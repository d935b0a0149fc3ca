#include "tools/platform-sim/platform_routes.hpp"

#include <regex>

namespace vouch::platform_sim {

using sim::api_result;
using sim::make_result;

api_result platform_error(unsigned status, const std::string& code, const std::string& msg) {
  return make_result(status, {{"error", {{"code", code}, {"message", msg}}}});
}

reference_request* platform_data::find(const std::string& request_id) {
  auto it = by_id_.find(request_id);
  return it == by_id_.end() ? nullptr : &requests_[it->second];
}

reference_request& platform_data::upsert(const std::string& idem, const json& body, bool& created) {
  auto it = by_idem_.find(idem);
  if (it != by_idem_.end()) {
    created = false;
    return requests_[it->second];
  }
  created = true;
  reference_request r;
  r.request_id = "req-" + std::to_string(next_++);
  r.idempotency_key = idem;
  r.org = body.value("org", "");
  r.opportunity_id = body.value("opportunity_id", "");
  r.body = body;
  by_idem_[idem] = requests_.size();
  by_id_[r.request_id] = requests_.size();
  requests_.push_back(std::move(r));
  return requests_.back();
}

namespace {

bool non_empty_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && !it->get<std::string>().empty();
}

platform_outcome create_request(platform_data& data, const platform_call& c) {
  if (c.idempotency_key.empty()) {
    return {platform_error(400, "bad_request", "Idempotency-Key missing"), "", false};
  }
  const json& b = c.body;
  json cand =
      b.contains("candidate") && b["candidate"].is_object() ? b["candidate"] : json::object();
  if (!non_empty_string(b, "org"))
    return {platform_error(400, "bad_request", "org missing"), "", false};
  if (!non_empty_string(b, "opportunity_id")) {
    return {platform_error(400, "bad_request", "opportunity_id missing"), "", false};
  }
  if (!non_empty_string(cand, "email")) {
    return {platform_error(400, "bad_request", "candidate.email missing"), "", false};
  }
  bool created = false;
  const auto& r = data.upsert(c.idempotency_key, b, created);
  return {make_result(201, {{"request_id", r.request_id}}), r.request_id, created};
}

}  // namespace

platform_outcome route_platform(platform_data& data, const platform_call& c) {
  if (c.method != "POST") return {platform_error(405, "method", "POST only"), "", false};
  if (!c.body.is_object()) {
    return {platform_error(400, "bad_request", "body must be JSON object"), "", false};
  }
  if (c.path == "/v1/reference-requests") return create_request(data, c);
  static const std::regex action_rx("/v1/reference-requests/([^/]+)/(remind|expire)");
  std::smatch m;
  if (std::regex_match(c.path, m, action_rx)) {
    reference_request* r = data.find(m[1].str());
    if (!r) return {platform_error(404, "not_found", "unknown request"), "", false};
    if (m[2].str() == "remind") {
      ++r->reminders;
    } else {
      r->expired = true;
    }
    return {make_result(200, json::object()), r->request_id, false};
  }
  if (c.path == "/v1/hiring-status") {
    const json& b = c.body;
    std::string source =
        b.contains("source") && b["source"].is_string() ? b["source"].get<std::string>() : "";
    if (!b.contains("hired") || !b["hired"].is_boolean() ||
        (source != "lever_webhook" && source != "owner_email" && source != "platform")) {
      return {platform_error(400, "bad_request", "hired/source invalid"), "", false};
    }
    return {make_result(200, json::object()), "", false};
  }
  return {platform_error(404, "not_found", c.path), "", false};
}

}  // namespace vouch::platform_sim
