// Webhook signatures: Lever's (inbound) and Standard Webhooks' (platform, both
// directions; docs/reference.md#lever-webhooks and #platform-signatures). Pure
// functions: the caller supplies the clock, so tests need no sleeping and no mocking.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::core {

// -- Lever -------------------------------------------------------------------

/// Lowercase hex HMAC-SHA256 with key `signature_token` over `token` followed
/// directly by the decimal digits of `triggered_at` (ms; never via double).
std::string lever_signature(std::string_view signature_token, std::string_view token,
                            int64_t triggered_at);

/// Constant-time comparison of `signature` with lever_signature(...). Uppercase
/// hex is refused: Lever sends lowercase, and accepting both buys nothing.
bool lever_signature_valid(std::string_view signature_token, std::string_view token,
                           int64_t triggered_at, std::string_view signature);

// -- Standard Webhooks (platform) ---------------------------------------------

/// Turns the configured `platform.secret` into the HMAC key.
/// "whsec_<base64>" -> the base64-decoded bytes; false with `err` set if the
/// base64 is invalid or decodes to nothing. A secret WITHOUT the prefix is used
/// as raw bytes, as the reference libraries do, so a platform that shares a
/// plain string secret still interoperates. An empty secret is an error.
bool platform_key_from_secret(std::string_view secret, std::string& key, std::string& err);

/// "v1,<base64 HMAC-SHA256(key, msg_id + "." + timestamp_s + "." + body)>".
std::string platform_signature(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                               std::string_view body);

/// Outcome of platform_verify. Every value except `ok` means: answer 401
/// `bad_signature` and do not process the request; the distinction is only for
/// logs and metrics.
enum class platform_verdict {
  ok,              ///< Signature matched within the time tolerance: process the request.
  missing_header,  ///< webhook-id, webhook-timestamp or webhook-signature empty/absent.
  bad_timestamp,   ///< webhook-timestamp is not plain decimal seconds.
  stale,           ///< Timestamp further than the tolerance from now (either direction).
  bad_signature,   ///< No "v1," entry matched.
};

/// Checks the three Standard Webhooks headers. `signature_header` may hold
/// several space-separated entries ("v1,abc v1,def"); any v1 match counts and
/// entries of other versions are ignored. Each candidate is compared in
/// constant time.
platform_verdict platform_verify(std::string_view key, std::string_view msg_id,
                                 std::string_view timestamp_header,
                                 std::string_view signature_header, std::string_view body,
                                 int64_t now_s, int64_t tolerance_s = 300);

/// Stable snake_case name of the verdict, for logs and metrics labels.
const char* to_string(platform_verdict v);

}  // namespace vouch::core
