#include "core/signatures.hpp"

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace vouch::core {

namespace {

constexpr std::string_view whsec_prefix = "whsec_";

}  // namespace

std::string lever_signature(std::string_view signature_token, std::string_view token,
                            int64_t triggered_at) {
  std::string msg(token);
  msg += std::to_string(triggered_at);
  return hex_lower(hmac_sha256(signature_token, msg));
}

bool lever_signature_valid(std::string_view signature_token, std::string_view token,
                           int64_t triggered_at, std::string_view signature) {
  return constant_time_equal(lever_signature(signature_token, token, triggered_at), signature);
}

bool platform_key_from_secret(std::string_view secret, std::string& key, std::string& err) {
  key.clear();
  err.clear();
  if (secret.empty()) {
    err = "the secret is empty";
    return false;
  }
  if (secret.substr(0, whsec_prefix.size()) != whsec_prefix) {
    key.assign(secret);
    return true;
  }
  std::string_view encoded = secret.substr(whsec_prefix.size());
  if (!base64_decode(encoded, key) || key.empty()) {
    key.clear();
    err = "the part after \"whsec_\" is not valid base64";
    return false;
  }
  return true;
}

std::string platform_signature(std::string_view key, std::string_view msg_id, int64_t timestamp_s,
                               std::string_view body) {
  std::string msg;
  msg.reserve(msg_id.size() + body.size() + 24);
  msg.append(msg_id);
  msg += '.';
  msg += std::to_string(timestamp_s);
  msg += '.';
  msg.append(body);
  return "v1," + base64_encode(hmac_sha256(key, msg));
}

platform_verdict platform_verify(std::string_view key, std::string_view msg_id,
                                 std::string_view timestamp_header,
                                 std::string_view signature_header, std::string_view body,
                                 int64_t now_s, int64_t tolerance_s) {
  if (msg_id.empty() || timestamp_header.empty() || signature_header.empty()) {
    return platform_verdict::missing_header;
  }
  int64_t ts = 0;
  // Digits only, no sign: a Unix timestamp before 1970 is not something a live sender
  // produces.
  if (!parse_decimal(timestamp_header, ts)) return platform_verdict::bad_timestamp;
  const int64_t skew = ts > now_s ? ts - now_s : now_s - ts;
  if (skew > tolerance_s) return platform_verdict::stale;

  // Re-render the parsed timestamp rather than signing the header text, as the
  // reference libraries do: the signed content is always canonical decimal.
  const std::string expected = platform_signature(key, msg_id, ts, body);
  bool matched = false;
  std::size_t pos = 0;
  while (pos < signature_header.size()) {
    std::size_t end = signature_header.find(' ', pos);
    if (end == std::string_view::npos) end = signature_header.size();
    std::string_view entry = signature_header.substr(pos, end - pos);
    // Check every entry (no early exit) so timing does not reveal which matched.
    if (entry.substr(0, 3) == "v1,") matched |= constant_time_equal(entry, expected);
    pos = end + 1;
  }
  return matched ? platform_verdict::ok : platform_verdict::bad_signature;
}

const char* to_string(platform_verdict v) {
  switch (v) {
    case platform_verdict::ok:
      return "ok";
    case platform_verdict::missing_header:
      return "missing_header";
    case platform_verdict::bad_timestamp:
      return "bad_timestamp";
    case platform_verdict::stale:
      return "stale";
    case platform_verdict::bad_signature:
      return "bad_signature";
  }
  return "unknown";
}

}  // namespace vouch::core
