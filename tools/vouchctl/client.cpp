#include <chrono>

#include "net/http_server.hpp"  // url_encode
#include "tools/vouchctl/ctl.hpp"

namespace vouch::ctl {

api_error::api_error(long status, std::string error_code, std::string message)
    : failure(exit_daemon_error,
              "vouchd answered HTTP " + std::to_string(status) + " " + error_code + ": " + message),
      status_(status),
      error_code_(std::move(error_code)),
      message_(std::move(message)) {}

std::string seg(std::string_view s) {
  return net::url_encode(s);
}

admin_client::admin_client(const global_options& opts) : base_(opts.admin), token_(opts.token) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  if (base_.rfind("http://", 0) != 0 && base_.rfind("https://", 0) != 0)
    throw usage_error("--admin: expected an http:// or https:// URL, got \"" + opts.admin + "\"");
}

reply admin_client::call(const std::string& method, const std::string& path, const query& q,
                         const json* body, std::chrono::seconds timeout) {
  net::client_request req;
  req.method = method;
  req.url = base_ + path;
  char sep = '?';
  for (const auto& [k, v] : q) {
    req.url += sep + net::url_encode(k) + "=" + net::url_encode(v);
    sep = '&';
  }
  req.timeout = timeout;
  req.headers.emplace_back("Accept", "application/json");
  if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
  if (body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump();
  }
  net::client_response res = http_.perform(std::move(req)).get();
  if (res.status == 0)
    throw failure(exit_unreachable, "cannot reach vouchd at " + base_ + ": " +
                                        (res.error.empty() ? "no answer" : res.error));

  reply r;
  r.status = res.status;
  r.text = res.body;
  if (res.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    r.body = json::object();
  } else {
    r.body = json::parse(res.body, nullptr, false);
  }
  if (res.status < 200 || res.status >= 300) {
    std::string code = "http_" + std::to_string(res.status), message = res.body;
    if (!r.body.is_discarded() && r.body.is_object() && r.body.contains("error") &&
        r.body["error"].is_object()) {
      const json& e = r.body["error"];
      if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
      if (e.contains("message") && e["message"].is_string())
        message = e["message"].get<std::string>();
    }
    if (message.size() > 300) message = message.substr(0, 300) + "...";
    throw api_error(res.status, code, message);
  }
  if (r.body.is_discarded())
    throw failure(exit_daemon_error,
                  "vouchd answered " + method + " " + path + " with a body that is not JSON");
  return r;
}

json admin_client::get_all(const std::string& path, query q) {
  json items = json::array();
  std::string cursor;
  q.emplace_back("limit", "500");
  for (;;) {
    query page = q;
    if (!cursor.empty()) page.emplace_back("cursor", cursor);
    json body = get(path, page);
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array())
      throw failure(exit_daemon_error, "vouchd answered " + path + " without an items list");
    for (auto& item : body["items"]) items.push_back(std::move(item));
    const json next = body.value("next_cursor", json(nullptr));
    if (!next.is_string() || next.get<std::string>().empty()) break;
    if (next.get<std::string>() == cursor)
      throw failure(exit_daemon_error, "vouchd repeated the cursor of " + path);
    cursor = next.get<std::string>();
  }
  return {{"items", std::move(items)}, {"next_cursor", nullptr}};
}

}  // namespace vouch::ctl
