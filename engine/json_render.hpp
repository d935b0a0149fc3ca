// How the admin API shows the engine's records as JSON (docs/reference.md#candidate-record,
// and #admin-api for outbox items, orgs and Lever connections). One place, so the admin
// API, the web console and vouchctl --json all see the same shapes.
//
// Conventions: timestamps are integers (ms since the Unix epoch); an empty optional
// string (reason, request_id, report_url, template_id, last_error) renders as null, and so
// does a zero hired_at. Secrets never appear: a Lever connection shows "set" or "unset".
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.hpp"

namespace vouch::engine {

// -- candidates ----------------------------------------------------------------------

/// One history entry: {seq, at, event, from, to, detail}.
nlohmann::json render_history_entry(const core::history_entry& h);

/// A candidate. With `full == false` (list items): {org, opportunity_id, state, reason,
/// hired, hired_at, request_id, report_url, template_id, owner{id,name,email}, name, email,
/// posting{id,title,tags}, created_at, updated_at}. With `full == true` it adds history[],
/// timers[] ({kind, due}, the record's pending timers) and commands[] (the given outbox
/// entries, as render_command shows them); callers pass only this candidate's entries.
nlohmann::json render_candidate(const core::candidate_record& c, bool full,
                                const std::vector<core::history_entry>& history = {},
                                const std::vector<core::command>& commands = {});

// -- outbox ------------------------------------------------------------------------------

/// {id, org, opportunity_id, kind, attempts, next_at, status, last_error, created_at,
/// recent_attempts: [{at, http_status (null: no HTTP answer), outcome, error}]}, oldest first.
/// The payload and idempotency key stay internal.
nlohmann::json render_command(const core::command& c);

// -- exports -----------------------------------------------------------------------------

/// {id, org, state, total, done, failed, skipped, rate_per_s, eta_s, failures[], created_at,
/// updated_at}: rate_per_s is finished prospects per second since the start, eta_s the
/// seconds left at that rate (null unless running with some progress).
nlohmann::json render_export(const core::export_record& e);

// -- orgs --------------------------------------------------------------------------------

/// {id, name, connected, created_at, updated_at}.
nlohmann::json render_org(const core::org_record& o);

/// The Lever connection as GET /admin/v1/orgs/{org}/lever answers it: every field of the
/// PUT body, secrets as "set"/"unset", plus "connected".
nlohmann::json render_lever_connection(const core::org_record& o);

}  // namespace vouch::engine
