#include "actors/metrics.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

namespace vouch::actors {

const std::vector<metric_info>& metric_catalogue() {
  using t = metric_type;
  static const std::vector<metric_info> all = {
      {"vouch_build_info", t::gauge, "Always 1; the labels say which build is running.",
       "version,revision"},
      // -- intake
      {"vouch_http_requests_total", t::counter,
       "Requests on the public listener by route and HTTP status.", "route,status"},
      {"vouch_webhooks_total", t::counter,
       "Webhooks and platform events by source and outcome (accepted, duplicate, ignored, "
       "bad_signature, bad_request, unknown_org, unavailable, ...).",
       "source,outcome"},
      {"vouch_org_webhooks_total", t::counter,
       "Lever webhooks of a known org by kind (stage_change, hired) and outcome.",
       "org,kind,outcome"},
      {"vouch_org_webhook_age_seconds", t::gauge,
       "Seconds since the org's last accepted Lever webhook of this kind (silence alert).",
       "org,kind"},
      {"vouch_webhook_ack_seconds", t::histogram,
       "Time from a webhook's arrival to its answer (the durable commit is inside).", ""},
      // -- candidates
      {"vouch_candidates", t::gauge,
       "Candidates in storage by org and state (counted every 15 s at most, on scrape).",
       "org,state"},
      {"vouch_actors_resident", t::gauge, "Candidate actors in memory.", ""},
      {"vouch_actor_activations_total", t::counter,
       "Candidate actors started from storage or created.", ""},
      {"vouch_actor_early_passivations_total", t::counter,
       "Candidate actors stopped before their idle time to stay under max_resident.", ""},
      {"vouch_candidate_commit_failures_total", t::counter,
       "Candidate transitions whose commit failed (the event was answered 503).", ""},
      {"vouch_result_commit_retries_total", t::counter,
       "Commits of a command's result retried after a storage error.", ""},
      {"vouch_timers_pending", t::gauge, "Durable timers waiting to fire.", ""},
      {"vouch_timers_fired_total", t::counter, "Durable timers fired.", ""},
      {"vouch_dedupe_pruned_total", t::counter,
       "Delivery dedupe keys removed after the dedupe window.", ""},
      // -- outgoing calls
      {"vouch_commands_pending", t::gauge, "Outbox commands waiting or in flight.", ""},
      {"vouch_commands_in_flight", t::gauge, "Outbox commands being sent now.", ""},
      {"vouch_commands_dead", t::gauge,
       "Dead letters by org: commands that gave up and wait for an operator's retry.", "org"},
      {"vouch_commands_sent_total", t::counter, "Command attempts sent, by command kind.", "kind"},
      {"vouch_commands_succeeded_total", t::counter, "Command attempts that succeeded.", "kind"},
      {"vouch_commands_failed_total", t::counter, "Command attempts that failed.", "kind"},
      {"vouch_commands_dead_total", t::counter, "Commands that became dead letters.", "kind"},
      {"vouch_outgoing_call_seconds", t::histogram,
       "Duration of one command attempt by target (lever, platform, mail, export) and outcome "
       "(none = success, or the failure kind).",
       "target,outcome"},
      {"vouch_breaker_state", t::gauge,
       "Circuit breaker per target: 0 closed, 1 open, 2 half-open (probing).", "target"},
      {"vouch_breaker_opens_total", t::counter, "Times a target's breaker opened.", "target"},
      // -- Lever connection and catch-up
      {"vouch_org_lever_status", t::gauge,
       "1 for the org's Lever key status as last seen (ok, unauthorized, forbidden, "
       "unreachable, unknown), 0 for the others.",
       "org,status"},
      {"vouch_reconcile_passes_total", t::counter, "Catch-up passes by outcome (ok, failed).",
       "outcome"},
      {"vouch_reconcile_found_total", t::counter,
       "Changes catch-up found that no webhook had delivered, by org.", "org"},
      {"vouch_reconcile_pass_seconds", t::histogram, "Duration of one catch-up pass.", ""},
      // -- storage
      {"vouch_lmdb_commit_seconds", t::histogram,
       "Duration of one group commit: the journal append and its sync (write_path = lmdb: "
       "the LMDB commit with its syncs).",
       ""},
      {"vouch_lmdb_sync_seconds", t::histogram,
       "Duration of one explicit sync that made the last commit durable (when no commit followed "
       "it soon enough to do so).",
       ""},
      {"vouch_lmdb_commit_batch_size", t::histogram, "Write sets in one group commit.", ""},
      {"vouch_lmdb_commit_failures_total", t::counter, "Group commits that failed.", ""},
      {"vouch_lmdb_map_size_bytes", t::gauge, "The LMDB map size (the most the store can hold).",
       ""},
      {"vouch_lmdb_used_bytes", t::gauge, "Bytes of the LMDB map in use.", ""},
      {"vouch_journal_lag_sets", t::gauge,
       "Write sets answered and journaled that LMDB has not applied yet.", ""},
      {"vouch_journal_bytes", t::gauge, "Bytes of journal segments on disk.", ""},
      {"vouch_journal_apply_blocked", t::gauge,
       "1 when LMDB refused to apply journaled sets (map full); new events get 503.", ""},
      // -- admin
      {"vouch_admin_requests_total", t::counter, "Admin API requests by route and status.",
       "route,status"},
  };
  return all;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53: exact integers
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    return std::string(buf, r.ptr);
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

void metrics::inc(const std::string& name, const std::string& labels, uint64_t by) {
  std::lock_guard<std::mutex> g(mu_);
  counters_[name][labels] += by;
}

void metrics::set(const std::string& name, const std::string& labels, double value) {
  std::lock_guard<std::mutex> g(mu_);
  gauges_[name][labels] = value;
}

void metrics::clear(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  gauges_.erase(name);
}

void metrics::observe(const std::string& name, double value, const std::vector<double>& bounds) {
  observe(name, {}, value, bounds);
}

void metrics::observe(const std::string& name, const std::string& labels, double value,
                      const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> g(mu_);
  auto& h = histograms_[name][labels];
  if (h.bounds.empty()) {
    h.bounds = bounds;
    h.counts.assign(bounds.size(), 0);
  }
  for (std::size_t i = 0; i < h.bounds.size(); ++i)
    if (value <= h.bounds[i]) ++h.counts[i];
  ++h.total;
  h.sum += value;
}

uint64_t metrics::counter(const std::string& name, const std::string& labels) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) return 0;
  auto jt = it->second.find(labels);
  return jt == it->second.end() ? 0 : jt->second;
}

