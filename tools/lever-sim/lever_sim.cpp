#include "tools/lever-sim/lever_sim.hpp"

#include <chrono>
#include <mutex>
#include <optional>

#include "core/encoding.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "tools/lever-sim/control_api.hpp"
#include "tools/lever-sim/lever_routes.hpp"
#include "tools/lever-sim/sim_recorder.hpp"
#include "tools/lever-sim/sim_scheduler.hpp"
#include "tools/lever-sim/token_bucket.hpp"
#include "tools/lever-sim/webhook_sender.hpp"

namespace vouch::lever_sim {

using sim::api_result;
using sim::make_result;

struct server::impl {
  explicit impl(options o)
      : opts(std::move(o)), buckets(opts.rate_per_s, opts.burst), hooks(client, sched) {
    for (const auto& [key, conf] : opts.keys) data.add_key(key, conf);
  }

  void handle(net::http_request&& req, net::responder respond);
  void serve_api(net::http_request&& req, net::responder respond);
  /// The key from "Authorization: Basic base64(key:)", or "" when absent or malformed.
  static std::string basic_key(const std::string& header);

  options opts;
  std::mutex data_mu;  // guards data and buckets
  lever_data data;
  token_buckets buckets;
  sim::recorder rec;
  // Destroyed in reverse order: the server (no new requests), the client (its pending
  // callbacks still find `hooks` and the stopped scheduler alive), the scheduler, hooks.
  webhook_sender hooks;
  sim::scheduler sched;
  net::http_client client;
  std::unique_ptr<net::http_server> http;
};

std::string server::impl::basic_key(const std::string& header) {
  if (!sim::starts_with(header, "Basic ")) return "";
  std::string decoded;
  if (!core::base64_decode(header.substr(6), decoded)) return "";
  return decoded.substr(0, decoded.find(':'));
}

void server::impl::handle(net::http_request&& req, net::responder respond) {
  auto segs = sim::split_path(req.path);
  if (!segs.empty() && segs[0] == "_sim") {
    control_context ctx{data_mu, data, hooks, rec};
    std::vector<std::string> rest(segs.begin() + 1, segs.end());
    respond(sim::to_http(handle_control(ctx, req.method, rest, sim::parse_query_map(req.query),
                                        sim::parse_json_body(req.body))));
    return;
  }
  serve_api(std::move(req), std::move(respond));
}

// Every call goes through, in order: record, auth (401), rate limit (429), then a fault or
// the route, with injected latency before (or after) the work.
void server::impl::serve_api(net::http_request&& req, net::responder respond) {
  auto call = std::make_shared<api_call>();
  call->method = req.method;
  call->path = req.path;
  call->segs = sim::split_path(req.path);
  call->query = sim::parse_query_map(req.query);
  call->body = sim::parse_json_body(req.body);
  std::string key = basic_key(req.header("authorization"));
  uint64_t seq = rec.begin({{"t", sim::now_ms()},
                            {"method", call->method},
                            {"path", call->path},
                            {"query", sim::query_to_json(call->query)},
                            {"body", call->body},
                            {"key", key.empty() ? json(nullptr) : json(key)},
                            {"status", nullptr},
                            {"injected", false},
                            {"ratelimited", false}});
  auto answer = [this, seq, respond](const api_result& r, json patch) {
    patch["status"] = r.status;
    rec.finish(seq, patch);
    respond(sim::to_http(r));
  };
  {
    std::lock_guard<std::mutex> lock(data_mu);
    const api_key* k = key.empty() ? nullptr : data.find_key(key);
    if (!k) {
      return answer(make_result(401, {{"code", "Unauthorized"}, {"message", "invalid API key"}}),
                    json::object());
    }
    call->key = *k;
    if (opts.rate_limit && !buckets.take(key, std::chrono::steady_clock::now())) {
      // Lever documents no Retry-After on 429, so the sim sends none.
      return answer(make_result(429, {{"code", "TooManyRequests"}, {"message", "rate limit"}}),
                    {{"ratelimited", true}});
    }
  }
  auto fault = rec.pick_fault(call->method, call->path);
  auto delay = rec.pick_delay(call->method, call->path);
  auto wait = std::chrono::milliseconds(static_cast<int64_t>(delay.seconds * 1000));
  auto work = [this, call, fault, delay, wait, answer] {
    api_result r;
    json patch = json::object();
    std::vector<lever_event> events;
    if (fault) {
      r = make_result(
          fault->status,
          fault->body.is_null()
              ? json{{"code", "Injected"}, {"message", "injected " + std::to_string(fault->status)}}
              : fault->body);
      if (fault->retry_after)
        r.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after));
      patch["injected"] = true;
    } else {
      std::lock_guard<std::mutex> lock(data_mu);
      auto out = route_api(data, *call);
      r = std::move(out.result);
      events = std::move(out.events);
    }
    for (const auto& ev : events) hooks.emit(ev);
    if (delay.after && wait.count() > 0) {
      sched.after(wait, [answer, r, patch] { answer(r, patch); });
    } else {
      answer(r, patch);
    }
  };
  if (!delay.after && wait.count() > 0) {
    sched.after(wait, work);
  } else {
    work();
  }
}

server::server(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}

server::~server() {
  stop();
}

bool server::start(std::string& err) {
  net::server_options so;
  so.host = impl_->opts.host;
  so.port = impl_->opts.port;
  so.threads = impl_->opts.threads;
  so.body_limit = 1024 * 1024;
  impl_->http = std::make_unique<net::http_server>(
      so, [this](net::http_request&& req, net::responder respond) {
        impl_->handle(std::move(req), std::move(respond));
      });
  return impl_->http->start(err);
}

void server::stop() {
  // Scheduler first: dropping its delayed calls answers them 503 while the io threads
  // still run; then no new work can be scheduled.
  impl_->sched.stop();
  if (impl_->http) impl_->http->stop();
}

uint16_t server::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

std::string server::url() const {
  std::string host = impl_->opts.host == "0.0.0.0" ? "127.0.0.1" : impl_->opts.host;
  return "http://" + host + ":" + std::to_string(port());
}

std::string server::base_url() const {
  return url() + "/v1";
}

void server::add_key(const std::string& key, bool confidential) {
  std::lock_guard<std::mutex> lock(impl_->data_mu);
  impl_->data.add_key(key, confidential);
}

}  // namespace vouch::lever_sim
