// A small HTTP/1.1 server on Boost.Beast: keep-alive, a body limit answered with 413,
// SO_REUSEADDR, and a responder that may be called from any thread (so a request can be
// handed to an actor and answered after a durable commit).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vouch::net {

/// One parsed request. Header names are lower-cased.
struct http_request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< as sent: path plus "?query"
  std::string path;    ///< target up to '?', not percent-decoded
  std::string query;   ///< after '?', not decoded; empty when absent
  std::map<std::string, std::string> headers;
  /// The body. Its capacity always has at least 64 spare bytes (simdjson padding).
  std::string body;
  /// The peer as "ip:port" (for logs and per-client limits; also lets tests tell
  /// connections apart). Added to the original API; empty if the socket had no peer.
  std::string remote;

  /// The header's value, or "" when absent. `name` must be lower case.
  const std::string& header(std::string_view name) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
  std::string body;
};

/// Answers one request. Copies share one state: the first call wins, later calls are
/// ignored, and if every copy is dropped without a call the client gets a 503 (so a lost
/// message never leaves a client hanging). Safe to call from any thread.
class responder {
 public:
  struct state;
  explicit responder(std::shared_ptr<state> st) : st_(std::move(st)) {}
  void operator()(http_response res) const;

 private:
  std::shared_ptr<state> st_;
};

using http_handler = std::function<void(http_request&& req, responder respond)>;

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                   ///< 0: an ephemeral port, see http_server::port()
  std::size_t body_limit = 64 * 1024;  ///< larger bodies get 413 with too_large_body
  std::string too_large_body =
      R"({"error":{"code":"too_large","message":"request body exceeds the limit"}})";
  unsigned threads = 1;  ///< io threads
  /// A request's header must arrive whole within this from its first byte (a new
  /// connection: from connect), or the connection is closed: a client sending one byte at
  /// a time (slowloris) holds a session for this long at most.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  /// The body must arrive within this after the header.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  /// A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::size_t header_limit = 16 * 1024;  ///< larger request headers get 431
  /// Open connections beyond this get 503 `unavailable` and are closed at once, so a
  /// flood of idle connections cannot exhaust file descriptors or memory.
  std::size_t max_connections = 10000;
};

/// Listens on one address. start() binds (with SO_REUSEADDR) and runs the io threads.
class http_server {
 public:
  http_server(server_options opts, http_handler handler);
  ~http_server();  ///< stops and joins
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, listens and starts the io threads. On failure returns false and sets `err`
  /// (e.g. "bind 127.0.0.1:8080: Address already in use").
  bool start(std::string& err);
  /// The bound port (useful when options.port was 0). Valid after start().
  uint16_t port() const;
  /// Connections open now, and refused for max_connections since start.
  std::size_t open_connections() const;
  uint64_t refused_connections() const;
  /// Closes the listening socket; connections already open keep being served.
  void stop_accepting();
  /// Stops everything and joins the io threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Percent-decodes a path segment or query value ('+' becomes ' ' when `plus_is_space`).
std::string url_decode(std::string_view s, bool plus_is_space = false);
/// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);
/// Splits "a=1&b=2" into decoded pairs, in order.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace vouch::net
