#include "tools/lever-sim/lever_data.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace vouch::lever_sim {

namespace {
constexpr int64_t seed_time_ms = 1700000000000;
}

json* table::find(const std::string& id) {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

const json* table::find(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

void table::put(json row) {
  std::string id = row.at("id").get<std::string>();
  auto it = index_.find(id);
  if (it != index_.end()) {
    rows_[it->second] = std::move(row);
    return;
  }
  index_.emplace(id, rows_.size());
  rows_.push_back(std::move(row));
}

lever_data::lever_data() {
  seed();
}

void lever_data::seed() {
  for (auto& [id, text] :
       std::vector<std::pair<const char*, const char*>>{{"stage-new", "New applicant"},
                                                        {"stage-phone", "Phone screen"},
                                                        {"stage-refcheck", "Reference check"},
                                                        {"stage-offer", "Offer"}}) {
    stages.put({{"id", id}, {"text", text}});
  }
  // An inactive hired-type reason first: the engine must skip inactive ones.
  archive_reasons.put(
      {{"id", "ar-hired-old"}, {"text", "Hired (old)"}, {"status", "inactive"}, {"type", "hired"}});
  archive_reasons.put(
      {{"id", "ar-notfit"}, {"text", "Not a fit"}, {"status", "active"}, {"type", "non-hired"}});
  archive_reasons.put(
      {{"id", hired_reason_id}, {"text", "Hired"}, {"status", "active"}, {"type", "hired"}});

  for (auto& [id, name, mail] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"user-owner-1", "Olivia Owner", "olivia.owner@acme.example"},
           {"user-owner-2", "Oscar Owner", "oscar.owner@acme.example"},
           {"user-recruiter", "Rita Recruiter", "rita@acme.example"}}) {
    users.put({{"id", id},
               {"name", name},
               {"username", id},
               {"email", mail},
               {"createdAt", seed_time_ms},
               {"deactivatedAt", nullptr},
               {"accessRole", "admin"},
               {"photo", nullptr},
               {"externalDirectoryId", nullptr},
               {"linkedContactIds", json::array()},
               {"jobTitle", "Recruiter"},
               {"managerId", nullptr}});
  }

  add_posting("post-eng", "Senior Engineer", {"Engineering", "Backend"}, false);
  add_posting("post-lead", "Engineering Manager", {"Engineering", "LEADERSHIP"}, false);
  add_posting("post-sales", "Account Executive", {"Sales"}, false);
  add_posting("post-ops", "Office Manager", {"Operations"}, false);
  add_posting("post-secret", "Chief of Staff", {"Engineering"}, true);

  add_opportunity("opp-1", "Grace Hopper", "grace@example.com", "post-eng");
  add_opportunity("opp-2", "Alan Turing", "alan@example.com", "post-ops");
  add_opportunity("opp-3", "Barbara Liskov", "barbara@example.com", "post-lead", "user-owner-2");
  add_opportunity("opp-4", "Edsger Dijkstra", "edsger@example.com", "post-sales");
  add_opportunity("opp-5", "Frances Allen", "frances@example.com", "post-eng");
  add_opportunity("opp-secret", "Hidden Person", "hidden@example.com", "post-secret");
}

void lever_data::add_key(const std::string& key, bool confidential) {
  keys_[key] = api_key{confidential};
}

