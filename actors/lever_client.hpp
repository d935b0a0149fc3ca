// Runs one Lever command to completion on the calling (detached worker) thread: every
// HTTP call first takes a token from the key's bucket, so the engine stays inside Lever's
// limit. Reads that a command needs (notes before posting, the posting behind an
// opportunity) are part of the command, so a retry repeats them.
#pragma once

#include <chrono>
#include <string>

#include "actors/call_outcome.hpp"
#include "actors/rate_limiter.hpp"
#include "core/records.hpp"
#include "net/http_client.hpp"

namespace vouch::actors {

struct lever_target {
  std::string base_url, api_key, perform_as, hired_reason_id;
};

class lever_client {
 public:
  lever_client(net::http_client& http, rate_limiter& limiter, std::chrono::milliseconds timeout,
               double burst = 20)
      : http_(http), limiter_(limiter), timeout_(timeout), limiter_burst_(burst) {}

  call_outcome run(const core::command& cmd, const lever_target& target);

 private:
  struct reply;
  call_outcome post_note_once(const lever_target& t, const core::command& cmd,
                              const std::string& text);
  reply call(const lever_target& t, const std::string& method, const std::string& path_query,
             const std::string& body = {});
  call_outcome export_prospect(const core::command& cmd, const lever_target& t);
  bool background_ = false;  ///< the command in progress yields to live work
  net::http_client& http_;
  rate_limiter& limiter_;
  std::chrono::milliseconds timeout_;
  double limiter_burst_;
};

/// The text marking a note as this command's, so a re-sent note is found, not duplicated.
std::string note_marker(const std::string& idem_key);

}  // namespace vouch::actors
