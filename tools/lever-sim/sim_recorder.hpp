// What both sims share: a log of every API call, injected faults ("answer the next N
// matching calls with 503") and injected latency, plus the /_sim/ routes that drive them.
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tools/lever-sim/sim_http.hpp"

namespace vouch::sim {

/// A matched fault: what to answer instead of routing the call.
struct fault_hit {
  unsigned status = 0;
  std::optional<int> retry_after;  ///< seconds for Retry-After; none: no header
  json body;                       ///< null: the sim's default fault body
};

/// Latency to add to a matched call.
struct delay_hit {
  double seconds = 0;
  bool after = false;  ///< true: handle first (the effect happens), then wait to answer
};

class recorder {
 public:
  /// Appends a call (the sim fills method, path, query, body, ...); returns its sequence
  /// number for finish().
  uint64_t begin(json call);
  /// Merges `patch` (status, injected, ...) into the call, if it was not cleared since.
  void finish(uint64_t seq, const json& patch);

  /// First fault whose method and path (regex full match) fit; consumes one of its count.
  std::optional<fault_hit> pick_fault(const std::string& method, const std::string& path);
  /// First delay whose method and path fit; seconds == 0 when none.
  delay_hit pick_delay(const std::string& method, const std::string& path);

  /// Handles GET|DELETE /_sim/calls, GET|POST|DELETE /_sim/faults and /_sim/delays.
  /// `segs` are the path segments after "_sim". nullopt: not one of these routes.
  std::optional<api_result> handle_control(const std::string& method,
                                           const std::vector<std::string>& segs,
                                           const query_map& query, const json& body);

 private:
  struct fault {
    std::string method;  ///< "", "*" or a method
    std::string pattern_text;
    std::regex pattern;
    unsigned status = 0;
    std::optional<int64_t> remaining;  ///< none: forever
    std::optional<int> retry_after;
    json body;
  };
  struct delay {
    std::string method;
    std::string pattern_text;
    std::regex pattern;
    double seconds = 0;
    bool after = false;
  };

  static bool method_fits(const std::string& want, const std::string& method);
  api_result add_fault(const json& spec);
  api_result add_delay(const json& spec);
  json list_calls(const query_map& query) const;
  json list_faults() const;
  json list_delays() const;

  mutable std::mutex mu_;
  uint64_t next_seq_ = 1;
  std::deque<std::pair<uint64_t, json>> calls_;
  std::vector<fault> faults_;
  std::vector<delay> delays_;
};

}  // namespace vouch::sim
