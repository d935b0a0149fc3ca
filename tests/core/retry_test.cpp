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
  const retry_policy p{1000ms, 300000ms, 10};
  // jitter 1.0 gives the full exponential step.
  BOOST_TEST(backoff_delay(p, 1, 1.0).count() == 1000);
  BOOST_TEST(backoff_delay(p, 2, 1.0).count() == 2000);
  BOOST_TEST(backoff_delay(p, 3, 1.0).count() == 4000);
  BOOST_TEST(backoff_delay(p, 9, 1.0).count() == 256000);
  BOOST_TEST(backoff_delay(p, 10, 1.0).count() == 300000);
  BOOST_TEST(backoff_delay(p, 1000, 1.0).count() == 300000);
}

BOOST_AUTO_TEST_CASE(backoff_jitter_stays_between_half_and_the_full_step) {
  const retry_policy p{1000ms, 300000ms, 10};
  BOOST_TEST(backoff_delay(p, 3, 0.0).count() == 2000);
  BOOST_TEST(backoff_delay(p, 3, 0.5).count() == 3000);
  for (int failures = 1; failures < 40; ++failures) {
    for (double j : {0.0, 0.25, 0.999, 1.0, -3.0, 7.0}) {
      const auto d = backoff_delay(p, failures, j).count();
      BOOST_TEST(d > 0);
      BOOST_TEST(d <= 300000);
    }
  }
  const retry_policy tiny{1ms, 1ms, 10};
  BOOST_TEST(backoff_delay(tiny, 1, 0.0).count() == 1);
}

BOOST_AUTO_TEST_CASE(success_needs_no_retry_and_does_not_count) {
  const auto d = decide_retry(retry_policy{}, 3, classify_http(200), std::nullopt, 0.5);
  BOOST_TEST(!d.dead);
  BOOST_TEST(!d.counts);
  BOOST_TEST(d.delay.count() == 0);
}

BOOST_AUTO_TEST_CASE(permanent_failures_are_dead_at_once) {
  for (long status : {400L, 403L, 404L}) {
    const auto d = decide_retry(retry_policy{}, 0, classify_http(status), std::nullopt, 0.5);
    BOOST_TEST(d.dead);
  }
}

BOOST_AUTO_TEST_CASE(transient_failures_count_and_back_off) {
  const retry_policy p{1000ms, 300000ms, 10};
  for (long status : {0L, 408L, 409L, 500L, 503L}) {
    const auto d = decide_retry(p, 2, classify_http(status), std::nullopt, 1.0);
    BOOST_TEST(!d.dead);
    BOOST_TEST(d.counts);
    BOOST_TEST(d.delay.count() == 4000);  // third failure: base * 2^2
  }
}

BOOST_AUTO_TEST_CASE(transient_failures_are_dead_after_max_attempts) {
  const retry_policy p{1000ms, 300000ms, 3};
  BOOST_TEST(!decide_retry(p, 0, failure_kind::retry, std::nullopt, 0).dead);
  BOOST_TEST(!decide_retry(p, 1, failure_kind::retry, std::nullopt, 0).dead);
  BOOST_TEST(decide_retry(p, 2, failure_kind::retry, std::nullopt, 0).dead);
  const retry_policy once{1000ms, 300000ms, 1};
  BOOST_TEST(decide_retry(once, 0, failure_kind::retry, std::nullopt, 0).dead);
}

BOOST_AUTO_TEST_CASE(retry_after_wins_over_backoff_for_503) {
  const auto d = decide_retry(retry_policy{}, 0, classify_http(503), 42000ms, 0.5);
  BOOST_TEST(!d.dead);
  BOOST_TEST(d.counts);
  BOOST_TEST(d.delay.count() == 42000);
}

BOOST_AUTO_TEST_CASE(rate_limits_never_count_and_never_kill_a_command) {
  const retry_policy p{1000ms, 300000ms, 3};
  const auto with_header = decide_retry(p, 50, classify_http(429), 7000ms, 0.5);
  BOOST_TEST(!with_header.dead);
  BOOST_TEST(!with_header.counts);
  BOOST_TEST(with_header.delay.count() == 7000);
  const auto without = decide_retry(p, 0, classify_http(429), std::nullopt, 1.0);
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

BOOST_AUTO_TEST_SUITE_END()
