#include "core/prospect_machine.hpp"

namespace vouch::core {

const char* to_string(prospect_event_kind k) {
  switch (k) {
    case prospect_event_kind::intake:
      return "intake";
    case prospect_event_kind::export_picked:
      return "export_picked";
    case prospect_event_kind::export_done:
      return "export_done";
    case prospect_event_kind::export_failed:
      return "export_failed";
    case prospect_event_kind::export_dropped:
      return "export_dropped";
  }
  return "intake";
}

namespace {

prospect_transition ignore(const prospect_record& p, std::string why) {
  prospect_transition t;
  t.next = p;
  t.ignored = true;
  t.why = std::move(why);
  return t;
}

prospect_transition intake(const std::optional<prospect_record>& current,
                           const prospect_event& ev) {
  prospect_transition t;
  t.changed = true;
  if (current) {
    // Known: refresh the person for a later export; the export state stays.
    t.next = *current;
    t.next.name = ev.incoming.name;
    t.next.headline = ev.incoming.headline;
    t.next.emails = ev.incoming.emails;
    t.next.phones = ev.incoming.phones;
    t.next.updated_at = ev.now;
    if (t.next.status == prospect_status::not_exportable && !t.next.emails.empty()) {
      t.next.status = prospect_status::stored;
      t.next.reason.clear();
    }
    t.why = "updated";
    return t;
  }
  t.next = ev.incoming;
  t.next.created_at = t.next.updated_at = ev.now;
  t.next.lever_opportunity_id.clear();
  t.next.reason.clear();
  if (t.next.emails.empty()) {
    t.next.status = prospect_status::not_exportable;
    t.next.reason = "no email address: Lever deduplicates people by email";
    t.why = "stored, not exportable";
  } else if (ev.auto_export) {
    t.next.status = prospect_status::queued;
    t.queue_export = true;
    t.why = "stored and queued (auto export)";
  } else {
    t.next.status = prospect_status::stored;
    t.why = "stored";
  }
  return t;
}

}  // namespace

prospect_transition apply(const std::optional<prospect_record>& current, const prospect_event& ev) {
  if (ev.kind == prospect_event_kind::intake) return intake(current, ev);
  if (!current) {
    prospect_record none;
    none.org = ev.incoming.org;
    none.id = ev.incoming.id;
    return ignore(none, std::string(to_string(ev.kind)) + " for an unknown prospect");
  }
  const auto& p = *current;
  prospect_transition t;
  t.next = p;
  t.next.updated_at = ev.now;
  t.changed = true;
  switch (ev.kind) {
    case prospect_event_kind::intake:
      break;  // handled above
    case prospect_event_kind::export_picked:
      if (p.status != prospect_status::stored && p.status != prospect_status::failed)
        return ignore(p, std::string("not picked: ") + to_string(p.status));
      t.next.status = prospect_status::queued;
      t.next.reason.clear();
      t.queue_export = true;
      t.why = "queued by export " + ev.export_id;
      return t;
    case prospect_event_kind::export_done:
      if (p.status != prospect_status::queued)
        return ignore(p, std::string("late export result in state ") + to_string(p.status));
      t.next.status = ev.linked ? prospect_status::linked : prospect_status::exported;
      t.next.lever_opportunity_id = ev.lever_opportunity_id;
      t.next.reason.clear();
      t.why = ev.linked ? "linked to an existing opportunity" : "exported";
      return t;
    case prospect_event_kind::export_failed:
      if (p.status != prospect_status::queued)
        return ignore(p, std::string("late export failure in state ") + to_string(p.status));
      t.next.status = prospect_status::failed;
      t.next.reason = ev.error;
      t.why = "export failed";
      return t;
    case prospect_event_kind::export_dropped:
      if (p.status != prospect_status::queued)
        return ignore(p, std::string("nothing to drop in state ") + to_string(p.status));
      t.next.status = prospect_status::stored;
      t.why = "export cancelled; stored for a later export";
      return t;
  }
  return ignore(p, "unknown event");
}

}  // namespace vouch::core
