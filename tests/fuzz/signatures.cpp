// Lever's webhook signature check and the platform's Standard Webhooks verification
// (core/signatures.hpp) on arbitrary tokens, keys, headers and bodies.
// - Lever: a signature verifies exactly when it is the expected lowercase hex (a random one
//   never does); the expected one always does; its uppercase form never does.
// - Platform key: from any secret, either a non-empty key and no error, or an error and no
//   key.
// - Platform verify: each verdict for exactly its reason (a missing header, a timestamp that
//   is not plain decimal, one outside the tolerance); otherwise `ok` exactly when one of the
//   space-separated entries is the expected signature, and appending that one makes any
//   header verify.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "core/encoding.hpp"
#include "core/signatures.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

bool lists(std::string_view header, std::string_view wanted) {
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(' ', pos);
    if (end == std::string_view::npos) end = header.size();
    if (header.substr(pos, end - pos) == wanted) return true;
    pos = end + 1;
  }
  return false;
}

void lever(FuzzedDataProvider& in) {
  const std::string signature_token = in.ConsumeRandomLengthString(64);
  const std::string token = in.ConsumeRandomLengthString(128);
  const auto triggered_at = in.ConsumeIntegral<int64_t>();
  const std::string signature = in.ConsumeRandomLengthString(128);

  const std::string expected = lever_signature(signature_token, token, triggered_at);
  FUZZ_CHECK(expected.size() == 64);
  FUZZ_CHECK(expected.find_first_not_of("0123456789abcdef") == std::string::npos);
  FUZZ_CHECK(lever_signature_valid(signature_token, token, triggered_at, signature) ==
             (signature == expected));
  FUZZ_CHECK(lever_signature_valid(signature_token, token, triggered_at, expected));
  std::string upper = expected;
  for (char& c : upper)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  if (upper != expected)
    FUZZ_CHECK(!lever_signature_valid(signature_token, token, triggered_at, upper));
}

void platform(FuzzedDataProvider& in) {
  const std::string secret = in.ConsumeRandomLengthString(96);
  std::string key, err;
  const bool key_ok = platform_key_from_secret(secret, key, err);
  FUZZ_CHECK(key_ok ? !key.empty() && err.empty() : key.empty() && !err.empty());
  if (!key_ok) key = secret;  // verification takes any key bytes, also none

  const std::string msg_id = in.ConsumeRandomLengthString(64);
  const std::string timestamp = in.ConsumeRandomLengthString(24);
  const std::string signature = in.ConsumeRandomLengthString(256);
  const auto now_s = in.ConsumeIntegralInRange<int64_t>(0, 4102444800);  // up to 2100
  const auto tolerance_s = in.ConsumeIntegralInRange<int64_t>(0, 366 * 86400);
  const std::string body = in.ConsumeRemainingBytesAsString();

  const auto v = platform_verify(key, msg_id, timestamp, signature, body, now_s, tolerance_s);
  FUZZ_CHECK(std::string_view(to_string(v)) != "unknown");
  if (msg_id.empty() || timestamp.empty() || signature.empty()) {
    FUZZ_CHECK(v == platform_verdict::missing_header);
    return;
  }
  int64_t ts = 0;
  if (!parse_decimal(timestamp, ts)) {
    FUZZ_CHECK(v == platform_verdict::bad_timestamp);
    return;
  }
  if ((ts > now_s ? ts - now_s : now_s - ts) > tolerance_s) {
    FUZZ_CHECK(v == platform_verdict::stale);
    return;
  }
  const std::string expected = platform_signature(key, msg_id, ts, body);
  FUZZ_CHECK(v ==
             (lists(signature, expected) ? platform_verdict::ok : platform_verdict::bad_signature));
  FUZZ_CHECK(platform_verify(key, msg_id, timestamp, signature + " " + expected, body, now_s,
                             tolerance_s) == platform_verdict::ok);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  lever(in);
  platform(in);
  return 0;
}
