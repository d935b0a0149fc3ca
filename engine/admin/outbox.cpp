// The outbox: pending and dead commands, single and bulk retry.
#include "engine/admin/impl.hpp"

namespace vouch::engine {

using namespace admin;

namespace {

constexpr const char* command_kind_rule =
    "expected a command kind such as \"platform.create_request\"";

/// Which commands a listing or a bulk retry takes: every given filter must match.
struct command_filter {
  std::optional<core::command_status> status;
  std::optional<std::string> org;
  std::optional<core::command_kind> kind;
  bool matches(const core::command& c) const {
    return (!status || c.status == *status) && (!org || c.org == *org) &&
           (!kind || c.kind == *kind);
  }
};

}  // namespace

// -- outbox --------------------------------------------------------------------------------------

void admin_api::impl::list_outbox(const call& c, const answer& a) {
  const auto paging = parse_paging(c.query);
  if (!paging) return a.invalid(paging.error());
  const page_request& page = *paging;
  command_filter want;
  if (auto it = c.query.find("status"); it != c.query.end() && !it->second.empty()) {
    if (it->second == "pending")
      want.status = core::command_status::pending;
    else if (it->second == "dead")
      want.status = core::command_status::dead;
    else
      return a.invalid(bad("status", "expected pending or dead"));
  }
  if (auto it = c.query.find("org"); it != c.query.end() && !it->second.empty()) {
    if (!core::valid_org_id(it->second)) return a.invalid(bad("org", org_id_rule));
    want.org = it->second;
  }
  if (auto it = c.query.find("kind"); it != c.query.end() && !it->second.empty()) {
    core::command_kind k{};
    if (!core::parse_command_kind(it->second, k)) return a.invalid(bad("kind", command_kind_rule));
    want.kind = k;
  }
  auto all = storage::list_commands(*ctx.db);  // id order
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const core::command& x) { return !want.matches(x); }),
            all.end());
  a.json_body(200,
              page_of(
                  all, page, [](const core::command& x) { return fixed20(x.id); }, render_command));
}

void admin_api::impl::retry_command(const std::string& id_text, const answer& a) {
  uint64_t id = 0;
  if (!parse_u64(id_text, id)) return a.not_found("no outbox command " + id_text);
  auto cmd = storage::load_command(*ctx.db, id);
  if (!cmd) return a.not_found("no outbox command " + id_text);
  if (cmd->status != core::command_status::dead)
    return a.error(409, "conflict",
                   "command " + id_text + " is " + core::to_string(cmd->status) + ", not dead");
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  ctx.port->requeue(id, [a, id_text](bool ok, const std::string& err) {
    if (ok) return a.json_body(202, {{"accepted", true}});
    a.error(409, "conflict", "command " + id_text + " was not requeued: " + err);
  });
}

void admin_api::impl::retry_many(const call& c, const answer& a) {
  const auto body = parse_body_object(c.body);
  if (!body) return a.invalid(body.error());
  const object_reader r(*body, "", {"org", "kind", "ids"});
  command_filter want;
  want.status = core::command_status::dead;
  std::optional<std::set<uint64_t>> ids;
  if (r.find("org")) {
    want.org = r.str("org");
    if (!core::valid_org_id(*want.org)) r.fail("org", org_id_rule);
  }
  if (r.find("kind")) {
    core::command_kind k{};
    if (!core::parse_command_kind(r.str("kind"), k)) r.fail("kind", command_kind_rule);
    want.kind = k;
  }
  if (const json* v = r.find("ids")) {
    if (!v->is_array()) r.fail("ids", "expected an array of command ids");
    ids.emplace();
    for (std::size_t i = 0; v->is_array() && i < v->size(); ++i) {
      const json& id = (*v)[i];
      if (!id.is_number_unsigned() || id.get<uint64_t>() == 0)
        r.fail("ids[" + std::to_string(i) + "]", "expected a positive integer");
      else
        ids->insert(id.get<uint64_t>());
    }
  }
  if (auto st = r.status(); !st.ok()) return a.invalid(st.error());
  std::vector<uint64_t> picked;
  for (const auto& cmd : storage::list_commands(*ctx.db)) {
    if (!want.matches(cmd)) continue;
    if (ids && !ids->count(cmd.id)) continue;
    picked.push_back(cmd.id);
  }
  if (picked.empty()) return a.json_body(200, {{"retried", 0}, {"failed", json::array()}});
  if (!ctx.port) return a.error(503, "unavailable", "the engine is not running");
  // Each one as a single retry: its candidate decides, and leaves needs_attention when the
  // command then succeeds. The answer waits for every candidate's decision.
  struct tally {
    std::mutex mu;
    std::size_t left = 0;
    uint64_t retried = 0;
    json failed = json::array();
  };
  auto t = std::make_shared<tally>();
  t->left = picked.size();
  for (auto id : picked) {
    ctx.port->requeue(id, [t, a, id](bool ok, const std::string& err) {
      std::lock_guard<std::mutex> g(t->mu);
      if (ok)
        ++t->retried;
      else
        t->failed.push_back({{"id", id}, {"error", err}});
      if (--t->left == 0)
        a.json_body(200, {{"retried", t->retried}, {"failed", std::move(t->failed)}});
    });
  }
}

}  // namespace vouch::engine
