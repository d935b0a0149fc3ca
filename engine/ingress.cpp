#include "engine/ingress.hpp"

#include <simdjson.h>

#include <spdlog/spdlog.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "actors/prospects.hpp"
#include "actors/wall_clock.hpp"
#include "core/crypto.hpp"
#include "core/hire_token.hpp"
#include "core/ids.hpp"
#include "core/signatures.hpp"
#include "engine/hire_pages.hpp"
#include "storage/repository.hpp"

namespace vouch::engine {

using actors::candidate_input;
using actors::delivery_outcome;
using nlohmann::json;

namespace {

using actors::now_ms;

std::atomic<int> pending_deliveries{0};

/// Counts one write path's request as in flight until its answer is sent (the last copy of
/// the guard goes), so the SIGTERM drain waits for every kind: Lever and platform events,
/// prospect intake and owner answers.
std::shared_ptr<void> in_flight_guard() {
  ++pending_deliveries;
  return std::shared_ptr<void>(nullptr, [](void*) { --pending_deliveries; });
}

net::http_response json_response(unsigned status, const json& body) {
  net::http_response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

net::http_response accepted(const char* flag = nullptr) {
  json b = {{"accepted", true}};
  if (flag) b[flag] = true;
  return json_response(200, b);
}

/// One parser per io thread: simdjson parsers reuse their buffers between documents.
simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p;
  return p;
}

/// Parses a request body that must be one JSON object; the body's capacity already holds
/// simdjson's padding (net::http_request guarantees it), so nothing is copied.
bool parse_object(const std::string& body, simdjson::dom::object& obj, std::string& error) {
  simdjson::dom::element doc;
  bool realloc = body.capacity() - body.size() < simdjson::SIMDJSON_PADDING;
  if (auto err = parser().parse(body.data(), body.size(), realloc).get(doc)) {
    error = std::string("body is not JSON: ") + simdjson::error_message(err);
    return false;
  }
  if (doc.get_object().get(obj)) {
    error = "body must be a JSON object";
    return false;
  }
  return true;
}

/// Logs a refused delivery (msg=webhook_refused: source, org, status, code, reason, the
/// delivery id when known; never a secret or a signature) at most 20 lines a second: a
/// flood of forged requests must not fill the disk. What was left out is counted on the
/// next line that goes out (suppressed=N).
void log_refusal(const std::string& source, const std::string& org, unsigned status,
                 const char* code, const std::string& reason, std::string_view delivery) {
  static std::mutex mu;
  static int64_t window = 0;
  static int in_window = 0;
  static uint64_t suppressed = 0;
  uint64_t dropped = 0;
  {
    std::lock_guard<std::mutex> g(mu);
    const int64_t second = now_ms() / 1000;
    if (second != window) {
      window = second;
      in_window = 0;
    }
    if (++in_window > 20) {
      ++suppressed;
      return;
    }
    dropped = std::exchange(suppressed, 0);
  }
  // Ids from outside are shown only when they are plain ids (no log injection).
  const bool plain = !delivery.empty() && !core::external_id_problem(delivery);
  spdlog::warn(
      "msg=webhook_refused source={} org={:?} status={} code={} reason={:?} delivery={:?} "
      "suppressed={}",
      source, org, status, code, reason, plain ? std::string(delivery) : std::string(), dropped);
}

const std::vector<double> ack_seconds_bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                0.1,   0.25,   0.5,   1,    2.5,   5};

constexpr int64_t max_delivery_age_ms = 14LL * 24 * 3600 * 1000;
constexpr int64_t max_delivery_skew_ms = 5LL * 60 * 1000;

std::string dedupe_hash(const std::string& key) {
  return core::hmac_sha256("vouch-dedupe", key);
}

/// Hands the input to its candidate and answers from the outcome.
void deliver(actors::engine_context& ctx, candidate_input in, reply_fn respond,
             const std::string& source, bool unknown_is_ignored) {
  ++pending_deliveries;
  auto* stats = &ctx.stats;
  in.done = [respond, stats, source, unknown_is_ignored](delivery_outcome o) {
    --pending_deliveries;
    const char* outcome = "accepted";
    net::http_response res;
    switch (o) {
      case delivery_outcome::accepted:
        res = accepted();
        break;
      case delivery_outcome::duplicate:
        res = accepted("duplicate");
        outcome = "duplicate";
        break;
      case delivery_outcome::ignored:
        res = accepted("ignored");
        outcome = "ignored";
        break;
      case delivery_outcome::unknown:
        res = unknown_is_ignored ? accepted("ignored")
                                 : error_response(404, "not_found", "no such candidate");
        outcome = "ignored";
        break;
      case delivery_outcome::unavailable:
        res = error_response(503, "unavailable", "storage is unavailable; retry later");
        res.headers.push_back({"Retry-After", "5"});
        outcome = "unavailable";
        break;
      case delivery_outcome::forged:
        // Lever signs only token + triggeredAt: a captured signature must not carry other data.
        res = error_response(401, "bad_signature",
                             "this delivery (token, triggeredAt) was seen before with other data");
        outcome = "bad_signature";
        break;
    }
    stats->inc("vouch_webhooks_total", "source=\"" + source + "\",outcome=\"" + outcome + "\"");
    respond(std::move(res));
  };
  ctx.port->deliver(std::move(in));
}

bool split_path(const std::string& path, std::vector<std::string>& parts) {
  parts.clear();
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    parts.push_back(net::url_decode(path.substr(i, j - i)));
    i = j;
  }
  return true;
}

}  // namespace

