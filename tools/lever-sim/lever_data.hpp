// The Lever account the sim serves: a fixed seed (stages, archive reasons, users,
// postings, opportunities opp-1..opp-5 and opp-secret; tools/lever-sim/README.md) and the
// tables that API calls change. Not thread-safe: lever_sim guards it with one mutex.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace vouch::lever_sim {

using json = nlohmann::json;

/// The id of the active "Hired" archive reason.
inline constexpr const char* hired_reason_id = "ar-hired";

/// Rows by "id" in insertion order: list endpoints page in that order, like Python dicts.
class table {
 public:
  json* find(const std::string& id);
  const json* find(const std::string& id) const;
  /// Inserts, or replaces the row with the same id in place.
  void put(json row);
  const std::vector<json>& rows() const { return rows_; }
  std::vector<json>& rows() { return rows_; }

 private:
  std::vector<json> rows_;
  std::unordered_map<std::string, std::size_t> index_;
};

struct api_key {
  bool confidential = false;  ///< "Allow access to confidential data" at creation
};

class lever_data {
 public:
  lever_data();  ///< loads the seed

  void add_key(const std::string& key, bool confidential);
  const api_key* find_key(const std::string& key) const;

  void add_posting(const std::string& id, const std::string& text,
                   const std::vector<std::string>& tags, bool confidential,
                   const std::string& owner = "user-owner-1");
  /// Adds an opportunity with one application on `posting` (if any), stage
  /// "stage-phone", tags inherited from the posting. Empty email/phone/contact: none /
  /// none / "ct-<id>".
  json& add_opportunity(const std::string& id, const std::string& name, const std::string& email,
                        const std::string& posting, const std::string& owner = "user-owner-1",
                        const std::string& phone = "+1 555 0100", const std::string& contact = "");

  /// Shared counter for generated ids (opp-new-N, note-N), as in the fake.
  int64_t next_id() { return next_id_++; }

  bool has_stage(const std::string& id) const;
  /// The stage's position in the pipeline, or null for an unknown stage.
  json stage_index(const std::string& id) const;
  const json* find_archive_reason(const std::string& id) const;

  /// Lever's bookkeeping of a stage move, whoever makes it (UI, API, create): `stage`,
  /// `lastAdvancedAt`, a new `stageChanges` entry and `updatedAt` follow `at`. `user` is a
  /// user id or null.
  void apply_move(json& opp, const std::string& stage, int64_t at, const json& user);
  /// Archives `opp` (and its applications) with `reason`; a null reason unarchives.
  void apply_archive(json& opp, const json& reason, int64_t at);
  /// Puts a just-added opportunity in `stage` as if it had started there.
  void set_initial_stage(json& opp, const std::string& stage);

  table stages;
  table archive_reasons;
  table users;
  table postings;
  table opportunities;
  table applications;
  std::map<std::string, std::vector<json>> notes;  ///< opportunity id -> notes

 private:
  void seed();

  std::map<std::string, api_key> keys_;
  int64_t next_id_ = 1;
};

}  // namespace vouch::lever_sim
