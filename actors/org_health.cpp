#include "actors/org_health.hpp"

#include "core/crypto.hpp"

namespace vouch::actors {

const char* lever_key_status(long http_status) {
  if (http_status == 401) return "unauthorized";
  if (http_status == 403) return "forbidden";
  // No answer, a timeout or a server error says nothing about the key.
  if (http_status == 0 || http_status == 408 || http_status >= 500) return "unreachable";
  // Any other answer (2xx, 404 for one opportunity, 429) was given to an accepted key.
  return "ok";
}

std::string lever_target_name(const std::string& api_key) {
  return "lever:" + core::fingerprint(api_key);
}

void org_health::lever_answered(const std::string& org, long http_status, const std::string& error,
                                int64_t now) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& l = orgs_[org].lever;
  l.status = lever_key_status(http_status);
  l.checked_at = now;
  l.error = l.status == std::string("ok") ? std::string{} : error;
}

void org_health::webhook(const std::string& org, webhook_kind kind, bool accepted, int64_t now) {
  std::lock_guard<std::mutex> lk(mu_);
  auto& h = orgs_[org];
  auto& w = kind == webhook_kind::hired ? h.hired : h.stage_change;
  (accepted ? w.last_at : w.rejected_last_at) = now;
}

void org_health::publish(metrics& m, int64_t now) const {
  std::lock_guard<std::mutex> lk(mu_);
  for (const auto& [org, h] : orgs_) {
    const std::string o = "org=\"" + org + "\"";
    for (const char* s : {"ok", "unauthorized", "forbidden", "unreachable", "unknown"})
      m.set("vouch_org_lever_status", o + ",status=\"" + s + "\"", h.lever.status == s ? 1 : 0);
    if (h.stage_change.last_at)
      m.set("vouch_org_webhook_age_seconds", o + ",kind=\"stage_change\"",
            (now - h.stage_change.last_at) / 1000.0);
    if (h.hired.last_at)
      m.set("vouch_org_webhook_age_seconds", o + ",kind=\"hired\"",
            (now - h.hired.last_at) / 1000.0);
  }
}

void org_health::catch_up(const core::reconcile_record& r) {
  std::lock_guard<std::mutex> lk(mu_);
  catch_up_[r.org] = r;
}

std::optional<core::reconcile_record> org_health::last_catch_up(const std::string& org) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = catch_up_.find(org);
  if (it == catch_up_.end()) return std::nullopt;
  return it->second;
}

org_health_view org_health::get(const std::string& org) const {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = orgs_.find(org);
  return it == orgs_.end() ? org_health_view{} : it->second;
}

}  // namespace vouch::actors
