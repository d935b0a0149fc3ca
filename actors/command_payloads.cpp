#include "actors/command_payloads.hpp"

#include <nlohmann/json.hpp>

namespace vouch::actors {

using core::command_kind;
using nlohmann::json;

std::string build_payload(const core::command_spec& spec, const core::candidate_record& c,
                          const org_view& org) {
  json p = json::object();
  switch (spec.kind) {
    case command_kind::platform_create_request: {
      json tpl = json::object();
      if (const auto* t = org.find_template(c.template_id))
        tpl = json::parse(t->body_json, nullptr, false);
      if (tpl.is_discarded()) tpl = json::object();
      p = {
          {"org", c.org},
          {"opportunity_id", c.opp},
          {"candidate", {{"name", c.name}, {"email", c.email}, {"phone", c.phone}}},
          {"posting", {{"id", c.posting_id}, {"title", c.posting_title}, {"tags", c.posting_tags}}},
          {"template", tpl},
          {"owner", {{"id", c.owner.id}, {"name", c.owner.name}, {"email", c.owner.email}}}};
      break;
    }
    case command_kind::platform_remind:
    case command_kind::platform_expire:
      p = {{"request_id", c.request_id}};
      break;
    case command_kind::platform_hiring_status:
      p = {{"org", c.org},
           {"opportunity_id", c.opp},
           {"request_id", c.request_id},
           {"hired", spec.flag},
           {"source", spec.arg}};
      break;
    case command_kind::lever_note:
      p = {{"text", "Reference report ready: " + c.report_url}};
      break;
    case command_kind::lever_add_links:
      p = {{"links", json::array({c.report_url})}};
      break;
    case command_kind::lever_archive_hired:
      p = {{"reason_id", org.rec.conn.hired_archive_reason_id},
           {"text", "Marked hired by vouch (" + spec.arg + ")."}};
      break;
    case command_kind::lever_outcome_note:
      p = {{"text", "Hire decision recorded by vouch: " + spec.arg + "."}};
      break;
    case command_kind::lever_resolve:
    case command_kind::lever_followup_check:
    case command_kind::prospect_export:  // built by the prospect intake, not a candidate
      break;
    case command_kind::mail_followup:
      p = {{"to", c.owner.email},
           {"owner_name", c.owner.name},
           {"candidate", c.name},
           {"posting", c.posting_title},
           {"report_url", c.report_url}};
      break;
  }
  return p.dump();
}

}  // namespace vouch::actors
