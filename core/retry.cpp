#include "core/retry.hpp"

#include "core/encoding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vouch::core {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Days in `month` (1-12) of the proleptic Gregorian `year`.
unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return month == 2 && leap ? 29 : days[month - 1];
}

// "Sun, 06 Nov 1994 08:49:37 GMT" -> Unix ms. The weekday is checked only for
// its form, not its consistency with the date, as most parsers do.
std::optional<int64_t> parse_imf_fixdate(std::string_view s) {
  if (s.size() != 29) return std::nullopt;
  static constexpr std::string_view days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (std::find(std::begin(days), std::end(days), s.substr(0, 3)) == std::end(days)) {
    return std::nullopt;
  }
  if (s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto month_it = std::find(std::begin(months), std::end(months), s.substr(8, 3));
  if (month_it == std::end(months)) return std::nullopt;
  int64_t day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (!parse_decimal(s.substr(5, 2), day) || !parse_decimal(s.substr(12, 4), year) ||
      !parse_decimal(s.substr(17, 2), hh) || !parse_decimal(s.substr(20, 2), mm) ||
      !parse_decimal(s.substr(23, 2), ss)) {
    return std::nullopt;
  }
  const auto month = static_cast<unsigned>(month_it - std::begin(months) + 1);
  // A day the month does not have ("30 Feb") is not a date, not the 1st of the next month.
  // 60 allows a leap second.
  if (day < 1 || day > days_in_month(year, month) || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  const int64_t d = days_from_civil(year, month, static_cast<unsigned>(day));
  return ((d * 24 + hh) * 60 + mm) * 60000 + ss * 1000;
}

}  // namespace

std::chrono::milliseconds backoff_delay(const retry_policy& policy, int failures, double jitter01) {
  const int64_t base = std::max<int64_t>(policy.base.count(), 1);
  const int64_t cap = std::max<int64_t>(policy.max.count(), 1);
  int64_t d = base;
  // Double step by step so a large `failures` cannot overflow the shift.
  for (int i = 1; i < failures && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  if (!(jitter01 >= 0.0)) jitter01 = 0.0;  // also catches NaN
  if (jitter01 > 1.0) jitter01 = 1.0;
  // Ceil of the fixed half keeps a 1 ms step at 1 ms instead of 0; the jittered
  // half is the floor, so the sum never exceeds d.
  const int64_t fixed = d - d / 2;
  const auto jittered = static_cast<int64_t>(std::floor(jitter01 * static_cast<double>(d / 2)));
  return std::chrono::milliseconds{fixed + jittered};
}

failure_kind classify_http(long status) {
  if (status >= 200 && status < 300) return failure_kind::none;
  if (status == 0 || status == 408 || status == 409 || (status >= 500 && status < 600)) {
    return failure_kind::retry;
  }
  if (status == 429) return failure_kind::rate_limited;
  // 3xx, other 4xx, and anything outside the HTTP range (a broken server or a
  // bug of ours): retrying the identical request will not change the answer.
  return failure_kind::permanent;
}

const char* to_string(dead_reason r) {
  switch (r) {
    case dead_reason::none:
      return "none";
    case dead_reason::permanent:
      return "permanent";
    case dead_reason::max_attempts:
      return "max_attempts";
    case dead_reason::retry_for:
      return "retry_for";
  }
  return "none";
}

retry_decision decide_retry(const retry_policy& policy, const retry_history& before, int64_t now_ms,
                            failure_kind kind, std::optional<std::chrono::milliseconds> retry_after,
                            double jitter01) {
  retry_decision out;
  out.failing_since = before.failing_since;
  const int failures = std::max(before.attempts, 0) + 1;
  auto wait = [&] {
    const auto backoff = backoff_delay(policy, failures, jitter01);
    return retry_after ? std::max(*retry_after, backoff) : backoff;
  };
  switch (kind) {
    case failure_kind::none:
      out.counts = false;
      out.failing_since = 0;
      return out;
    case failure_kind::permanent:
      out.dead = true;
      out.why = dead_reason::permanent;
      return out;
    case failure_kind::rate_limited:
      out.counts = false;
      out.delay = wait();
      return out;
    case failure_kind::retry:
      if (out.failing_since <= 0) out.failing_since = now_ms;
      if (policy.max_attempts > 0 && failures >= policy.max_attempts) {
        out.dead = true;
        out.why = dead_reason::max_attempts;
        return out;
      }
      if (now_ms - out.failing_since >= policy.retry_for.count()) {
        out.dead = true;
        out.why = dead_reason::retry_for;
        return out;
      }
      out.delay = wait();
      return out;
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header,
                                                           int64_t now_ms) {
  // Tolerate surrounding whitespace: it is common and harmless.
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  if (header.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (parse_decimal(header, seconds)) {
    // Saturate absurd values instead of overflowing the millisecond count.
    constexpr int64_t max_seconds = INT64_MAX / 1000;
    return std::chrono::milliseconds{std::min(seconds, max_seconds) * 1000};
  }
  if (auto at = parse_imf_fixdate(header)) {
    return std::chrono::milliseconds{std::max<int64_t>(*at - now_ms, 0)};
  }
  return std::nullopt;
}

}  // namespace vouch::core
