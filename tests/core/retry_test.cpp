#include "core/retry.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>

using namespace vouch::core;
using namespace std::chrono_literals;

namespace vouch::core {
inline std::ostream& operator<<(std::ostream& o, failure_kind k) {
  switch (k) {
    case failure_kind::none:
      return o << "none";
    case failure_kind::retry:
      return o << "retry";
    case failure_kind::rate_limited:
      return o << "rate_limited";
    case failure_kind::permanent:
      return o << "permanent";
  }
  return o << "?";
}
}  // namespace vouch::core

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(classify_http_maps_statuses_to_what_the_caller_should_do) {
  BOOST_TEST(classify_http(200) == failure_kind::none);
  BOOST_TEST(classify_http(201) == failure_kind::none);
  BOOST_TEST(classify_http(0) == failure_kind::retry);
  BOOST_TEST(classify_http(408) == failure_kind::retry);
  BOOST_TEST(classify_http(409) == failure_kind::retry);
  BOOST_TEST(classify_http(500) == failure_kind::retry);
  BOOST_TEST(classify_http(503) == failure_kind::retry);
  BOOST_TEST(classify_http(429) == failure_kind::rate_limited);
  BOOST_TEST(classify_http(400) == failure_kind::permanent);
  BOOST_TEST(classify_http(403) == failure_kind::permanent);
  BOOST_TEST(classify_http(404) == failure_kind::permanent);
  BOOST_TEST(classify_http(301) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_from_base_and_stops_at_max) {
  const retry_policy p{1000ms, 300000ms, 10, 72h};
  // jitter 1.0 gives the full exponential step.
  BOOST_TEST(backoff_delay(p, 1, 1.0).count() == 1000);
  BOOST_TEST(backoff_delay(p, 2, 1.0).count() == 2000);
  BOOST_TEST(backoff_delay(p, 3, 1.0).count() == 4000);
  BOOST_TEST(backoff_delay(p, 9, 1.0).count() == 256000);
  BOOST_TEST(backoff_delay(p, 10, 1.0).count() == 300000);
  BOOST_TEST(backoff_delay(p, 1000, 1.0).count() == 300000);
}

BOOST_AUTO_TEST_CASE(backoff_jitter_stays_between_half_and_the_full_step) {
  const retry_policy p{1000ms, 300000ms, 10, 72h};
  BOOST_TEST(backoff_delay(p, 3, 0.0).count() == 2000);
  BOOST_TEST(backoff_delay(p, 3, 0.5).count() == 3000);
  for (int failures = 1; failures < 40; ++failures) {
    for (double j : {0.0, 0.25, 0.999, 1.0, -3.0, 7.0}) {
      const auto d = backoff_delay(p, failures, j).count();
      BOOST_TEST(d > 0);
      BOOST_TEST(d <= 300000);
    }
  }
  const retry_policy tiny{1ms, 1ms, 10, 72h};
  BOOST_TEST(backoff_delay(tiny, 1, 0.0).count() == 1);
}

constexpr int64_t t0 = 1764000000000;  // "now" in these cases, ms

retry_history failed(int attempts, int64_t since) {
  return retry_history{attempts, since};
}

BOOST_AUTO_TEST_CASE(success_needs_no_retry_does_not_count_and_stops_the_failure_clock) {
  const auto d =
      decide_retry(retry_policy{}, failed(3, t0 - 5000), t0, classify_http(200), std::nullopt, 0.5);
  BOOST_TEST(!d.dead);
  BOOST_TEST(!d.counts);
  BOOST_TEST(d.delay.count() == 0);
  BOOST_TEST(d.failing_since == 0);
}

BOOST_AUTO_TEST_CASE(permanent_failures_are_dead_at_once) {
  for (long status : {400L, 401L, 403L, 404L}) {
    const auto d = decide_retry(retry_policy{}, {}, t0, classify_http(status), std::nullopt, 0.5);
    BOOST_TEST(d.dead);
    BOOST_TEST(to_string(d.why) == "permanent");
  }
}

BOOST_AUTO_TEST_CASE(transient_failures_count_back_off_and_start_the_failure_clock) {
  const retry_policy p{1000ms, 300000ms, 10, 72h};
  for (long status : {0L, 408L, 409L, 500L, 503L}) {
    const auto d = decide_retry(p, failed(2, 0), t0, classify_http(status), std::nullopt, 1.0);
    BOOST_TEST(!d.dead);
    BOOST_TEST(d.counts);
    BOOST_TEST(d.delay.count() == 4000);  // third failure: base * 2^2
    BOOST_TEST(d.failing_since == t0);    // first failure of a run: the clock starts now
  }
  // A clock already running keeps its start.
  const auto later =
      decide_retry(p, failed(3, t0 - 60000), t0, failure_kind::retry, std::nullopt, 1.0);
  BOOST_TEST(later.failing_since == t0 - 60000);
}

BOOST_AUTO_TEST_CASE(max_attempts_dead_letters_only_when_set) {
  const retry_policy p{1000ms, 300000ms, 3, 72h};
  BOOST_TEST(!decide_retry(p, failed(0, 0), t0, failure_kind::retry, std::nullopt, 0).dead);
  BOOST_TEST(!decide_retry(p, failed(1, t0), t0, failure_kind::retry, std::nullopt, 0).dead);
  const auto third = decide_retry(p, failed(2, t0), t0, failure_kind::retry, std::nullopt, 0);
  BOOST_TEST(third.dead);
  BOOST_TEST(to_string(third.why) == "max_attempts");
  // The default is 0: no count limit, a thousand failures within the time budget live on.
  const retry_policy unlimited;
  BOOST_TEST(unlimited.max_attempts == 0);
  BOOST_TEST(
      !decide_retry(unlimited, failed(1000, t0 - 3600000), t0, failure_kind::retry, std::nullopt, 0)
           .dead);
}

BOOST_AUTO_TEST_CASE(a_command_failing_for_longer_than_retry_for_is_dead) {
  const retry_policy p{1000ms, 600000ms, 0, 72h};
  const int64_t budget = std::chrono::milliseconds(72h).count();
  BOOST_TEST(
      !decide_retry(p, failed(40, t0 - budget + 1), t0, failure_kind::retry, std::nullopt, 0.5)
           .dead);
  const auto d =
      decide_retry(p, failed(40, t0 - budget), t0, failure_kind::retry, std::nullopt, 0.5);
  BOOST_TEST(d.dead);
  BOOST_TEST(to_string(d.why) == "retry_for");
  // A 429 never kills, however long the command has waited.
  BOOST_TEST(!decide_retry(p, failed(40, t0 - 10 * budget), t0, failure_kind::rate_limited,
                           std::nullopt, 0.5)
                  .dead);
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_floor_never_a_shortcut) {
  const retry_policy p{1000ms, 600000ms, 0, 72h};
  // Longer than the backoff: the server's wish is kept.
  auto d = decide_retry(p, {}, t0, classify_http(503), 42000ms, 1.0);
  BOOST_TEST(!d.dead);
  BOOST_TEST(d.counts);
  BOOST_TEST(d.delay.count() == 42000);
  // Shorter than the backoff (the 10-second outage that spent ten attempts in ten seconds):
  // the backoff stands.
  d = decide_retry(p, failed(5, t0 - 30000), t0, classify_http(503), 1000ms, 1.0);
  BOOST_TEST(d.delay.count() == 32000);  // sixth failure: base * 2^5
}

BOOST_AUTO_TEST_CASE(rate_limits_never_count_and_never_start_the_failure_clock) {
  const retry_policy p{1000ms, 300000ms, 3, 72h};
  const auto with_header = decide_retry(p, failed(50, 0), t0, classify_http(429), 7000ms, 0.5);
  BOOST_TEST(!with_header.dead);
  BOOST_TEST(!with_header.counts);
  BOOST_TEST(with_header.failing_since == 0);
  BOOST_TEST(with_header.delay.count() >= 7000);
  const auto without = decide_retry(p, {}, t0, classify_http(429), std::nullopt, 1.0);
  BOOST_TEST(!without.dead);
  BOOST_TEST(without.delay.count() == 1000);
}

BOOST_AUTO_TEST_CASE(parse_retry_after_reads_delta_seconds) {
  auto d = parse_retry_after("120", 0);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->count() == 120000);
  d = parse_retry_after(" 0 ", 0);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->count() == 0);
}

