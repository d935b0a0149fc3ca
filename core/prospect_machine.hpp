// The rules of one prospect's export, as a pure function in the shape of the candidate
// machine: apply(current record, event) -> what the record becomes and what to do. Every
// path that changes a prospect (intake of prospect.created, a bulk export picking it, the
// export's result, a cancelled export) goes through here, so a stale or late event can never
// move a prospect backwards (an exported prospect never returns to "queued").
//
//   intake ─▶ stored ──(bulk export)──▶ queued ──(done)──▶ exported | linked
//        └─▶ not_exportable (no email)     │   └──(dead)──▶ failed ──(bulk export)──▶ queued
//        └─▶ queued (auto export)          └──(cancelled)─▶ stored
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/records.hpp"

namespace vouch::core {

enum class prospect_event_kind : uint8_t {
  intake,          ///< prospect.created from the platform (`incoming` holds the person)
  export_picked,   ///< a bulk export wants it (`export_id`)
  export_done,     ///< its export succeeded (`lever_opportunity_id`, `linked`)
  export_failed,   ///< its export was dead-lettered (`error`)
  export_dropped,  ///< its export's job was cancelled before it went out
};
const char* to_string(prospect_event_kind k);

struct prospect_event {
  prospect_event_kind kind = prospect_event_kind::intake;
  int64_t now = 0;
  prospect_record incoming;  ///< intake
  bool auto_export = false;  ///< intake: the org exports new prospects automatically
  std::string export_id;     ///< export_picked
  std::string lever_opportunity_id;
  bool linked = false;  ///< export_done: Lever had it already (a skip)
  std::string error;    ///< export_failed
};

struct prospect_transition {
  prospect_record next;
  bool changed = false;       ///< write `next`
  bool queue_export = false;  ///< make an export command for `next` (with `export_id`)
  bool ignored = false;       ///< the event does not apply in this state (nothing to write)
  std::string why;            ///< for the log: what happened or why it was ignored
};

/// `current`: the stored record, or nullopt when there is none.
prospect_transition apply(const std::optional<prospect_record>& current, const prospect_event& ev);

}  // namespace vouch::core
