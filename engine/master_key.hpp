// The 32-byte key that seals secrets at rest: from [security].master_key (64 hex chars),
// or generated once into <storage.path>/master.key with mode 0600.
#pragma once

#include <string>

namespace vouch::engine {

/// Returns the raw key, or "" with `err` set.
std::string load_master_key(const std::string& configured_hex, const std::string& storage_dir,
                            bool create, std::string& err);

}  // namespace vouch::engine