const api_key* lever_data::find_key(const std::string& key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

void lever_data::add_posting(const std::string& id, const std::string& text,
                             const std::vector<std::string>& tags, bool confidential,
                             const std::string& owner) {
  postings.put({{"id", id},
                {"text", text},
                {"state", "published"},
                {"confidentiality", confidential ? "confidential" : "non-confidential"},
                {"user", owner},
                {"owner", owner},
                {"hiringManager", owner},
                {"tags", tags},
                {"categories",
                 {{"team", "Platform"},
                  {"department", "Engineering"},
                  {"location", "Remote"},
                  {"commitment", "Full-time"}}},
                {"distributionChannels", json::array({"public"})},
                {"followers", json::array()},
                {"createdAt", seed_time_ms},
                {"updatedAt", seed_time_ms},
                {"urls", {{"show", "https://jobs.example/" + id}}}});
}

json& lever_data::add_opportunity(const std::string& id, const std::string& name,
                                  const std::string& email, const std::string& posting,
                                  const std::string& owner, const std::string& phone,
                                  const std::string& contact) {
  const json* post = posting.empty() ? nullptr : postings.find(posting);
  bool conf = post && (*post)["confidentiality"] == "confidential";
  std::string app_id = "app-" + id;
  applications.put({{"id", app_id},
                    {"type", "posting"},
                    {"opportunityId", id},
                    {"candidateId", id},
                    {"posting", posting.empty() ? json(nullptr) : json(posting)},
                    {"postingOwner", owner},
                    {"postingHiringManager", owner},
                    {"user", nullptr},
                    {"name", nullptr},
                    {"email", nullptr},
                    {"phone", nullptr},
                    {"createdAt", seed_time_ms},
                    {"archived", nullptr},
                    {"requisitionForHire", nullptr}});
  json emails = json::array();
  if (!email.empty()) emails.push_back(email);
  json phones = json::array();
  if (!phone.empty()) phones.push_back({{"type", "mobile"}, {"value", phone}});
  json apps = json::array();
  if (!posting.empty()) apps.push_back(app_id);
  const std::string first_stage = "stage-phone";
  json first_change = {{"toStageId", first_stage},
                       {"toStageIndex", stage_index(first_stage)},
                       {"userId", owner},
                       {"updatedAt", seed_time_ms}};
  opportunities.put({{"id", id},
                     {"name", name},
                     {"headline", ""},
                     {"contact", contact.empty() ? "ct-" + id : contact},
                     {"emails", emails},
                     {"phones", phones},
                     {"confidentiality", conf ? "confidential" : "non-confidential"},
                     {"location", "Remote"},
                     {"links", json::array()},
                     {"createdAt", seed_time_ms},
                     {"updatedAt", seed_time_ms},
                     {"lastInteractionAt", seed_time_ms},
                     {"lastAdvancedAt", seed_time_ms},
                     {"snoozedUntil", nullptr},
                     {"archived", nullptr},
                     {"stage", first_stage},
                     {"stageChanges", json::array({first_change})},
                     {"owner", owner},
                     {"followers", json::array({owner})},
                     {"tags", post ? (*post)["tags"] : json::array()},
                     {"sources", json::array({"linkedin"})},
                     {"origin", "sourced"},
                     {"sourcedBy", owner},
                     {"applications", apps},
                     {"urls",
                      {{"list", "https://hire.lever.co/candidates"},
                       {"show", "https://hire.lever.co/candidates/" + id}}},
                     {"isAnonymized", false}});
  notes[id];  // an opportunity always has a (possibly empty) note list
  return *opportunities.find(id);
}

bool lever_data::has_stage(const std::string& id) const {
  return stages.find(id) != nullptr;
}

json lever_data::stage_index(const std::string& id) const {
  const auto& rows = stages.rows();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i]["id"] == id) return i;
  }
  return nullptr;
}

const json* lever_data::find_archive_reason(const std::string& id) const {
  return archive_reasons.find(id);
}

namespace {
// A backdated change must not make the row look older than it already is.
void touch(json& opp, int64_t at) {
  opp["updatedAt"] = std::max(opp["updatedAt"].get<int64_t>(), at);
}
}  // namespace

void lever_data::apply_move(json& opp, const std::string& stage, int64_t at, const json& user) {
  opp["stage"] = stage;
  opp["stageChanges"].push_back({{"toStageId", stage},
                                 {"toStageIndex", stage_index(stage)},
                                 {"userId", user},
                                 {"updatedAt", at}});
  opp["lastAdvancedAt"] = at;
  touch(opp, at);
}

void lever_data::apply_archive(json& opp, const json& reason, int64_t at) {
  json archived = reason.is_null() ? json(nullptr) : json{{"archivedAt", at}, {"reason", reason}};
  opp["archived"] = archived;
  // Expanded applications carry the same archive state as their opportunity.
  for (const auto& app_id : opp["applications"]) {
    if (json* app = applications.find(app_id.get<std::string>())) (*app)["archived"] = archived;
  }
  touch(opp, at);
}

void lever_data::set_initial_stage(json& opp, const std::string& stage) {
  opp["stage"] = stage;
  json& first = opp["stageChanges"][0];
  first["toStageId"] = stage;
  first["toStageIndex"] = stage_index(stage);
}

}  // namespace vouch::lever_sim
