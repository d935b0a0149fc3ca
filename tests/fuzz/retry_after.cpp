// Retry-After header parsing (core/retry.hpp parse_retry_after) on arbitrary header text.
// - Never negative. Delta seconds (digits, maybe with blanks around) give exactly those
//   seconds, saturated instead of overflowing.
// - A date gives its distance from now, or 0 once past: parsing at another `now` moves
//   the answer by exactly the difference.
// - A date that parses is a real one: printed back as an IMF-fixdate it is the same text
//   (the weekday aside: it is checked for its form only, as documented; a leap second 60
//   aside too).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <string>

#include "core/encoding.hpp"
#include "core/retry.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Unix ms (>= 0) -> "DD Mon YYYY HH:MM:SS GMT" (the IMF-fixdate after "Www, ").
std::string imf_without_weekday(int64_t ms) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t secs = ms / 1000;
  int64_t z = secs / 86400 + 719468;  // H. Hinnant's civil_from_days
  const int64_t era = z / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  const int64_t tod = secs % 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02lld %s %04lld %02lld:%02lld:%02lld GMT",
                static_cast<long long>(d), months[m - 1], static_cast<long long>(y),
                static_cast<long long>(tod / 3600), static_cast<long long>(tod / 60 % 60),
                static_cast<long long>(tod % 60));
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto now_ms = in.ConsumeIntegralInRange<int64_t>(0, 4102444800000);  // up to 2100
  const std::string header = in.ConsumeRemainingBytesAsString();
  const auto r = parse_retry_after(header, now_ms);
  if (!r) return 0;
  FUZZ_CHECK(r->count() >= 0);

  const std::string_view text = trim(header);
  int64_t seconds = 0;
  if (parse_decimal(text, seconds)) {
    FUZZ_CHECK(r->count() == std::min<int64_t>(seconds, INT64_MAX / 1000) * 1000);
    return 0;
  }
  // A date: at now = 0 the answer is the date itself (or 0 for one before 1970).
  const auto at = parse_retry_after(header, 0);
  FUZZ_CHECK(at.has_value());
  FUZZ_CHECK(r->count() == std::max<int64_t>(at->count() - now_ms, 0));
  if (at->count() > 0 && text.size() == 29 && text.substr(23, 2) != "60")
    FUZZ_CHECK(text.substr(5) == imf_without_weekday(at->count()));
  return 0;
}
