#include "core/hire_token.hpp"

#include <charconv>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace vouch::core {

std::string hire_token_key(std::string_view master_key) {
  return hmac_sha256(master_key, "vouch hire-confirmation links v1");
}

std::string make_hire_token(std::string_view key, std::string_view org, std::string_view opp,
                            int64_t expires_ms) {
  std::string body(org);
  body.push_back('\0');
  body.append(opp);
  body.push_back('\0');
  body += std::to_string(expires_ms);
  return base64url_encode(body) + "." + base64url_encode(hmac_sha256(key, body));
}

hire_token_verdict check_hire_token(std::string_view key, std::string_view token, int64_t now_ms,
                                    hire_token_claims& out) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return hire_token_verdict::tampered;
  std::string body, mac;
  if (!base64url_decode(token.substr(0, dot), body) ||
      !base64url_decode(token.substr(dot + 1), mac))
    return hire_token_verdict::tampered;
  // Re-encoding must give the same text: base64 has spare bits in its last character,
  // and a token that differs in them is still a changed token.
  if (base64url_encode(body) != token.substr(0, dot) ||
      base64url_encode(mac) != token.substr(dot + 1))
    return hire_token_verdict::tampered;
  if (!constant_time_equal(hmac_sha256(key, body), mac)) return hire_token_verdict::tampered;
  auto a = body.find('\0');
  auto b = a == std::string::npos ? a : body.find('\0', a + 1);
  if (b == std::string::npos) return hire_token_verdict::tampered;
  out.org = body.substr(0, a);
  out.opp = body.substr(a + 1, b - a - 1);
  auto digits = std::string_view(body).substr(b + 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.expires_ms);
  if (ec != std::errc() || p != digits.data() + digits.size()) return hire_token_verdict::tampered;
  return now_ms > out.expires_ms ? hire_token_verdict::expired : hire_token_verdict::ok;
}

}  // namespace vouch::core
