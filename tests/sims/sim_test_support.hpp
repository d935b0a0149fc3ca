// Helpers for the simulator tests: one-line HTTP calls with net::http_client and a
// loopback receiver (net::http_server) that records what the sims send it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_client.hpp"
#include "net/http_server.hpp"

namespace vouch::sim_test {

using json = nlohmann::json;

struct reply {
  long status = 0;
  json body;  ///< null when empty or not JSON
  std::string raw;
  std::map<std::string, std::string> headers;
};

/// Sends one request and waits for the answer. `body` null: no body.
reply call(net::http_client& client, const std::string& method, const std::string& url,
           const json& body = nullptr, const std::string& basic_user = "",
           std::vector<std::pair<std::string, std::string>> headers = {});

/// Records every request it gets and answers with the queued statuses (then 200).
class receiver {
 public:
  receiver();
  ~receiver();
  std::string url() const;  ///< "http://127.0.0.1:PORT"

  /// The next answers, in order; afterwards every request gets 200.
  void answer_with(std::vector<unsigned> statuses);
  /// Waits until `n` requests arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<net::http_request> requests();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<net::http_request> got_;
  std::vector<unsigned> statuses_;
  net::http_server server_;
};

}  // namespace vouch::sim_test
