// The platform's API as vouchd calls it (docs/reference.md#calls-to-the-platform):
// reference requests (idempotent by Idempotency-Key), remind, expire, hiring status.
// Signature checks, faults and locking happen in platform_sim.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/lever-sim/sim_http.hpp"

namespace vouch::platform_sim {

using json = nlohmann::json;

struct reference_request {
  std::string request_id;  ///< "req-N"
  std::string idempotency_key;
  std::string org;
  std::string opportunity_id;
  json body;  ///< the first body sent with this key
  int reminders = 0;
  bool expired = false;
  bool completed = false;
};

/// Everything the platform remembers. Not thread-safe: platform_sim holds a mutex.
class platform_data {
 public:
  reference_request* find(const std::string& request_id);
  /// The request of this Idempotency-Key, creating it on first use; `created` tells which.
  reference_request& upsert(const std::string& idem, const json& body, bool& created);
  const std::vector<reference_request>& requests() const { return requests_; }

 private:
  std::vector<reference_request> requests_;
  std::map<std::string, std::size_t> by_idem_;
  std::map<std::string, std::size_t> by_id_;
  int64_t next_ = 1;
};

struct platform_call {
  std::string method;
  std::string path;
  std::string idempotency_key;  ///< header value, "" when absent
  json body;                    ///< null when absent or not JSON
};

struct platform_outcome {
  sim::api_result result;
  std::string request_id;  ///< set for reference-request creation (new or repeated)
  bool created = false;    ///< a new reference request was made
};

platform_outcome route_platform(platform_data& data, const platform_call& call);

/// {"error": {"code", "message"}}, the platform's error shape.
sim::api_result platform_error(unsigned status, const std::string& code, const std::string& msg);

}  // namespace vouch::platform_sim
