// One catch-up pass over one org (missed webhooks, docs/operator-guide.md "Catch-up"):
// asks Lever's opportunity list which candidates entered a trigger stage, and which were
// archived with a hired-type reason, since a time. Blocking: it runs on a detached worker
// thread, and every call first takes a token from the API key's bucket, behind live
// candidate work (a reserve), so catch-up never slows a reference request.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rate_limiter.hpp"
#include "net/http_client.hpp"

namespace vouch::actors {

/// A change Lever reports that the candidate may not have heard of.
struct caught_change {
  std::string opp;
  bool hired = false;  ///< archived with a hired-type reason; else an entry into `stage`
  std::string stage;   ///< the trigger stage entered ("" for a hire)
  int64_t at = 0;      ///< when Lever made the change (ms): stageChanges[].updatedAt / archivedAt
};

struct catch_up_request {
  std::string base_url, api_key;
  std::vector<std::string> trigger_stage_ids;
  int64_t since = 0;       ///< ask for changes from here on (the cursor minus the overlap)
  int64_t not_before = 0;  ///< drop changes older than this (when the connection was saved)
};

struct catch_up_result {
  bool ok = false;
  long status = 0;    ///< the answer that ended a failed pass (0: no answer)
  std::string error;  ///< why it failed
  std::vector<caught_change> found;
  int calls = 0;  ///< Lever calls made
};

/// One page of GET /opportunities, read for a stage query (`stage` set: each row's latest
/// entry into it) or a hire query (`stage` empty: each row's archivedAt). Rows without
/// those times are skipped; `error` is set when the body is not a list page at all.
struct opportunity_page {
  std::vector<caught_change> changes;
  std::string next;  ///< the offset of the next page ("" = last page)
  std::string error;
};
opportunity_page parse_opportunity_page(std::string_view body, const std::string& stage);

/// The ids of the archive reasons of a GET /archive_reasons?type=hired page.
std::vector<std::string> parse_reason_ids(std::string_view body, std::string& next,
                                          std::string& error);

class catch_up_client {
 public:
  /// `reserve`: tokens left in the key's bucket for live work before a catch-up call waits.
  catch_up_client(net::http_client& http, rate_limiter& limiter, std::chrono::milliseconds timeout,
                  double reserve)
      : http_(http), limiter_(limiter), timeout_(timeout), reserve_(reserve) {}

  catch_up_result run(const catch_up_request& req);

 private:
  struct answer;
  catch_up_result collect(const catch_up_request& req);
  answer get(const catch_up_request& req, const std::string& path_query, catch_up_result& out);
  bool list(const catch_up_request& req, const std::string& query, const std::string& stage,
            catch_up_result& out);
  net::http_client& http_;
  rate_limiter& limiter_;
  std::chrono::milliseconds timeout_;
  double reserve_;
};

}  // namespace vouch::actors