net::http_response error_response(unsigned status, const std::string& code,
                                  const std::string& message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

int ingress::in_flight() const {
  return pending_deliveries.load();
}

void ingress::handle(net::http_request&& req, net::responder respond) {
  std::vector<std::string> parts;
  split_path(req.path, parts);
  std::string route = "other";
  auto reply = [&](net::http_response res) {
    ctx_.stats.inc("vouch_http_requests_total",
                   "route=\"" + route + "\",status=\"" + std::to_string(res.status) + "\"");
    respond(std::move(res));
  };

  const bool get_or_head = req.method == "GET" || req.method == "HEAD";
  if (get_or_head && req.path == "/healthz") {
    route = "healthz";
    if (ctx_.draining) return reply(json_response(503, {{"ok", false}, {"draining", true}}));
    return reply(json_response(200, {{"ok", true}}));
  }
  if (get_or_head && req.path == "/readyz") {
    route = "readyz";
    if (!ctx_.ready || ctx_.draining) return reply(json_response(503, {{"ready", false}}));
    return reply(json_response(200, {{"ready", true}}));
  }
  if (parts.size() == 2 && parts[0] == "hire-confirmation") {
    route = "hire_confirmation";
    auto* stats = &ctx_.stats;
    reply_fn counted = [stats, respond](net::http_response res) {
      stats->inc("vouch_http_requests_total",
                 "route=\"hire_confirmation\",status=\"" + std::to_string(res.status) + "\"");
      respond(std::move(res));
    };
    return hire_confirmation(std::move(req), std::move(counted), parts[1]);
  }
  bool lever = parts.size() == 4 && parts[0] == "webhooks" && parts[1] == "lever" &&
               (parts[3] == "stage-change" || parts[3] == "hired");
  bool platform =
      parts.size() == 3 && parts[0] == "platform" && parts[1] == "v1" && parts[2] == "events";
  if (!lever && !platform) return reply(error_response(404, "not_found", "no such route"));
  route = lever ? (parts[3] == "hired" ? "lever_hired" : "lever_stage_change") : "platform_events";
  if (req.method != "POST") return reply(error_response(405, "method_not_allowed", "use POST"));
  if (ctx_.draining) {
    auto res = error_response(503, "unavailable", "vouchd is shutting down");
    res.headers.push_back({"Retry-After", "5"});
    return reply(std::move(res));
  }
  // Count the final answer whichever path gives it.
  // The ack latency runs from here (body read, route known) to the answer, the durable
  // commit included.
  auto* stats = &ctx_.stats;
  const auto arrived = std::chrono::steady_clock::now();
  reply_fn counted = [stats, route, respond, arrived](net::http_response res) {
    stats->inc("vouch_http_requests_total",
               "route=\"" + route + "\",status=\"" + std::to_string(res.status) + "\"");
    stats->observe(
        "vouch_webhook_ack_seconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count(),
        ack_seconds_bounds);
    respond(std::move(res));
  };
  if (lever)
    lever_webhook(std::move(req), std::move(counted), parts[2], parts[3] == "hired");
  else
    platform_event(std::move(req), std::move(counted));
}

void ingress::lever_webhook(net::http_request&& req, reply_fn respond, const std::string& org_id,
                            bool hired_path) {
  const std::string source = hired_path ? "lever_hired" : "lever_stage_change";
  const auto kind = hired_path ? actors::webhook_kind::hired : actors::webhook_kind::stage_change;
  std::string_view delivery;  // Lever's token, once read: the delivery's id in the logs
  auto fail = [&](unsigned status, const char* code, const std::string& msg) {
    ctx_.stats.inc("vouch_webhooks_total", "source=\"" + source + "\",outcome=\"" + code + "\"");
    log_refusal(source, org_id, status, code, msg, delivery);
    // A wrong signature token pasted into the connection shows in the org's health.
    if (status == 401 && ctx_.orgs->find(org_id))
      ctx_.health.webhook(org_id, kind, false, now_ms());
    respond(error_response(status, code, msg));
  };
  auto org = ctx_.orgs->find(org_id);
  if (!org) return fail(404, "unknown_org", "no org " + org_id);
  // Per org only once the org is known: a path an attacker makes up adds no series.
  respond = [stats = &ctx_.stats, org_id, hired_path,
             inner = std::move(respond)](net::http_response res) {
    const char* outcome = res.status < 300    ? "accepted"
                          : res.status == 503 ? "unavailable"
                                              : "refused";
    stats->inc("vouch_org_webhooks_total", "org=\"" + org_id + "\",kind=\"" +
                                               (hired_path ? "hired" : "stage_change") +
                                               "\",outcome=\"" + outcome + "\"");
    inner(std::move(res));
  };
  const std::string& sig_token = hired_path ? org->hired_token : org->stage_token;
  if (!org->rec.connected || sig_token.empty())
    return fail(409, "not_connected",
                "org " + org_id + " has no Lever connection with a " +
                    (hired_path ? "hired" : "stage change") + " signature token");

  simdjson::dom::object obj;
  std::string parse_error;
  if (!parse_object(req.body, obj, parse_error)) return fail(400, "bad_request", parse_error);
  int64_t triggered_at = 0;
  std::string_view event, token, signature;
  if (obj["triggeredAt"].get_int64().get(triggered_at))
    return fail(400, "bad_request", "triggeredAt: expected an integer (ms since the epoch)");
  if (obj["event"].get_string().get(event))
    return fail(400, "bad_request", "event: expected a string");
  if (obj["token"].get_string().get(token))
    return fail(400, "bad_request", "token: expected a string");
  delivery = token;
  if (obj["signature"].get_string().get(signature))
    return fail(401, "bad_signature", "signature: missing");
  if (!core::lever_signature_valid(sig_token, token, triggered_at, signature))
    return fail(401, "bad_signature", "signature does not match");
  // A signature never expires, so a captured delivery is only good within this window.
  const int64_t now = now_ms();
  if (triggered_at < now - max_delivery_age_ms)
    return fail(401, "bad_signature", "triggeredAt is more than 14 days old");
  if (triggered_at > now + max_delivery_skew_ms)
    return fail(401, "bad_signature", "triggeredAt is more than 5 minutes in the future");
  ctx_.health.webhook(org_id, kind, true, now_ms());

  simdjson::dom::object data;
  auto data_el = obj["data"];
  if (data_el.error() == simdjson::NO_SUCH_FIELD ||
      (data_el.get_object().get(data) == simdjson::SUCCESS && data.size() == 0)) {
    ctx_.stats.inc("vouch_webhooks_total", "source=\"" + source + "\",outcome=\"ping\"");
    return respond(accepted("ping"));
  }
  if (data_el.get_object().get(data)) return fail(400, "bad_request", "data: expected an object");

  candidate_input in;
  const bool stage_change = event == "candidateStageChange";
  if (!stage_change && event != "candidateHired") {
    ctx_.stats.inc("vouch_webhooks_total", "source=\"" + source + "\",outcome=\"ignored\"");
    return respond(accepted("ignored"));
  }
  std::string_view opp;
  if (data["opportunityId"].get_string().get(opp))
    return fail(400, "bad_request", "data.opportunityId: expected a string");
  if (const char* why = core::external_id_problem(opp))
    return fail(400, "bad_request", std::string("data.opportunityId: ") + why);
  if (stage_change) {
    std::string_view to, from;
    if (data["toStageId"].get_string().get(to))
      return fail(400, "bad_request", "data.toStageId: expected a string");
    if (data["fromStageId"].get_string().get(from)) from = {};
    core::events::stage_change change;
    change.to_stage = std::string(to);
    change.from_stage = std::string(from);
    change.triggered_at = triggered_at;
    in.event = core::machine_event(now_ms(), std::move(change));
  } else {
    in.event = core::machine_event(now_ms(), core::events::hired_webhook{});
  }
  in.org = org_id;
  in.opp = std::string(opp);
  in.create_if_missing = true;
  // The delivery's identity is what Lever signs (token, triggeredAt) on this webhook of this
  // org; its data is remembered by digest, so a replay with other data is refused.
  in.dedupe_key = dedupe_hash("lever|" + org_id + "|" + (hired_path ? "hired" : "stage_change") +
                              "|" + std::string(token) + "|" + std::to_string(triggered_at));
  in.delivery_digest = core::hmac_sha256("vouch-delivery-data", simdjson::minify(data_el));
  // Lever's token names the delivery in our logs (only when it is a plain id).
  if (!core::external_id_problem(token)) in.delivery_id = std::string(token);
  deliver(ctx_, std::move(in), std::move(respond), source, false);
}

void ingress::platform_event(net::http_request&& req, reply_fn respond) {
  const std::string source = "platform";
  auto fail = [&](unsigned status, const char* code, const std::string& msg) {
    ctx_.stats.inc("vouch_webhooks_total",
                   "source=\"platform\",outcome=\"" + std::string(code) + "\"");
    log_refusal(source, "", status, code, msg, req.header("webhook-id"));
    respond(error_response(status, code, msg));
  };
  simdjson::dom::object obj;
  std::string parse_error;
  if (!parse_object(req.body, obj, parse_error)) return fail(400, "bad_request", parse_error);

  std::string key, key_err;
  if (!core::platform_key_from_secret(ctx_.cfg.platform.secret, key, key_err))
    return fail(401, "bad_signature", "no platform secret is configured");
  auto verdict =
      core::platform_verify(key, req.header("webhook-id"), req.header("webhook-timestamp"),
                            req.header("webhook-signature"), req.body, now_ms() / 1000);
  if (verdict != core::platform_verdict::ok)
    return fail(401, "bad_signature", core::to_string(verdict));

  std::string_view org_id, type, opp;
  if (obj["org"].get_string().get(org_id))
    return fail(400, "bad_request", "org: expected a string");
  if (obj["type"].get_string().get(type))
    return fail(400, "bad_request", "type: expected a string");
  auto org = ctx_.orgs->find(std::string(org_id));
  if (!org) return fail(404, "unknown_org", "no org " + std::string(org_id));
  // The event's id (its webhook-id) keys its dedupe entry: the same rules as every id.
  if (const char* why = core::external_id_problem(req.header("webhook-id")))
    return fail(400, "bad_request", std::string("webhook-id: ") + why);

  candidate_input in;
  if (type == "report.completed") {
    std::string_view rid, url;
    if (obj["opportunity_id"].get_string().get(opp))
      return fail(400, "bad_request", "opportunity_id: expected a string");
    if (const char* why = core::external_id_problem(opp))
      return fail(400, "bad_request", std::string("opportunity_id: ") + why);
    if (obj["request_id"].get_string().get(rid))
      return fail(400, "bad_request", "request_id: expected a string");
    if (const char* why = core::external_id_problem(rid))
      return fail(400, "bad_request", std::string("request_id: ") + why);
    if (obj["report_url"].get_string().get(url))
      return fail(400, "bad_request", "report_url: expected a string");
    in.event = core::machine_event(
        now_ms(), core::events::report_completed{std::string(rid), std::string(url)});
  } else if (type == "hire_status.changed") {
    bool hired = false;
    if (obj["opportunity_id"].get_string().get(opp))
      return fail(400, "bad_request", "opportunity_id: expected a string");
    if (const char* why = core::external_id_problem(opp))
      return fail(400, "bad_request", std::string("opportunity_id: ") + why);
    if (obj["hired"].get_bool().get(hired))
      return fail(400, "bad_request", "hired: expected a boolean");
    in.event = core::machine_event(now_ms(), core::events::hire_status_changed{hired});
  } else if (type == "prospect.created") {
    return prospect_created(obj, *org, req.header("webhook-id"), std::move(respond));
  } else {
    ctx_.stats.inc("vouch_webhooks_total", "source=\"platform\",outcome=\"ignored\"");
    return respond(accepted("ignored"));
  }
  in.org = std::string(org_id);
  in.opp = std::string(opp);
  in.create_if_missing = false;
  in.dedupe_key = dedupe_hash("platform|" + in.org + "|" + req.header("webhook-id"));
  in.delivery_id = req.header("webhook-id");  // checked above: a plain id
  deliver(ctx_, std::move(in), std::move(respond), source, true);
}

}  // namespace vouch::engine

