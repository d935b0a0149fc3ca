#include "tools/platform-sim/control_api.hpp"

#include <utility>

namespace vouch::platform_sim {

using sim::api_result;
using sim::make_result;

namespace {

std::string str(const json& body, const char* key, const std::string& fallback = "") {
  if (!body.is_object()) return fallback;
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Posts the event and relays vouchd's answer to the control caller.
void send_and_reply(control_context& ctx, const json& event, reply_fn reply) {
  if (ctx.events.vouchd_url().empty()) {
    reply(platform_error(409, "no_vouchd_url",
                         "start platform-sim with --vouchd-url or POST /_sim/config"));
    return;
  }
  ctx.events.send(event, [event, reply = std::move(reply)](const event_result& r) {
    json out = {{"status", r.status}, {"body", r.body}, {"event", event}};
    if (r.status == 0) {
      out["error"] = r.error;
      reply(make_result(502, out));
      return;
    }
    reply(make_result(200, out));
  });
}

json requests_json(const platform_data& data) {
  json out = json::array();
  for (const auto& r : data.requests()) {
    out.push_back({{"request_id", r.request_id},
                   {"idempotency_key", r.idempotency_key},
                   {"org", r.org},
                   {"opportunity_id", r.opportunity_id},
                   {"body", r.body},
                   {"reminders", r.reminders},
                   {"expired", r.expired},
                   {"completed", r.completed}});
  }
  return out;
}

void hire_status(control_context& ctx, const json& b, reply_fn reply) {
  if (str(b, "org").empty() || str(b, "opportunity_id").empty() || !b.contains("hired") ||
      !b["hired"].is_boolean()) {
    return reply(platform_error(400, "bad_request", "org, opportunity_id and hired are required"));
  }
  json ev = event_sender::new_event("hire_status.changed", b["org"]);
  ev["opportunity_id"] = b["opportunity_id"];
  ev["hired"] = b["hired"];
  send_and_reply(ctx, ev, std::move(reply));
}

void prospect(control_context& ctx, const json& b, reply_fn reply) {
  if (str(b, "org").empty() || !b.contains("prospect") || !b["prospect"].is_object()) {
    return reply(platform_error(400, "bad_request", "org and prospect are required"));
  }
  json ev = event_sender::new_event("prospect.created", b["org"]);
  ev["prospect"] = b["prospect"];
  send_and_reply(ctx, ev, std::move(reply));
}

}  // namespace

void complete_request(control_context& ctx, const std::string& request_id,
                      const std::string& report_url, const json& overrides, reply_fn reply) {
  std::string org = str(overrides, "org"), opp = str(overrides, "opportunity_id");
  {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    reference_request* r = ctx.data.find(request_id);
    if (r) {
      if (org.empty()) org = r->org;
      if (opp.empty()) opp = r->opportunity_id;
      r->completed = true;
    } else if (org.empty() || opp.empty()) {
      // An unknown id is fine for tests of vouchd's handling, but then say where it goes.
      return reply(platform_error(
          404, "not_found",
          "unknown request " + request_id + " (pass org and opportunity_id to send it anyway)"));
    }
  }
  json ev = event_sender::new_event("report.completed", org);
  ev["opportunity_id"] = opp;
  ev["request_id"] = request_id;
  ev["report_url"] = report_url.empty() ? ctx.self_url + "/reports/" + request_id : report_url;
  send_and_reply(ctx, ev, std::move(reply));
}

void handle_control(control_context& ctx, const std::string& method,
                    const std::vector<std::string>& segs, const sim::query_map& query,
                    const json& body, reply_fn reply) {
  if (auto r = ctx.rec.handle_control(method, segs, query, body)) return reply(*r);
  const std::string what = segs.size() == 1 ? segs[0] : "";
  if (what == "requests" && method == "GET") {
    std::lock_guard<std::mutex> lock(ctx.data_mu);
    return reply(make_result(200, {{"requests", requests_json(ctx.data)}}));
  }
  if (what == "events" && method == "GET") {
    return reply(make_result(200, {{"events", ctx.events.log()}}));
  }
  if (what == "config" && method == "POST") {
    if (!body.is_object() || !body.contains("vouchd_url") || !body["vouchd_url"].is_string()) {
      return reply(platform_error(400, "bad_request", "vouchd_url is required"));
    }
    ctx.events.set_vouchd_url(body["vouchd_url"].get<std::string>());
    return reply(make_result(200, {{"vouchd_url", body["vouchd_url"]}}));
  }
  if (what == "complete" && method == "POST") {
    if (str(body, "request_id").empty()) {
      return reply(platform_error(400, "bad_request", "request_id is required"));
    }
    return complete_request(ctx, str(body, "request_id"), str(body, "report_url"), body,
                            std::move(reply));
  }
  if (what == "hire-status" && method == "POST") return hire_status(ctx, body, std::move(reply));
  if (what == "prospect" && method == "POST") return prospect(ctx, body, std::move(reply));
  reply(platform_error(404, "not_found", "no such control route"));
}

}  // namespace vouch::platform_sim
