// Candidates: pages from the change index, the full record, resend and retry.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

// -- candidates --------------------------------------------------------------------------------

void admin_api::impl::list_candidates(const std::string& org, const call& c, const answer& a) {
  const auto paging = parse_paging(c.query);
  if (!paging) return a.invalid(paging.error());
  const page_request& page = *paging;
  std::optional<core::cand_state> want;
  if (auto it = c.query.find("state"); it != c.query.end() && !it->second.empty()) {
    core::cand_state s;
    if (!core::parse_state(it->second, s))
      return a.invalid(bad("state", "unknown state \"" + it->second + "\""));
    want = s;
  }
  // One page from the by_change index (newest change first), reading only the records
  // shown: a page costs the same at 100 candidates as at 10 million.
  const std::string prefix = org + std::string(1, '\0');
  if (page.after && page.after->compare(0, prefix.size(), prefix) != 0)
    return a.invalid(bad("cursor", "not a cursor from this list"));
  std::vector<std::string> keys;
  bool more = false;
  ctx.db->scan(
      storage::table::by_change, prefix, page.after ? *page.after : std::string{},
      [&](std::string_view k, std::string_view v) {
        if (page.after && k == *page.after) return true;
        if (want && (v.size() != 1 || static_cast<uint8_t>(v[0]) != static_cast<uint8_t>(*want)))
          return true;
        if (keys.size() == page.limit) {
          more = true;
          return false;
        }
        keys.emplace_back(k);
        return true;
      });
  json items = json::array();
  for (const auto& k : keys) {
    auto loaded = storage::read_candidate(*ctx.db, org, storage::opp_of_change_key(k));
    if (loaded.status == storage::read_status::failed)
      return a.error(503, "unavailable", loaded.error);
    if (loaded.status == storage::read_status::found)
      items.push_back(render_candidate(loaded.rec, false));
  }
  a.json_body(
      200, {{"items", std::move(items)},
            {"next_cursor",
             more && !keys.empty() ? json(core::base64url_encode(keys.back())) : json(nullptr)}});
}

void admin_api::impl::get_candidate(const std::string& org, const std::string& opp,
                                    const answer& a) {
  auto loaded = storage::read_candidate(*ctx.db, org, opp);
  if (loaded.status == storage::read_status::failed)
    return a.error(503, "unavailable", loaded.error);
  if (loaded.status == storage::read_status::not_found)
    return a.not_found("no candidate " + opp + " in org " + org);
  const core::candidate_record* rec = &loaded.rec;
  auto history = storage::load_history(*ctx.db, org, opp);
  std::vector<core::command> mine;
  for (auto& cmd : storage::list_commands(*ctx.db))
    if (cmd.org == org && cmd.opp == opp) mine.push_back(std::move(cmd));
  json body = render_candidate(*rec, true, history, mine);
  // Where the actor stands right now, and what happens next.
  json actor = ctx.port ? json::parse(ctx.port->candidate_json(org, opp), nullptr, false)
                        : json{{"resident", false}};
  body["actor"] = actor.is_discarded() ? json{{"resident", false}} : actor;
  json next = nullptr;
  for (const auto& t : rec->timers)
    if (next.is_null() || t.due < next["due"].get<int64_t>())
      next = {{"kind", core::to_string(t.kind)}, {"due", t.due}};
  body["next_timer"] = next;
  a.json_body(200, body);
}

void admin_api::impl::candidate_action(const std::string& org, const std::string& opp, bool resend,
                                       const answer& a) {
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  actors::candidate_input in;
  in.org = org;
  in.opp = opp;
  if (resend)
    in.event = core::machine_event(now_ms(), core::events::admin_resend{});
  else
    in.event = core::machine_event(now_ms(), core::events::admin_retry{});
  in.create_if_missing = false;
  auto self = shared_from_this();
  in.done = [self, org, opp, resend, a](actors::delivery_outcome o) {
    using actors::delivery_outcome;
    switch (o) {
      case delivery_outcome::accepted:
      case delivery_outcome::duplicate:
        return a.json_body(202, {{"accepted", true}});
      case delivery_outcome::ignored: {
        // Nothing dead to retry, but a working candidate may wait on a pending command (in
        // backoff, or stranded by a failure): send it now.
        auto refuse = [self, org, opp, resend, a] {
          auto rec = storage::load_candidate(*self->ctx.db, org, opp);
          const std::string state = rec ? core::to_string(rec->state) : "unknown";
          a.error(
              409, "conflict",
              std::string("nothing to ") + (resend ? "resend" : "retry") + " in state " + state);
        };
        if (resend || !self->ctx.port) return refuse();
        return self->ctx.port->expedite(org, opp, [a, refuse](uint64_t n) {
          if (n == 0) return refuse();
          a.json_body(202, {{"accepted", true}, {"expedited", n}});
        });
      }
      case delivery_outcome::unknown:
        return a.not_found("no candidate " + opp + " in org " + org);
      case delivery_outcome::unavailable:
      case delivery_outcome::forged:  // admin inputs carry no delivery key
        return a.error(503, "unavailable", "the engine cannot take the request now");
    }
  };
  ctx.port->deliver(std::move(in));
}

}  // namespace vouch::engine
