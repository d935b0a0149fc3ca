// Identifier rules shared by the admin API, storage keys and URLs.
#pragma once

#include <string>
#include <string_view>

namespace vouch::core {

/// 1-64 characters of [a-z0-9_-]. Org ids appear in URLs and storage keys, so
/// they are kept to characters that need no escaping anywhere.
bool valid_org_id(std::string_view id);

/// Lowercases A-Z only; other bytes (including UTF-8) pass through unchanged,
/// so the result does not depend on the process locale.
std::string to_lower_ascii(std::string_view s);

}  // namespace vouch::core