namespace vouch::engine {

namespace {
net::http_response html(unsigned status, std::string body) {
  net::http_response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.headers.push_back({"Cache-Control", "no-store"});
  r.body = std::move(body);
  return r;
}

std::string form_or_query_answer(const std::string& text) {
  for (auto& [k, v] : net::parse_query(text))
    if (k == "answer") return v;
  return {};
}
}  // namespace

void ingress::prospect_created(const simdjson::dom::object& obj, const actors::org_view& org,
                               const std::string& msg_id, reply_fn respond) {
  auto fail = [&](const std::string& msg) {
    ctx_.stats.inc("vouch_webhooks_total", "source=\"platform\",outcome=\"bad_request\"");
    log_refusal("platform", org.rec.id, 400, "bad_request", msg, msg_id);
    respond(error_response(400, "bad_request", msg));
  };
  simdjson::dom::object p;
  if (obj["prospect"].get_object().get(p)) return fail("prospect: expected an object");
  core::prospect_record rec;
  rec.org = org.rec.id;
  std::string_view sv;
  if (p["id"].get_string().get(sv)) return fail("prospect.id: expected a string");
  if (const char* why = core::external_id_problem(sv))
    return fail(std::string("prospect.id: ") + why);
  rec.id = std::string(sv);
  if (p["name"].get_string().get(sv)) return fail("prospect.name: expected a string");
  rec.name = std::string(sv);
  auto headline = p["headline"];
  if (headline.error() != simdjson::NO_SUCH_FIELD && !headline.is_null()) {
    if (headline.get_string().get(sv)) return fail("prospect.headline: expected a string");
    rec.headline = std::string(sv);
  }
  for (const char* field : {"emails", "phones"}) {
    auto el = p[field];
    if (el.error() == simdjson::NO_SUCH_FIELD) continue;
    simdjson::dom::array arr;
    if (el.get_array().get(arr))
      return fail(std::string("prospect.") + field + ": expected an array of strings");
    for (auto item : arr) {
      if (item.get_string().get(sv))
        return fail(std::string("prospect.") + field + ": expected an array of strings");
      (std::string(field) == "emails" ? rec.emails : rec.phones).emplace_back(sv);
    }
  }
  // The prospect owner checks the delivery key, applies the prospect machine and commits;
  // the answer comes after the commit.
  actors::prospect_intake in;
  in.org = rec.org;
  in.dedupe_key = dedupe_hash("platform|" + rec.org + "|" + msg_id);
  in.record = std::move(rec);
  auto* stats = &ctx_.stats;
  in.done = [respond, stats, held = in_flight_guard()](delivery_outcome o) {
    const char* outcome = o == delivery_outcome::accepted    ? "accepted"
                          : o == delivery_outcome::duplicate ? "duplicate"
                                                             : "unavailable";
    stats->inc("vouch_webhooks_total",
               std::string("source=\"platform\",outcome=\"") + outcome + "\"");
    if (o == delivery_outcome::accepted) return respond(accepted());
    if (o == delivery_outcome::duplicate) return respond(accepted("duplicate"));
    auto res = error_response(503, "unavailable", "storage is unavailable; retry later");
    res.headers.push_back({"Retry-After", "5"});
    respond(std::move(res));
  };
  ctx_.port->intake_prospect(std::move(in));
}

void ingress::hire_confirmation(net::http_request&& req, reply_fn respond,
                                const std::string& token) {
  if (req.method != "GET" && req.method != "POST")
    return respond(html(405, problem_page("Not allowed", "Use the link from the email.")));
  core::hire_token_claims claims;
  auto verdict =
      core::check_hire_token(core::hire_token_key(ctx_.master_key), token, now_ms(), claims);
  if (verdict == core::hire_token_verdict::tampered)
    return respond(html(400, problem_page("Invalid link",
                                          "This link is not valid. Please use the link from "
                                          "the email exactly as it was sent.")));
  if (verdict == core::hire_token_verdict::expired)
    return respond(html(410, problem_page("Link expired",
                                          "This link has expired. Please record the decision "
                                          "in Lever instead.")));
  auto loaded = storage::read_candidate(*ctx_.db, claims.org, claims.opp);
  if (loaded.status == storage::read_status::failed) {
    auto res = html(503, problem_page("Try again later",
                                      "The answer cannot be recorded right now. Please try "
                                      "again in a few minutes."));
    res.headers.push_back({"Retry-After", "30"});
    return respond(std::move(res));
  }
  if (loaded.status == storage::read_status::not_found)
    return respond(html(404, problem_page("Unknown candidate", "This candidate is not known.")));
  const core::candidate_record* rec = &loaded.rec;
  bool pending = rec->state == core::cand_state::awaiting_owner_response ||
                 rec->state == core::cand_state::awaiting_hire_decision;
  if (req.method == "GET") {
    if (!pending) return respond(html(200, state_page(*rec, "The decision is already recorded.")));
    return respond(html(200, confirm_page(*rec, form_or_query_answer(req.query))));
  }
  auto answer = form_or_query_answer(req.body);
  if (answer != "hired" && answer != "not_hired")
    return respond(html(400, problem_page("Missing answer", "answer must be hired or not_hired.")));
  if (!pending)
    return respond(html(200, state_page(*rec,
                                        "The decision was already recorded; this answer "
                                        "changed nothing.")));
  candidate_input in;
  in.org = claims.org;
  in.opp = claims.opp;
  in.create_if_missing = false;
  in.event = core::machine_event(now_ms(), core::events::owner_answer{answer == "hired"});
  auto* db = ctx_.db.get();
  in.done = [respond, db, claims, held = in_flight_guard()](delivery_outcome o) {
    auto now = storage::load_candidate(*db, claims.org, claims.opp);
    if (o == delivery_outcome::unavailable || !now)
      return respond(html(503, problem_page("Try again",
                                            "The answer could not be stored now; "
                                            "please try again in a minute.")));
    respond(html(200, state_page(*now, o == delivery_outcome::accepted
                                           ? "Thank you: your answer is recorded."
                                           : "The decision was already recorded; this answer "
                                             "changed nothing.")));
  };
  ctx_.port->deliver(std::move(in));
}

}  // namespace vouch::engine
