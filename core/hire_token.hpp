// The opaque token in the owner's hire-confirmation links
// (docs/reference.md#hire-confirmation-links): it names org and opportunity and an expiry,
// and is signed with HMAC-SHA256 under a key derived from the master key, so a changed byte
// anywhere is refused without touching storage.
//   token = base64url(org \0 opp \0 decimal(expires_ms)) "." base64url(mac)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::core {

enum class hire_token_verdict {
  ok,        ///< genuine and not expired: act on it
  tampered,  ///< malformed or the MAC does not match: answer 400, change nothing
  expired,   ///< genuine but past its expiry: answer 410, change nothing
};

/// The signing key for hire tokens, derived from the master key (keeps the master key out
/// of every other use).
std::string hire_token_key(std::string_view master_key);

std::string make_hire_token(std::string_view key, std::string_view org, std::string_view opp,
                            int64_t expires_ms);

struct hire_token_claims {
  std::string org, opp;
  int64_t expires_ms = 0;
};

hire_token_verdict check_hire_token(std::string_view key, std::string_view token, int64_t now_ms,
                                    hire_token_claims& out);

}  // namespace vouch::core