BOOST_AUTO_TEST_CASE(parse_retry_after_reads_an_imf_fixdate_relative_to_now) {
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s since the epoch.
  const int64_t at_ms = 784111777000;
  auto d = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at_ms - 30000);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->count() == 30000);
  d = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at_ms + 5000);
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->count() == 0);  // already past: retry now
}

BOOST_AUTO_TEST_CASE(parse_retry_after_rejects_other_forms) {
  for (const char* bad : {"", "soon", "-5", "1.5", "Sunday, 06-Nov-94 08:49:37 GMT",
                          "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    BOOST_TEST_INFO("input: \"" << bad << "\"");
    BOOST_TEST(!parse_retry_after(bad, 0).has_value());
  }
}

// Found by tests/fuzz/retry_after.cpp: "30 Feb" was read as 1 March.
BOOST_AUTO_TEST_CASE(parse_retry_after_rejects_a_day_the_month_does_not_have) {
  for (const char* bad : {"Thu, 30 Feb 2024 12:00:00 GMT", "Sun, 29 Feb 2023 12:00:00 GMT",
                          "Mon, 29 Feb 2100 12:00:00 GMT", "Thu, 31 Apr 2025 12:00:00 GMT",
                          "Mon, 31 Nov 2025 12:00:00 GMT"}) {
    BOOST_TEST_INFO("input: \"" << bad << "\"");
    BOOST_TEST(!parse_retry_after(bad, 0).has_value());
  }
  // The last day of each month, leap days of leap years (2000 is one) included, still read.
  for (const char* good : {"Thu, 29 Feb 2024 12:00:00 GMT", "Tue, 29 Feb 2000 12:00:00 GMT",
                           "Wed, 30 Apr 2025 12:00:00 GMT", "Sun, 30 Nov 2025 12:00:00 GMT",
                           "Wed, 31 Dec 2025 23:59:60 GMT"}) {
    BOOST_TEST_INFO("input: \"" << good << "\"");
    BOOST_TEST(parse_retry_after(good, 0).has_value());
  }
  // 29 Feb 2024 12:00 GMT = 1709208000 s since the epoch.
  BOOST_TEST(parse_retry_after("Thu, 29 Feb 2024 12:00:00 GMT", 0)->count() == 1709208000000);
}

BOOST_AUTO_TEST_SUITE_END()