std::map<std::string, uint64_t> metrics::counter_series(const std::string& name) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = counters_.find(name);
  return it == counters_.end() ? std::map<std::string, uint64_t>{} : it->second;
}

std::map<std::string, double> metrics::gauge_series(const std::string& name) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = gauges_.find(name);
  return it == gauges_.end() ? std::map<std::string, double>{} : it->second;
}

metrics::histogram_view metrics::histogram(const std::string& name) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = histograms_.find(name);
  if (it == histograms_.end()) return {};
  auto jt = it->second.find({});
  return jt == it->second.end() ? histogram_view{} : jt->second;
}

namespace {

std::string series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

std::string with_le(const std::string& labels, const std::string& le) {
  return (labels.empty() ? "" : labels + ",") + "le=\"" + le + "\"";
}

/// A catalogued metric without labels: it has exactly one series, which can show 0 at start.
bool unlabelled(const std::string& name) {
  for (const auto& m : metric_catalogue())
    if (m.name == name) return m.labels.empty();
  return false;
}

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string metrics::render() const {
  std::lock_guard<std::mutex> g(mu_);
  std::ostringstream out;
  std::set<std::string> done;
  auto family = [&](const std::string& name, metric_type type, std::string_view help) {
    done.insert(name);
    out << "# HELP " << name << ' ' << help << '\n';
    out << "# TYPE " << name << ' ' << type_name(type) << '\n';
    switch (type) {
      case metric_type::counter: {
        auto it = counters_.find(name);
        if (it == counters_.end()) {
          if (unlabelled(name)) out << name << " 0\n";
          break;
        }
        for (const auto& [labels, v] : it->second) out << series(name, labels) << ' ' << v << '\n';
        break;
      }
      case metric_type::gauge: {
        auto it = gauges_.find(name);
        if (it == gauges_.end()) break;
        for (const auto& [labels, v] : it->second)
          out << series(name, labels) << ' ' << format_metric_value(v) << '\n';
        break;
      }
      case metric_type::histogram: {
        auto it = histograms_.find(name);
        if (it == histograms_.end()) break;
        for (const auto& [labels, h] : it->second) {
          for (std::size_t i = 0; i < h.bounds.size(); ++i)
            out << series(name + "_bucket", with_le(labels, format_metric_value(h.bounds[i])))
                << ' ' << h.counts[i] << '\n';
          out << series(name + "_bucket", with_le(labels, "+Inf")) << ' ' << h.total << '\n';
          out << series(name + "_sum", labels) << ' ' << format_metric_value(h.sum) << '\n';
          out << series(name + "_count", labels) << ' ' << h.total << '\n';
        }
        break;
      }
    }
  };
  for (const auto& m : metric_catalogue()) family(std::string(m.name), m.type, m.help);
  // A metric used but not catalogued still shows (and a test fails on the word).
  for (const auto& [name, by] : counters_)
    if (!done.count(name)) family(name, metric_type::counter, "undocumented");
  for (const auto& [name, by] : gauges_)
    if (!done.count(name)) family(name, metric_type::gauge, "undocumented");
  for (const auto& [name, by] : histograms_)
    if (!done.count(name)) family(name, metric_type::histogram, "undocumented");
  return out.str();
}

}  // namespace vouch::actors
