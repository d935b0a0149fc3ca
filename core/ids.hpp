// Identifier rules shared by the admin API, storage keys and URLs.
#pragma once

#include <string>
#include <string_view>

namespace vouch::core {

/// 1-64 characters of [a-z0-9_-]. Org ids appear in URLs and storage keys, so
/// they are kept to characters that need no escaping anywhere.
bool valid_org_id(std::string_view id);

/// Ids that come from outside (Lever opportunity ids, prospect, request and event ids): at
/// most this many bytes. Every storage key built from them stays far below LMDB's 511-byte
/// limit (org 64 + two ids of 128 + separators and fixed parts < 350).
inline constexpr std::size_t max_external_id = 128;

/// What is wrong with an id from outside, or nullptr when it is fine: 1-128 bytes and no
/// control character (NUL, CR, LF, tab, DEL...). Keys use NUL between their parts, so an
/// id with a NUL could write into another record's key range; the length bound keeps every
/// key within LMDB's limit. Callers answer 400 naming the field with this text.
const char* external_id_problem(std::string_view id);
inline bool valid_external_id(std::string_view id) {
  return external_id_problem(id) == nullptr;
}

/// Lowercases A-Z only; other bytes (including UTF-8) pass through unchanged,
/// so the result does not depend on the process locale.
std::string to_lower_ascii(std::string_view s);

}  // namespace vouch::core
