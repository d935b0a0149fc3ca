#include "tools/platform-sim/platform_sim.hpp"

#include <mutex>

#include "core/signatures.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "tools/lever-sim/sim_recorder.hpp"
#include "tools/lever-sim/sim_scheduler.hpp"
#include "tools/platform-sim/control_api.hpp"
#include "tools/platform-sim/event_sender.hpp"
#include "tools/platform-sim/platform_routes.hpp"
#include "tools/platform-sim/report_page.hpp"

namespace vouch::platform_sim {

using sim::api_result;
using sim::make_result;

struct server::impl {
  impl(options o, std::string k)
      : opts(std::move(o)), key(std::move(k)), events(client, key, opts.vouchd_url) {}

  void handle(net::http_request&& req, net::responder respond);
  void serve_api(net::http_request&& req, net::responder respond);
  api_result report(const std::vector<std::string>& segs);
  control_context context();
  void schedule_auto_complete(const std::string& request_id);

  options opts;
  std::string key;  // HMAC key from the whsec_ secret
  std::string self_url;
  std::mutex data_mu;  // guards data
  platform_data data;
  sim::recorder rec;
  // Destroyed in reverse order: server, client (its last callbacks still find `events`
  // and the stopped scheduler), scheduler, events. `events` only keeps a reference to
  // `client`, so it may be built first.
  event_sender events;
  sim::scheduler sched;
  net::http_client client;
  std::unique_ptr<net::http_server> http;
};

control_context server::impl::context() {
  return {data_mu, data, events, rec, self_url};
}

void server::impl::handle(net::http_request&& req, net::responder respond) {
  auto segs = sim::split_path(req.path);
  if (!segs.empty() && segs[0] == "_sim") {
    auto ctx = context();
    std::vector<std::string> rest(segs.begin() + 1, segs.end());
    handle_control(ctx, req.method, rest, sim::parse_query_map(req.query),
                   sim::parse_json_body(req.body),
                   [respond](const api_result& r) { respond(sim::to_http(r)); });
    return;
  }
  if (segs.size() == 2 && segs[0] == "reports" && req.method == "GET") {
    respond(sim::to_http(report(segs)));
    return;
  }
  serve_api(std::move(req), std::move(respond));
}

api_result server::impl::report(const std::vector<std::string>& segs) {
  std::lock_guard<std::mutex> lock(data_mu);
  const reference_request* r = data.find(segs[1]);
  api_result res;
  res.status = r ? 200 : 404;
  res.content_type = "text/html; charset=utf-8";
  res.raw_body = report_page_html(segs[1], r);
  return res;
}

void server::impl::schedule_auto_complete(const std::string& request_id) {
  sched.after(opts.auto_complete_after, [this, request_id] {
    auto ctx = context();
    complete_request(ctx, request_id, "", json::object(), [](const api_result&) {});
  });
}

// Every call goes through, in order: record, signature (401), then a fault or the route, with
// injected latency before (or after) the work.
void server::impl::serve_api(net::http_request&& req, net::responder respond) {
  auto call = std::make_shared<platform_call>();
  call->method = req.method;
  call->path = req.path;
  call->idempotency_key = req.header("idempotency-key");
  call->body = sim::parse_json_body(req.body);
  json headers = json::object();
  for (const auto& [k, v] : req.headers) headers[k] = v;
  bool sig_ok =
      core::platform_verify(key, req.header("webhook-id"), req.header("webhook-timestamp"),
                            req.header("webhook-signature"), req.body,
                            sim::now_s()) == core::platform_verdict::ok;
  uint64_t seq = rec.begin({{"t", sim::now_ms()},
                            {"method", call->method},
                            {"path", call->path},
                            {"query", sim::query_to_json(sim::parse_query_map(req.query))},
                            {"body", call->body},
                            {"headers", headers},
                            {"status", nullptr},
                            {"injected", false},
                            {"sig_ok", sig_ok}});
  auto answer = [this, seq, respond](const api_result& r, json patch) {
    patch["status"] = r.status;
    rec.finish(seq, patch);
    respond(sim::to_http(r));
  };
  if (!sig_ok) return answer(platform_error(401, "bad_signature", "bad signature"), json::object());
  auto fault = rec.pick_fault(call->method, call->path);
  auto delay = rec.pick_delay(call->method, call->path);
  auto wait = std::chrono::milliseconds(static_cast<int64_t>(delay.seconds * 1000));
  auto work = [this, call, fault, delay, wait, answer] {
    api_result r;
    json patch = json::object();
    if (fault) {
      r = fault->body.is_null() ? platform_error(fault->status, "injected",
                                                 "injected " + std::to_string(fault->status))
                                : make_result(fault->status, fault->body);
      if (fault->retry_after)
        r.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after));
      patch["injected"] = true;
    } else {
      platform_outcome out;
      {
        std::lock_guard<std::mutex> lock(data_mu);
        out = route_platform(data, *call);
      }
      r = std::move(out.result);
      if (!out.request_id.empty()) patch["request_id"] = out.request_id;
      if (out.created && opts.auto_complete_after.count() > 0) {
        schedule_auto_complete(out.request_id);
      }
    }
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

server::server(options opts) {
  // The key is checked in start(); an empty one makes every signature fail until then.
  std::string key, err;
  core::platform_key_from_secret(opts.secret, key, err);
  impl_ = std::make_unique<impl>(std::move(opts), std::move(key));
}

server::~server() {
  stop();
}

bool server::start(std::string& err) {
  std::string key;
  if (!core::platform_key_from_secret(impl_->opts.secret, key, err)) {
    err = "bad --secret: " + err;
    return false;
  }
  net::server_options so;
  so.host = impl_->opts.host;
  so.port = impl_->opts.port;
  so.threads = impl_->opts.threads;
  so.body_limit = 1024 * 1024;
  impl_->http = std::make_unique<net::http_server>(
      so, [this](net::http_request&& req, net::responder respond) {
        impl_->handle(std::move(req), std::move(respond));
      });
  if (!impl_->http->start(err)) return false;
  std::string host = impl_->opts.host == "0.0.0.0" ? "127.0.0.1" : impl_->opts.host;
  impl_->self_url = "http://" + host + ":" + std::to_string(impl_->http->port());
  return true;
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
  return impl_->self_url;
}

}  // namespace vouch::platform_sim
