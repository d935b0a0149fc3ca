// Outgoing HTTP on libcurl multi: one thread drives all transfers, connections are kept
// alive and reused per host. Callers either get a future (blocking workers) or a callback
// (called on the client's thread: keep it short, e.g. send an actor message).
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vouch::net {

struct client_request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. {"Content-Type", ...}
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::string basic_user;  ///< non-empty: HTTP Basic auth with this user and empty password
};

struct client_response {
  long status = 0;    ///< HTTP status; 0 when the transfer failed (see error)
  std::string error;  ///< transport error text (timeout, refused, ...); empty on success
  bool timed_out = false;
  std::map<std::string, std::string> headers;  ///< lower-cased names, last value wins
  std::string body;
};

class http_client {
 public:
  http_client();   ///< starts the transfer thread (curl_global_init must have run: see init)
  ~http_client();  ///< fails pending transfers with error "shutdown", joins
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Call once in main() before any thread starts.
  static void global_init();

  void perform_async(client_request req, std::function<void(client_response)> done);
  /// Fails every transfer in progress or queued with error "shutdown", now, and every later
  /// one at once. For the end of a drain: a hung call must not hold the process past it.
  void shutdown();
  std::future<client_response> perform(client_request req);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::net
