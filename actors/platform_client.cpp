#include "actors/platform_client.hpp"

#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "core/retry.hpp"
#include "core/signatures.hpp"
#include "net/http_server.hpp"

namespace vouch::actors {

using core::command_kind;
using nlohmann::json;

call_outcome platform_client::run(const core::command& cmd) {
  call_outcome out;
  json payload = json::parse(cmd.payload, nullptr, false);
  std::string path, body = cmd.payload;
  switch (cmd.kind) {
    case command_kind::platform_create_request:
      path = "/v1/reference-requests";
      break;
    case command_kind::platform_remind:
    case command_kind::platform_expire:
      path = "/v1/reference-requests/" +
             net::url_encode(payload.value("request_id", std::string{})) +
             (cmd.kind == command_kind::platform_remind ? "/remind" : "/expire");
      body = "{}";
      break;
    case command_kind::platform_hiring_status:
      path = "/v1/hiring-status";
      break;
    default:
      out.status = 400;
      out.error = std::string("not a platform command: ") + core::to_string(cmd.kind);
      return out;
  }
  auto now = std::chrono::system_clock::now();
  int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  net::client_request req;
  req.method = "POST";
  req.url = base_url_ + path;
  req.timeout = timeout_;
  req.body = body;
  req.headers = {{"Content-Type", "application/json"},
                 {"Idempotency-Key", cmd.idem_key},
                 {"webhook-id", cmd.idem_key},
                 {"webhook-timestamp", std::to_string(ts)},
                 {"webhook-signature", core::platform_signature(key_, cmd.idem_key, ts, body)}};
  auto res = http_.perform(std::move(req)).get();
  out.status = res.status;
  if (res.status < 200 || res.status >= 300) {
    out.error =
        "POST " + path + ": " +
        (res.status == 0 ? res.error
                         : "HTTP " + std::to_string(res.status) + " " + res.body.substr(0, 200));
    auto it = res.headers.find("retry-after");
    if (it != res.headers.end())
      out.retry_after = core::parse_retry_after(
          it->second,
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    return out;
  }
  if (cmd.kind == command_kind::platform_create_request) {
    json r = json::parse(res.body, nullptr, false);
    if (!r.is_object() || !r.contains("request_id") || !r["request_id"].is_string()) {
      out.status = 0;  // a 2xx without the id: treat as a retryable fault of the platform
      out.error = "POST " + path + ": answer has no request_id";
      return out;
    }
    out.created_request_id = r["request_id"].get<std::string>();
    // It goes into URLs (remind, expire) and records: the same rules as any id from outside.
    if (const char* why = core::external_id_problem(out.created_request_id)) {
      out.status = 502;
      out.error = "POST " + path + ": the platform answered an unusable request_id: " + why;
      out.created_request_id.clear();
      return out;
    }
  }
  out.ok = true;
  return out;
}

}  // namespace vouch::actors
