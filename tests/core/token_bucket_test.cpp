#include "core/token_bucket.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(token_bucket_tests)

BOOST_AUTO_TEST_CASE(a_new_bucket_allows_a_full_burst_then_refuses) {
  const auto t0 = token_bucket::time_point{} + 1h;
  token_bucket b(10, 20, t0);
  BOOST_TEST(b.level(t0) == 20.0);
  for (int i = 0; i < 20; ++i) BOOST_TEST(b.try_take(t0));
  BOOST_TEST(!b.try_take(t0));
  BOOST_TEST(b.level(t0) == 0.0);
}

BOOST_AUTO_TEST_CASE(an_empty_bucket_refills_at_the_rate) {
  const auto t0 = token_bucket::time_point{} + 1h;
  token_bucket b(10, 20, t0);
  for (int i = 0; i < 20; ++i) b.try_take(t0);
  BOOST_TEST(!b.try_take(t0 + 99ms));
  BOOST_TEST(b.try_take(t0 + 100ms));
  BOOST_TEST(!b.try_take(t0 + 100ms));
  // One second later: ten more, not more.
  int taken = 0;
  while (b.try_take(t0 + 1100ms)) ++taken;
  BOOST_TEST(taken == 10);
}

BOOST_AUTO_TEST_CASE(refill_never_exceeds_the_burst) {
  const auto t0 = token_bucket::time_point{} + 1h;
  token_bucket b(10, 20, t0);
  b.try_take(t0);
  BOOST_TEST(b.level(t0 + 1h) == 20.0);
}

BOOST_AUTO_TEST_CASE(wait_time_says_when_the_next_token_arrives) {
  const auto t0 = token_bucket::time_point{} + 1h;
  token_bucket b(4, 1, t0);
  BOOST_TEST(b.wait_time(t0).count() == 0);
  BOOST_TEST(b.try_take(t0));
  BOOST_TEST(b.wait_time(t0).count() == std::chrono::nanoseconds(250ms).count());
  BOOST_TEST(b.wait_time(t0 + 200ms).count() == std::chrono::nanoseconds(50ms).count());
  const auto later = t0 + b.wait_time(t0);
  BOOST_TEST(b.try_take(later));
}

BOOST_AUTO_TEST_CASE(time_going_backwards_adds_no_tokens) {
  const auto t0 = token_bucket::time_point{} + 1h;
  token_bucket b(1, 1, t0);
  BOOST_TEST(b.try_take(t0));
  BOOST_TEST(!b.try_take(t0 - 10s));
  BOOST_TEST(b.try_take(t0 + 1s));
}

BOOST_AUTO_TEST_SUITE_END()
