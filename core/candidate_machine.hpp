// The candidate state machine (docs/reference.md#candidate-states) as one pure function:
//   (record, event, context) -> transition {next record, history, commands, timers}.
// No I/O, no clock, no randomness: `event.now` is the time. The candidate actor commits a
// transition's parts in one LMDB transaction and only then acts on them.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/records.hpp"
#include "core/template_match.hpp"

namespace vouch::core {

/// Where a Lever change came from: its webhook, or a catch-up pass that found it in Lever's
/// list after the webhook was lost (history names it `reconcile.*`).
enum class lever_origin : uint8_t { webhook, catch_up };

/// What lever.resolve read from Lever.
struct resolved_opportunity {
  std::string name, email, phone;
  std::string posting_id, posting_title;
  std::vector<std::string> tags;  ///< posting tags (the opportunity's when it has no posting)
  person owner;
};

/// The events a candidate reacts to, one struct each, carrying only its own fields.
namespace events {

/// Lever candidateStageChange (or the same change found by catch-up).
struct stage_change {
  std::string from_stage, to_stage;
  int64_t triggered_at = 0;  ///< when Lever made the change (ms)
  lever_origin origin = lever_origin::webhook;
};
/// Lever candidateHired (or an archive as hired found by catch-up).
struct hired_webhook {
  lever_origin origin = lever_origin::webhook;
};
/// platform report.completed
struct report_completed {
  std::string request_id, report_url;
};
/// platform hire_status.changed
struct hire_status_changed {
  bool hired = false;
};
/// The owner confirmed hired / not hired through the email link.
struct owner_answer {
  bool hired = false;
};
/// An outbox command succeeded; the fields after `generation` are its result.
struct command_done {
  uint64_t command_id = 0;
  command_kind command = command_kind::lever_resolve;
  uint32_t generation = 0;
  resolved_opportunity resolved;   ///< lever.resolve
  std::string created_request_id;  ///< platform.create_request
  bool archived_as_hired = false;  ///< lever.followup_check
};
/// An outbox command was dead-lettered.
struct command_dead {
  uint64_t command_id = 0;
  command_kind command = command_kind::lever_resolve;
  uint32_t generation = 0;
  long http_status = 0;    ///< last answer (0: transport)
  std::string error;       ///< why
  bool permanent = false;  ///< a permanent answer, not exhaustion
};
/// A durable timer came due.
struct timer_fired {
  timer_entry timer;
};
/// Operator: start a fresh request.
struct admin_resend {};
/// Operator: leave needs_attention and retry the last step, or one outbox command.
struct admin_retry {
  uint64_t command_id = 0;  ///< 0: the candidate's dead commands (or a fresh request)
};

}  // namespace events

/// The alternatives in the order of `event_kind`, so `kind()` is the variant's index.
using event_body = std::variant<events::stage_change, events::hired_webhook,
                                events::report_completed, events::hire_status_changed,
                                events::command_done, events::command_dead, events::timer_fired,
                                events::admin_resend, events::admin_retry, events::owner_answer>;

enum class event_kind : uint8_t {
  stage_change,
  hired_webhook,
  report_completed,
  hire_status_changed,
  command_done,
  command_dead,
  timer_fired,
  admin_resend,
  admin_retry,
  owner_answer,
};

const char* to_string(event_kind k);

// `kind()` casts the variant's index: the two orders must stay the same.
static_assert(std::variant_size_v<event_body> == size_t(event_kind::owner_answer) + 1);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(event_kind::command_done), event_body>,
                   events::command_done>);
static_assert(
    std::is_same_v<std::variant_alternative_t<size_t(event_kind::admin_retry), event_body>,
                   events::admin_retry>);

struct machine_event {
  int64_t now = 0;  ///< ms since epoch
  event_body body;

  machine_event() = default;
  template <class Body>
  machine_event(int64_t at, Body b) : now(at), body(std::move(b)) {}

  event_kind kind() const { return static_cast<event_kind>(body.index()); }
  /// The event's fields when it is a `Body`, else null.
  template <class Body>
  const Body* as() const {
    return std::get_if<Body>(&body);
  }
  template <class Body>
  Body* as() {
    return std::get_if<Body>(&body);
  }
};

/// The name history and the admin API show for an event ("lever.stage_change",
/// "reconcile.hired", "command_done:lever.note", "timer:reminder", ...).
std::string event_name(const machine_event& ev);

/// What the machine needs to know about the org and the configuration.
struct machine_context {
  std::vector<std::string> trigger_stage_ids;
  std::vector<template_ref> templates;
  int64_t reminder_after_ms = 2LL * 86400000;
  int64_t expiry_after_ms = 21LL * 86400000;
  int64_t followup_after_ms = 14LL * 86400000;
};

/// A command to put in the outbox; the shell gives it an id and builds its payload.
struct command_spec {
  command_kind kind = command_kind::lever_resolve;
  std::string arg;    ///< hiring_status: source; outcome note: its text
  bool flag = false;  ///< hiring_status: hired
};

struct transition {
  candidate_record next;
  std::vector<history_entry> history;
  std::vector<command_spec> commands;
  std::vector<timer_entry> timers_set, timers_cleared;
  bool ignored = false;           ///< the event did not apply to this candidate
  std::vector<uint64_t> requeue;  ///< admin retry: dead outbox ids to put back in the queue
};

transition apply(const candidate_record& current, const machine_event& ev,
                 const machine_context& ctx);

/// True for states of the request flow, where a hired webhook only sets `hired`.
bool in_request_flow(cand_state s);

}  // namespace vouch::core
