// Hire-link tokens (core/hire_token.hpp), the opaque part of the owner's confirmation links.
// The first input byte picks one of three checks:
// - any text as a token: it is refused as tampered, unless it is exactly the token the key
//   makes for the claims it carries (the seeds hold such tokens, made with the key below);
// - a token made for fuzzed claims: it verifies (ok, or expired exactly when now is past
//   the expiry) and gives back the same claims;
// - any body signed with the key (as if the key leaked into a bad token maker): the parse
//   after the MAC check never crashes, and what it accepts has the documented layout.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/hire_token.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

const std::string& key() {
  static const std::string k = hire_token_key("vouch fuzz master key");
  return k;
}

void any_text(FuzzedDataProvider& in) {
  const auto now_ms = in.ConsumeIntegral<int64_t>();
  const std::string token = in.ConsumeRemainingBytesAsString();
  hire_token_claims claims;
  const auto v = check_hire_token(key(), token, now_ms, claims);
  if (v == hire_token_verdict::tampered) return;
  FUZZ_CHECK(v == hire_token_verdict::ok || v == hire_token_verdict::expired);
  FUZZ_CHECK(token == make_hire_token(key(), claims.org, claims.opp, claims.expires_ms));
  FUZZ_CHECK((v == hire_token_verdict::expired) == (now_ms > claims.expires_ms));
}

void made_token(FuzzedDataProvider& in) {
  const auto expires_ms = in.ConsumeIntegral<int64_t>();
  const auto now_ms = in.ConsumeIntegral<int64_t>();
  const std::string org = in.ConsumeRandomLengthString(80);
  const std::string opp = in.ConsumeRemainingBytesAsString();
  // Org and opportunity ids never hold a NUL (valid_org_id, external_id_problem): the token
  // separates them with one.
  if (org.find('\0') != std::string::npos || opp.find('\0') != std::string::npos) return;
  const std::string token = make_hire_token(key(), org, opp, expires_ms);
  hire_token_claims claims;
  const auto v = check_hire_token(key(), token, now_ms, claims);
  FUZZ_CHECK(v == (now_ms > expires_ms ? hire_token_verdict::expired : hire_token_verdict::ok));
  FUZZ_CHECK(claims.org == org && claims.opp == opp && claims.expires_ms == expires_ms);
  // Another key refuses it.
  FUZZ_CHECK(check_hire_token(hire_token_key("another"), token, now_ms, claims) ==
             hire_token_verdict::tampered);
}

void signed_body(FuzzedDataProvider& in) {
  const auto now_ms = in.ConsumeIntegral<int64_t>();
  const std::string body = in.ConsumeRemainingBytesAsString();
  const std::string token =
      base64url_encode(body) + "." + base64url_encode(hmac_sha256(key(), body));
  hire_token_claims claims;
  const auto v = check_hire_token(key(), token, now_ms, claims);
  if (v == hire_token_verdict::tampered) return;
  const std::string digits = body.substr(claims.org.size() + claims.opp.size() + 2);
  FUZZ_CHECK(body == claims.org + '\0' + claims.opp + '\0' + digits);
  FUZZ_CHECK(claims.org.find('\0') == std::string::npos);
  FUZZ_CHECK(claims.opp.find('\0') == std::string::npos);
  FUZZ_CHECK((v == hire_token_verdict::expired) == (now_ms > claims.expires_ms));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      any_text(in);
      break;
    case 1:
      made_token(in);
      break;
    default:
      signed_body(in);
      break;
  }
  return 0;
}
