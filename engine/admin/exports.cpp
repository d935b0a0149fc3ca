// Bulk prospect exports: start, progress, cancel, list.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

void admin_api::impl::start_export(const std::string& org, const answer& a) {
  auto view = ctx.orgs ? ctx.orgs->find(org) : nullptr;
  if (!view) return a.not_found("no org " + org);
  if (!view->rec.connected || view->api_key.empty())
    return a.error(409, "not_connected", "org " + org + " has no Lever connection to export to");
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  // The prospect owner picks the prospects and commits the job with their commands.
  ctx.port->start_export(org, [a](bool ok, const std::string& id_or_error) {
    if (!ok) return a.error(503, "unavailable", "the export did not start: " + id_or_error);
    a.json_body(202, {{"id", id_or_error}});
  });
}

void admin_api::impl::get_export(const std::string& id, const answer& a) {
  auto job = storage::load_export(*ctx.db, id);
  if (!job) return a.not_found("no export " + id);
  a.json_body(200, render_export(*job));
}

void admin_api::impl::cancel_export(const std::string& id, const answer& a) {
  auto job = storage::load_export(*ctx.db, id);
  if (!job) return a.not_found("no export " + id);
  if (job->state != core::export_state::running)
    return a.error(409, "conflict",
                   "export " + id + " is " + core::to_string(job->state) + ", not running");
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  auto self = shared_from_this();
  ctx.port->cancel_export(id, [self, id, a](bool ok, const std::string& err) {
    if (ok) return a.json_body(202, {{"accepted", true}});
    if (!storage::load_export(*self->ctx.db, id)) return a.not_found("no export " + id);
    a.error(409, "conflict", "export " + id + " was not cancelled: " + err);
  });
}

void admin_api::impl::list_exports(const std::string& org, const call& c, const answer& a) {
  const auto paging = parse_paging(c.query);
  if (!paging) return a.invalid(paging.error());
  const page_request& page = *paging;
  auto all = storage::list_exports(*ctx.db);
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const core::export_record& e) { return e.org != org; }),
            all.end());
  // Newest first, like the candidate list.
  auto key = [](const core::export_record& e) {
    const auto inv = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                     static_cast<uint64_t>(std::max<int64_t>(e.created_at, 0));
    return fixed20(inv) + '\0' + e.id;
  };
  std::sort(all.begin(), all.end(), [&](const auto& x, const auto& y) { return key(x) < key(y); });
  a.json_body(200, page_of(all, page, key, render_export));
}

}  // namespace vouch::engine
