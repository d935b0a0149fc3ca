// The vouchctl commands (docs/reference.md#vouchctl). Each returns its exit code or throws
// ctl::failure; main.cpp (the only CLI11 user) parses the arguments and calls them.
#pragma once

#include <string>
#include <vector>

#include "tools/vouchctl/ctl.hpp"

namespace vouch::ctl {

struct connect_options {
  std::string org, api_key, stage_token, hired_token, perform_as, lever_url;
  std::vector<std::string> trigger_stages;  ///< names or ids
  bool auto_export = false, export_existing = false;
  /// Whether --perform-as / --lever-url were given; when not, the stored values stay.
  bool perform_as_set = false, lever_url_set = false;
};

int orgs_ls(const global_options& g);
int orgs_show(const global_options& g, const std::string& org);
int orgs_create(const global_options& g, const std::string& org, const std::string& name);
int connect(const global_options& g, const connect_options& o);
int webhook_urls(const global_options& g, const std::string& org);

int templates_ls(const global_options& g, const std::string& org);
int templates_show(const global_options& g, const std::string& org, const std::string& id);
int templates_apply(const global_options& g, const std::string& org, const std::string& file);
int templates_rm(const global_options& g, const std::string& org, const std::string& id);
/// Exactly one of `posting` / `tags` is set (tags: comma-separated).
int templates_match(const global_options& g, const std::string& org, const std::string& posting,
                    const std::string& tags);

int candidates_ls(const global_options& g, const std::string& org, const std::string& state);
int candidates_show(const global_options& g, const std::string& org, const std::string& opp);
/// `action` is "resend" or "retry".
int candidates_action(const global_options& g, const std::string& org, const std::string& opp,
                      const std::string& action);

int outbox_ls(const global_options& g, bool dead);
int outbox_retry(const global_options& g, const std::string& id);
/// Requeues every dead command the filters pick ("" = any).
int outbox_retry_all(const global_options& g, const std::string& org, const std::string& kind);
/// The org's connection health, a verdict first.
int orgs_health(const global_options& g, const std::string& org);
int orgs_reconcile(const global_options& g, const std::string& org);

int export_start(const global_options& g, const std::string& org, bool watch);
int export_show(const global_options& g, const std::string& id, bool watch);
int export_ls(const global_options& g, const std::string& org);
int export_cancel(const global_options& g, const std::string& id);

/// An online backup of vouchd's store into FILE on vouchd's machine (a relative FILE is
/// made absolute from the working directory: vouchctl and vouchd usually share a host).
int backup(const global_options& g, const std::string& file);

/// `once`: print one snapshot as a table and exit; with g.json one JSON snapshot.
int top(const global_options& g, bool once);

/// Whether a trigger-stage argument looks like a Lever stage id rather than a stage name
/// (exposed for tests): a UUID, or a single token of [A-Za-z0-9_-] with a '-', '_' or digit.
bool looks_like_stage_id(const std::string& s);

}  // namespace vouch::ctl
