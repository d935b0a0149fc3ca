// lever-sim as a library: the Lever Data API v1 under /v1 and the control API under
// /_sim/ on one HTTP server, so tests can run it in-process on an ephemeral port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vouch::lever_sim {

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  ///< 0: ephemeral
  double rate_per_s = 10;
  double burst = 20;
  bool rate_limit = true;
  unsigned threads = 4;                            ///< io threads; delays never block them
  std::vector<std::pair<std::string, bool>> keys;  ///< API key -> may see confidential data
};

class server {
 public:
  explicit server(options opts);
  ~server();  ///< stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and serves. Needs net::http_client::global_init() to have run (webhooks).
  bool start(std::string& err);
  void stop();

  uint16_t port() const;
  std::string url() const;       ///< "http://host:port"
  std::string base_url() const;  ///< url() + "/v1", what a Lever client is given

  void add_key(const std::string& key, bool confidential = false);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::lever_sim
