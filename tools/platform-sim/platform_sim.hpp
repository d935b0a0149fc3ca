// platform-sim as a library: the reference platform's API (every call signed, Standard
// Webhooks), the /_sim/ control API and report pages on one HTTP server, so tests can run
// it in-process on an ephemeral port.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace vouch::platform_sim {

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;       ///< 0: ephemeral
  std::string secret;      ///< "whsec_<base64>" shared with vouchd (platform.secret)
  std::string vouchd_url;  ///< where events go, e.g. "http://127.0.0.1:8080"; may be set later
  /// > 0: complete each new reference request automatically after this long (demo).
  std::chrono::milliseconds auto_complete_after{0};
  unsigned threads = 4;
};

class server {
 public:
  explicit server(options opts);
  ~server();  ///< stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Checks the secret, binds and serves. Needs net::http_client::global_init().
  bool start(std::string& err);
  void stop();

  uint16_t port() const;
  std::string url() const;  ///< "http://host:port", the platform.base_url for vouchd

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vouch::platform_sim
