#include "actors/org_directory.hpp"

#include "actors/engine_context.hpp"
#include "core/crypto.hpp"
#include "storage/repository.hpp"

namespace vouch::actors {

std::vector<core::template_ref> org_view::template_refs() const {
  std::vector<core::template_ref> out;
  for (const auto& t : templates)
    out.push_back({t.id, t.ats_tag, t.priority, t.is_default, t.created_seq});
  return out;
}

const core::template_record* org_view::find_template(const std::string& id) const {
  for (const auto& t : templates)
    if (t.id == id) return &t;
  return nullptr;
}

std::string seal_secret(const std::string& master_key, const std::string& org,
                        const std::string& field, const std::string& plain) {
  if (plain.empty()) return {};
  return core::aes_gcm_seal(master_key, plain, org + "/" + field);
}

std::string open_secret(const std::string& master_key, const std::string& org,
                        const std::string& field, const std::string& sealed) {
  if (sealed.empty()) return {};
  auto plain = core::aes_gcm_open(master_key, sealed, org + "/" + field);
  return plain ? *plain : std::string{};
}

org_directory::org_directory(const storage::database& db, std::string master_key,
                             std::string default_lever_url)
    : db_(db),
      master_key_(std::move(master_key)),
      default_lever_url_(std::move(default_lever_url)) {}

std::shared_ptr<const org_view> org_directory::read(const std::string& org) const {
  auto rec = storage::load_org(db_, org);
  if (!rec) return nullptr;
  auto v = std::make_shared<org_view>();
  v->rec = *rec;
  const auto& c = rec->conn;
  v->api_key = open_secret(master_key_, org, "api_key", c.api_key_sealed);
  v->stage_token = open_secret(master_key_, org, "stage_token", c.stage_token_sealed);
  v->hired_token = open_secret(master_key_, org, "hired_token", c.hired_token_sealed);
  v->lever_base_url = c.base_url.empty() ? default_lever_url_ : c.base_url;
  v->templates = storage::list_templates(db_, org);
  return v;
}

std::shared_ptr<const org_view> org_directory::find(const std::string& org) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = orgs_.find(org);
  return it == orgs_.end() ? nullptr : it->second;
}

void org_directory::reload(const std::string& org) {
  auto v = read(org);
  std::lock_guard<std::mutex> g(mu_);
  if (v)
    orgs_[org] = std::move(v);
  else
    orgs_.erase(org);
}

void org_directory::load_all() {
  for (const auto& o : storage::list_orgs(db_)) reload(o.id);
}

std::vector<std::string> org_directory::ids() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : orgs_) out.push_back(k);
  return out;
}

void load_engine_state(engine_context& ctx) {
  ctx.orgs = std::make_unique<org_directory>(*ctx.db, ctx.master_key, ctx.cfg.lever.base_url);
  ctx.orgs->load_all();
  ctx.next_command_id = storage::max_command_id(*ctx.db) + 1;
}

}  // namespace vouch::actors
