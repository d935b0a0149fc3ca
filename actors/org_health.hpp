// What the engine last saw of each org's connection, for GET /admin/v1/orgs/{org}/health:
// the Lever key's status from the last call that used it, and the last accepted and refused
// webhook of each kind. Memory only (a restart starts from "unknown"): every fact here is
// refreshed by the next call or delivery, and none of it steers the engine.
// Thread-safe: the dispatcher, the ingress threads and the admin thread all report here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "actors/metrics.hpp"
#include "core/records.hpp"

namespace vouch::actors {

/// The Lever key's status as org health reports it (docs/reference.md#org-health): "ok",
/// "unauthorized" (401), "forbidden" (403), "unreachable" (no answer, timeout, 5xx) or
/// "unknown" (never used since start).
const char* lever_key_status(long http_status);

struct lever_check {
  std::string status = "unknown";
  int64_t checked_at = 0;  ///< ms; 0 = never
  std::string error;       ///< what Lever or the transport said when not ok
};

struct webhook_seen {
  int64_t last_at = 0;           ///< last accepted delivery, ms; 0 = none since start
  int64_t rejected_last_at = 0;  ///< last one refused 401 bad_signature, ms
};

struct org_health_view {
  lever_check lever;
  webhook_seen stage_change, hired;
};

enum class webhook_kind { stage_change, hired };

/// The breaker and metrics name of a Lever API key's target: "lever:<fingerprint>". Orgs that
/// share a key share its breaker, as they share Lever's rate limit.
std::string lever_target_name(const std::string& api_key);

class org_health {
 public:
  /// Records the answer of a Lever call made with the org's key (status 0 = no answer).
  void lever_answered(const std::string& org, long http_status, const std::string& error,
                      int64_t now);
  void webhook(const std::string& org, webhook_kind kind, bool accepted, int64_t now);
  org_health_view get(const std::string& org) const;
  /// The newest catch-up pass of an org (stored or not yet stored: see reconcile_actor).
  void catch_up(const core::reconcile_record& r);
  std::optional<core::reconcile_record> last_catch_up(const std::string& org) const;
  /// Sets the per-org gauges: vouch_org_lever_status{org,status} (1 for the current status,
  /// 0 for the others) and vouch_org_webhook_age_seconds{org,kind} (since the last accepted
  /// webhook; absent before the first).
  void publish(metrics& m, int64_t now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, org_health_view> orgs_;
  std::map<std::string, core::reconcile_record> catch_up_;
};

}  // namespace vouch::actors
