// An in-memory view of every org with its Lever secrets decrypted and its templates, read
// on the hot path (signature checks, template choice) without touching LMDB. Admin writes
// commit to LMDB first and then call reload(), so the view never runs ahead of storage.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/records.hpp"
#include "core/template_match.hpp"
#include "storage/database.hpp"

namespace vouch::actors {

struct org_view {
  core::org_record rec;
  std::string api_key, stage_token, hired_token;  ///< decrypted; "" when unset
  std::string lever_base_url;                     ///< connection's, else [lever].base_url
  std::vector<core::template_record> templates;
  std::vector<core::template_ref> template_refs() const;
  const core::template_record* find_template(const std::string& id) const;
};

/// Seals and opens connection secrets under the 32-byte master key. The AAD binds a
/// secret to its org and field, so a sealed value cannot be moved to another org.
std::string seal_secret(const std::string& master_key, const std::string& org,
                        const std::string& field, const std::string& plain);
std::string open_secret(const std::string& master_key, const std::string& org,
                        const std::string& field, const std::string& sealed);

class org_directory {
 public:
  org_directory(const storage::database& db, std::string master_key, std::string default_lever_url);
  std::shared_ptr<const org_view> find(const std::string& org) const;
  /// Re-reads one org (or forgets it when gone) after a committed admin change.
  void reload(const std::string& org);
  void load_all();
  std::vector<std::string> ids() const;

 private:
  std::shared_ptr<const org_view> read(const std::string& org) const;
  const storage::database& db_;
  std::string master_key_, default_lever_url_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const org_view>> orgs_;
};

}  // namespace vouch::actors
