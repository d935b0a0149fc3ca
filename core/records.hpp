// The plain records the engine keeps: candidates, their history and timers, outgoing
// commands, orgs and templates. No behaviour here beyond naming; the state machine lives in
// candidate_machine.hpp and the byte encodings in record_codec.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vouch::core {

// -- candidate states (docs/reference.md#states) -------------------------------------

enum class cand_state : uint8_t {
  idle,
  resolving,
  requesting,
  awaiting_references,
  report_ready,
  awaiting_hire_decision,
  awaiting_owner_response,
  hired,
  not_hired,
  expired,
  needs_attention,
};

const char* to_string(cand_state s);
/// Parses the documented spelling ("awaiting_references", docs/reference.md#states); false
/// for anything else.
bool parse_state(std::string_view s, cand_state& out);

// -- outgoing commands -----------------------------------------------------------------

/// What an outbox entry asks a client actor to do. The target follows from the kind.
enum class command_kind : uint8_t {
  lever_resolve,            ///< read opportunity, posting and owner from Lever
  lever_note,               ///< post the report note (deduplicated by a marker)
  lever_add_links,          ///< add the report link to the contact
  platform_create_request,  ///< POST /v1/reference-requests
  platform_remind,          ///< POST /v1/reference-requests/{id}/remind
  platform_expire,          ///< POST /v1/reference-requests/{id}/expire
  platform_hiring_status,   ///< POST /v1/hiring-status
  lever_followup_check,     ///< read the opportunity: archived as hired already?
  lever_archive_hired,      ///< PUT archived with the hired reason, plus a note
  lever_outcome_note,       ///< a note recording a hire decision
  mail_followup,            ///< the owner follow-up email
  prospect_export,          ///< find or create the prospect's Lever opportunity
};

const char* to_string(command_kind k);
bool parse_command_kind(std::string_view s, command_kind& out);
/// Who a command talks to. Its retry policy and its breaker follow the target: a prospect
/// export is a Lever call made with the org's API key, like every other lever_* command.
enum class command_target : uint8_t { lever, platform, mail };
const char* to_string(command_target t);
command_target target_of(command_kind k);

enum class command_status : uint8_t { pending, dead };
const char* to_string(command_status s);

/// One failed try of a command, kept for the operator (schema v3): the console's candidate
/// page and `vouchctl candidates show` list them, so ten failures stay ten lines.
struct command_attempt {
  int64_t at = 0;           ///< ms since epoch, when the answer (or the failure) came
  int32_t http_status = 0;  ///< 0: no HTTP answer (timeout, refused, reset, DNS)
  std::string outcome;      ///< "retry", "rate_limited" or "permanent"
  std::string error;
  friend bool operator==(const command_attempt& a, const command_attempt& b) {
    return a.at == b.at && a.http_status == b.http_status && a.outcome == b.outcome &&
           a.error == b.error;
  }
};

/// How many failed tries a command keeps (the newest; older ones are counted in
/// `attempts` but their details are dropped so a record stays small).
constexpr std::size_t max_recent_attempts = 10;

/// One outbox entry. `payload` is the JSON the client needs; `idem_key` is sent on every
/// retry (as Idempotency-Key / webhook-id, or as the Lever note marker).
struct command {
  uint64_t id = 0;
  std::string org, opp;
  command_kind kind = command_kind::lever_resolve;
  std::string payload;
  std::string idem_key;
  uint32_t generation = 0;              ///< the candidate's request generation that issued it
  int32_t attempts = 0;                 ///< counted failures so far
  int64_t created_at = 0, next_at = 0;  ///< ms since epoch
  /// When the current run of failures began (ms; 0 = not failing): `retry_for` is measured
  /// from here. A success or an admin retry starts the clock afresh. (schema v2)
  int64_t failing_since = 0;
  command_status status = command_status::pending;
  std::string last_error;
  /// The last `max_recent_attempts` failed tries, oldest first. (schema v3)
  std::vector<command_attempt> recent_attempts;
};

/// Appends `a` to `c.recent_attempts`, dropping the oldest beyond `max_recent_attempts`.
void remember_attempt(command& c, command_attempt a);

// -- candidates ---------------------------------------------------------------------------

struct person {
  std::string id, name, email;
};

struct history_entry {
  uint64_t seq = 0;
  int64_t at = 0;  ///< ms since epoch
  std::string event, from, to, detail;
};

enum class timer_kind : uint8_t { reminder, expiry, followup };
const char* to_string(timer_kind k);
bool parse_timer_kind(std::string_view s, timer_kind& out);

