// vouchctl's shared pieces: global options, the ways a command can fail (each with its
// exit code, docs/reference.md#vouchctl) and the admin API client.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"

namespace vouch::ctl {

using json = nlohmann::json;

/// Exit codes of vouchctl.
enum exit_code : int {
  exit_ok = 0,
  exit_daemon_error = 1,  ///< the daemon answered an error (or a result that is a failure)
  exit_usage = 2,         ///< bad arguments, unreadable input file
  exit_unreachable = 3,   ///< no answer from the daemon at all
};

struct global_options {
  std::string admin = "http://127.0.0.1:8081";
  std::string token;
  bool json = false;
};

/// A command failed; main() prints `what()` on stderr and exits with `code`.
class failure : public std::runtime_error {
 public:
  failure(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

inline failure usage_error(const std::string& message) {
  return failure(exit_usage, message);
}

/// The daemon answered a non-2xx status: {"error": {"code", "message"}}.
class api_error : public failure {
 public:
  api_error(long status, std::string error_code, std::string message);
  long status() const { return status_; }
  const std::string& error_code() const { return error_code_; }
  const std::string& message() const { return message_; }

 private:
  long status_;
  std::string error_code_, message_;
};

struct reply {
  long status = 0;
  json body;         ///< the parsed answer; an empty object when the body was empty
  std::string text;  ///< the answer as sent (for /metrics, which is not JSON)
};

/// One query parameter; values are percent-encoded when the URL is built.
using query = std::vector<std::pair<std::string, std::string>>;

/// Calls the admin API. Every call carries `Authorization: Bearer <token>` (when a token is
/// set). Transport failures throw failure(exit_unreachable), non-2xx answers api_error.
class admin_client {
 public:
  explicit admin_client(const global_options& opts);

  /// `timeout`: how long to wait for the answer (30 s; a backup of a large store waits longer).
  reply call(const std::string& method, const std::string& path, const query& q = {},
             const json* body = nullptr, std::chrono::seconds timeout = std::chrono::seconds(30));
  json get(const std::string& path, const query& q = {}) { return call("GET", path, q).body; }
  /// Follows next_cursor to the end and answers {"items": [all], "next_cursor": null}.
  json get_all(const std::string& path, query q = {});

  const std::string& base() const { return base_; }

 private:
  std::string base_;
  std::string token_;
  net::http_client http_;
};

/// Percent-encodes one path segment.
std::string seg(std::string_view s);

}  // namespace vouch::ctl
