#include "tools/platform-sim/event_sender.hpp"

#include <memory>
#include <utility>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/signatures.hpp"
#include "tools/lever-sim/sim_http.hpp"

namespace vouch::platform_sim {

using nlohmann::json;

event_sender::event_sender(net::http_client& client, std::string key, std::string vouchd_url)
    : client_(client), key_(std::move(key)), vouchd_url_(std::move(vouchd_url)) {}

void event_sender::set_vouchd_url(std::string url) {
  std::lock_guard<std::mutex> lock(mu_);
  vouchd_url_ = std::move(url);
}

std::string event_sender::vouchd_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  return vouchd_url_;
}

json event_sender::new_event(const std::string& type, const std::string& org) {
  return {{"id", "evt-" + core::hex_lower(core::random_bytes(8))},
          {"type", type},
          {"org", org},
          {"at", sim::now_ms()}};
}

void event_sender::send(const json& event, std::function<void(const event_result&)> done) {
  std::string base = vouchd_url();
  while (!base.empty() && base.back() == '/') base.pop_back();
  net::client_request req;
  req.method = "POST";
  req.url = base + "/platform/v1/events";
  req.body = event.dump();
  std::string id = event.value("id", "");
  int64_t ts = sim::now_s();
  req.headers = {{"Content-Type", "application/json"},
                 {"webhook-id", id},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", core::platform_signature(key_, id, ts, req.body)}};
  auto entry = std::make_shared<json>(json{{"event", event}, {"url", req.url}});
  client_.perform_async(std::move(req),
                        [this, entry, done = std::move(done)](net::client_response res) {
                          event_result r;
                          r.status = res.status;
                          r.error = res.error;
                          json parsed = sim::parse_json_body(res.body);
                          r.body = parsed.is_null() && !res.body.empty() ? json(res.body) : parsed;
                          (*entry)["status"] = r.status;
                          (*entry)["error"] = r.error;
                          (*entry)["body"] = r.body;
                          {
                            std::lock_guard<std::mutex> lock(mu_);
                            log_.push_back(*entry);
                          }
                          if (done) done(r);
                        });
}

json event_sender::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

}  // namespace vouch::platform_sim