struct timer_entry {
  timer_kind kind = timer_kind::reminder;
  int64_t due = 0;  ///< ms since epoch
  friend bool operator==(const timer_entry& a, const timer_entry& b) {
    return a.kind == b.kind && a.due == b.due;
  }
};

/// The durable state of one candidate (one Lever opportunity of one org).
struct candidate_record {
  std::string org, opp;
  cand_state state = cand_state::idle;
  std::string reason;  ///< "" or "<code>: <text>"
  bool hired = false;
  int64_t hired_at = 0;
  std::string hired_source;  ///< lever_webhook | owner_email | platform (schema v2)
  std::string request_id, report_url, template_id;
  person owner;
  std::string name, email, phone;  ///< the candidate, as read from Lever
  std::string posting_id, posting_title;
  std::vector<std::string> posting_tags;
  int64_t created_at = 0, updated_at = 0;
  int64_t last_stage_at = 0;  ///< triggeredAt of the newest stage change applied
  std::string last_stage;     ///< its stage ("" before schema v3: not known)
  uint64_t next_seq = 1;      ///< seq of the next history entry
  uint32_t generation = 0;    ///< bumped by every fresh request (trigger or resend)
  cand_state resume_state = cand_state::idle;  ///< where a retried dead letter returns to
  std::vector<timer_entry> timers;             ///< pending timers
  std::vector<uint64_t> dead_commands;         ///< dead-lettered outbox ids of this candidate
  /// A report.completed that came while its request was being created (schema v4):
  /// applied when create_request records that request id.
  std::string held_report_request, held_report_url;
};

// -- orgs and templates ---------------------------------------------------------------

/// An org's Lever connection. Secrets are AES-256-GCM sealed under the master key.
struct lever_connection {
  std::string api_key_sealed, stage_token_sealed, hired_token_sealed;
  std::vector<std::string> trigger_stage_ids;
  std::string perform_as;
  std::string hired_archive_reason_id;  ///< "" = look it up from Lever
  bool export_existing_prospects = false, auto_export_new_prospects = false;
  std::string base_url;  ///< "" = [lever].base_url
};

struct org_record {
  std::string id, name;
  int64_t created_at = 0, updated_at = 0;
  bool connected = false;
  lever_connection conn;
  uint64_t template_seq = 0;  ///< last template sequence handed out (ids and age order)
};

/// A template: the full JSON body as the admin gave it, plus the fields matching needs.
struct template_record {
  std::string id;
  uint64_t created_seq = 0;
  std::string name, ats_tag;
  int64_t priority = 0;
  bool is_default = false;
  std::string body_json;  ///< the whole template, with "id"
};

// -- prospects and exports ------------------------------------------------------------

enum class prospect_status : uint8_t {
  stored,          ///< kept; not exported (yet)
  queued,          ///< an export command is in the outbox
  exported,        ///< we created its Lever opportunity
  linked,          ///< Lever already had an opportunity with its email
  failed,          ///< the export was dead-lettered (see reason)
  not_exportable,  ///< cannot be exported (see reason), e.g. no email
};
const char* to_string(prospect_status s);

struct prospect_record {
  std::string org, id, name, headline;
  std::vector<std::string> emails, phones;
  prospect_status status = prospect_status::stored;
  std::string lever_opportunity_id, reason;
  int64_t created_at = 0, updated_at = 0;
};

enum class export_state : uint8_t { running, done, failed, cancelled };
const char* to_string(export_state s);

struct export_record {
  std::string id, org;
  export_state state = export_state::running;
  uint64_t total = 0, done = 0, failed = 0, skipped = 0;
  int64_t created_at = 0, updated_at = 0;
  std::vector<std::string> failures;  ///< "<prospect id>: <reason>", at most 100 kept
};

// -- catch-up ---------------------------------------------------------------------------

/// One org's catch-up bookkeeping (docs/reference.md#missed-webhook-catch-up). The cursor
/// starts when the connection is first saved and moves only after a pass completed, so a
/// failed pass loses nothing.
struct reconcile_record {
  std::string org;
  int64_t started_at = 0;    ///< when the connection was first saved: older changes are ignored
  int64_t cursor = 0;        ///< changes from here on (minus the overlap) are asked for
  int64_t last_pass_at = 0;  ///< when the last pass ended, ok or not (0 = never)
  bool last_pass_ok = false;
  std::string last_error;     ///< why the last pass failed ("" when ok)
  uint64_t found_total = 0;   ///< changes handed to candidates by all passes
  uint64_t last_found = 0;    ///< by the last completed pass
  int64_t last_found_at = 0;  ///< when a pass last found a change (0 = never)
  int64_t last_duration_ms = 0;
};

}  // namespace vouch::core
