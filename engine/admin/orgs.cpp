// Orgs: list, show, create or rename; the webhook URLs to paste into Lever.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

// -- orgs --------------------------------------------------------------------------------------

void admin_api::impl::list_orgs(const call& c, const answer& a) {
  const auto paging = parse_paging(c.query);
  if (!paging) return a.invalid(paging.error());
  const page_request& page = *paging;
  auto orgs = storage::list_orgs(*ctx.db);  // key order: by id
  a.json_body(200, page_of(
                       orgs, page, [](const core::org_record& o) { return o.id; },
                       [](const core::org_record& o) {
                         return json{{"id", o.id}, {"name", o.name}};
                       }));
}

void admin_api::impl::get_org(const std::string& org, const answer& a) {
  auto rec = core::valid_org_id(org) ? storage::load_org(*ctx.db, org) : std::nullopt;
  if (!rec) return a.not_found("no org " + org);
  a.json_body(200, render_org(*rec));
}

void admin_api::impl::put_org(const std::string& org, const call& c, const answer& a) {
  if (!core::valid_org_id(org)) return a.invalid(bad("org", org_id_rule));
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  object_reader r(*body, "", {"name"});
  const std::string name = r.nonempty_str("name");
  if (auto st = r.status(); !st.ok()) return a.invalid(st.error());
  exclusive(
      [this, org, name, a](slot_ptr slot) {
        auto cur = storage::load_org(*ctx.db, org);
        core::org_record rec;
        if (cur) rec = *cur;
        const auto now = now_ms();
        if (!cur) {
          rec.id = org;
          rec.created_at = now;
        }
        rec.name = name;
        rec.updated_at = now;
        storage::write_set ws;
        storage::put_org(ws, rec);
        commit(std::move(ws), org, a, slot, cur ? 200 : 201, render_org(rec));
      },
      a);
}

void admin_api::impl::webhook_urls(const std::string& org, const answer& a) {
  const std::string base = strip_trailing_slashes(ctx.cfg.server.public_url);
  const std::string prefix = base + "/webhooks/lever/" + org;
  a.json_body(200, {{"stage_change", prefix + "/stage-change"}, {"hired", prefix + "/hired"}});
}

}  // namespace vouch::engine
