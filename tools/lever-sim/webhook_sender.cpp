#include "tools/lever-sim/webhook_sender.hpp"

#include <utility>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/signatures.hpp"
#include "tools/lever-sim/sim_http.hpp"

namespace vouch::lever_sim {

using nlohmann::json;

webhook_sender::webhook_sender(net::http_client& client, sim::scheduler& sched)
    : client_(client), sched_(sched) {}

void webhook_sender::configure(webhook_config cfg) {
  std::lock_guard<std::mutex> lock(mu_);
  cfg_ = std::move(cfg);
}

webhook_config webhook_sender::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cfg_;
}

json webhook_sender::envelope(const std::string& event, const json& data,
                              const std::string& signature_token, int64_t triggered_at) {
  std::string token = core::hex_lower(core::random_bytes(24));  // 48 hex chars
  return {{"triggeredAt", triggered_at},
          {"event", event},
          {"token", token},
          {"signature", core::lever_signature(signature_token, token, triggered_at)},
          {"data", data}};
}

const char* to_string(emit_outcome o) {
  switch (o) {
    case emit_outcome::queued:
      return "queued";
    case emit_outcome::dropped:
      return "dropped";
    case emit_outcome::not_configured:
      break;
  }
  return "not_configured";
}

void webhook_sender::set_drop(std::optional<drop_rule> rule) {
  std::lock_guard<std::mutex> lock(mu_);
  drop_ = std::move(rule);
}

std::optional<drop_rule> webhook_sender::drop() const {
  std::lock_guard<std::mutex> lock(mu_);
  return drop_;
}

bool webhook_sender::take_drop(const std::string& event) {
  if (!drop_ || (!drop_->event.empty() && drop_->event != event)) return false;
  if (drop_->count && --*drop_->count <= 0) drop_.reset();
  return true;
}

emit_outcome webhook_sender::emit(const lever_event& ev) {
  webhook_config cfg = config();
  std::string url, token;
  if (ev.event == "candidateStageChange") {
    if (ev.from_api && !cfg.api_stage_changes) return emit_outcome::not_configured;
    url = cfg.stage_change_url;
    token = cfg.stage_token;
  } else if (ev.event == "candidateHired") {
    url = cfg.hired_url;
    token = cfg.hired_token;
  }
  if (url.empty()) return emit_outcome::not_configured;
  auto d = std::make_shared<delivery>();
  d->event = ev.event;
  d->url = url;
  // Retries resend the same body: same token and triggeredAt, so a receiver can dedupe.
  d->body = envelope(ev.event, ev.data, token, sim::now_ms()).dump();
  {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(d);
    // Only webhooks that would go out count against the rule; a dropped one stays in the
    // log so a test can see what was lost.
    if (take_drop(ev.event)) {
      d->state = "dropped";
      return emit_outcome::dropped;
    }
  }
  attempt(std::move(d));
  return emit_outcome::queued;
}

void webhook_sender::attempt(std::shared_ptr<delivery> d) {
  net::client_request req;
  req.method = "POST";
  req.url = d->url;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "Lever-Webhooks"}};
  req.body = d->body;
  req.timeout = std::chrono::milliseconds(5000);
  client_.perform_async(std::move(req), [this, d](net::client_response res) { on_answer(d, res); });
}

void webhook_sender::on_answer(std::shared_ptr<delivery> d, const net::client_response& res) {
  bool ok = res.status >= 200 && res.status < 300;
  std::size_t retries_done = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    d->attempts.push_back({{"status", res.status}, {"error", res.error}, {"at", sim::now_ms()}});
    retries_done = d->attempts.size() - 1;
    if (ok) {
      d->state = "delivered";
    } else if (retries_done >= std::size(retry_gaps)) {
      d->state = "failed";
    }
  }
  if (ok || retries_done >= std::size(retry_gaps)) return;
  // On shutdown the scheduler ignores this, so no retry outlives the sim.
  sched_.after(retry_gaps[retries_done], [this, d] { attempt(d); });
}

json webhook_sender::deliveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  json out = json::array();
  for (const auto& d : log_) {
    out.push_back({{"event", d->event},
                   {"url", d->url},
                   {"body", sim::parse_json_body(d->body)},
                   {"attempts", d->attempts},
                   {"state", d->state},
                   {"dropped", d->state == "dropped"}});
  }
  return out;
}

void webhook_sender::clear_deliveries() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

}  // namespace vouch::lever_sim
