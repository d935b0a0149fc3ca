// The candidate state machine of CONTRACT §5 as one pure function:
//   (record, event, context) -> transition {next record, history, commands, timers}.
// No I/O, no clock, no randomness: `event.now` is the time. The candidate actor commits a
// transition's parts in one LMDB transaction and only then acts on them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/template_match.hpp"

namespace vouch::core {

enum class event_kind : uint8_t {
  stage_change,         ///< Lever candidateStageChange
  hired_webhook,        ///< Lever candidateHired
  report_completed,     ///< platform report.completed
  hire_status_changed,  ///< platform hire_status.changed
  command_done,         ///< an outbox command succeeded
  command_dead,         ///< an outbox command was dead-lettered
  timer_fired,          ///< a durable timer came due
  admin_resend,         ///< operator: start a fresh request
  admin_retry,          ///< operator: leave needs_attention, retry the last step
  owner_answer,         ///< the owner confirmed hired / not hired through the email link
};

const char* to_string(event_kind k);

/// What lever.resolve read from Lever.
struct resolved_opportunity {
  std::string name, email, phone;
  std::string posting_id, posting_title;
  std::vector<std::string> tags;  ///< posting tags (the opportunity's when it has no posting)
  person owner;
};

struct machine_event {
  event_kind kind = event_kind::stage_change;
  int64_t now = 0;  ///< ms since epoch
  // stage_change
  std::string from_stage, to_stage;
  int64_t triggered_at = 0;
  // report_completed, hire_status_changed, owner_answer
  std::string request_id, report_url;
  bool hired = false;
  // command_done, command_dead; admin_retry of one outbox command (0: the candidate's)
  uint64_t command_id = 0;
  command_kind command = command_kind::lever_resolve;
  uint32_t generation = 0;
  resolved_opportunity resolved;   ///< lever.resolve
  std::string created_request_id;  ///< platform.create_request
  bool archived_as_hired = false;  ///< lever.followup_check
  long http_status = 0;            ///< command_dead: last answer (0: transport)
  std::string error;               ///< command_dead: why
  bool permanent = false;          ///< command_dead: a permanent answer, not exhaustion
  // timer_fired
  timer_entry timer;
};

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
