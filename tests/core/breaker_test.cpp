#include "core/breaker.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;
using namespace std::chrono_literals;

namespace {
constexpr int64_t t0 = 1764000000000;
const retry_policy probe_policy{1000ms, 8000ms, 0, 72h};

/// Feeds `n` counted failures of fresh commands at `now`.
void fail_n(breaker& b, int n, int64_t now, int open_after = 5) {
  static uint64_t next_id = 1000;
  for (int i = 0; i < n; ++i) {
    const uint64_t id = next_id++;
    BOOST_REQUIRE(breaker_admit(b, id, now));
    breaker_record(b, id, failure_kind::retry, now, open_after, probe_policy, 1.0);
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(breakers)

BOOST_AUTO_TEST_CASE(it_opens_after_the_configured_run_of_consecutive_failures) {
  breaker b;
  fail_n(b, 4, t0);
  BOOST_TEST(to_string(b.state) == "closed");
  BOOST_TEST(breaker_admit(b, 1, t0));
  fail_n(b, 1, t0);
  BOOST_TEST(to_string(b.state) == "open");
  BOOST_TEST(b.opened_at == t0);
  BOOST_TEST(b.opens == 1u);
  BOOST_TEST(b.next_probe_at == t0 + 1000);  // one backoff step (jitter 1.0 = the full step)
  // Waiting commands are not let through before the probe time.
  BOOST_TEST(!breaker_admit(b, 2, t0 + 999));
  BOOST_TEST(to_string(b.state) == "open");
}

BOOST_AUTO_TEST_CASE(a_success_429_or_permanent_answer_breaks_the_run) {
  for (auto reachable : {failure_kind::none, failure_kind::rate_limited, failure_kind::permanent}) {
    breaker b;
    fail_n(b, 4, t0);
    breaker_record(b, 77, reachable, t0, 5, probe_policy, 1.0);
    BOOST_TEST(b.failures == 0);
    fail_n(b, 4, t0);
    BOOST_TEST(to_string(b.state) == "closed");
  }
}

BOOST_AUTO_TEST_CASE(one_probe_goes_out_per_backoff_interval_and_the_interval_grows) {
  breaker b;
  fail_n(b, 5, t0);
  // The probe time comes: exactly one command goes out.
  BOOST_TEST(breaker_admit(b, 10, t0 + 1000));
  BOOST_TEST(to_string(b.state) == "half_open");
  BOOST_TEST(!breaker_admit(b, 11, t0 + 1000));
  BOOST_TEST(!breaker_admit(b, 12, t0 + 50000));
  // It fails: open again, the next probe two steps later, then four, capped at policy.max.
  breaker_record(b, 10, failure_kind::retry, t0 + 1100, 5, probe_policy, 1.0);
  BOOST_TEST(to_string(b.state) == "open");
  BOOST_TEST(b.next_probe_at == t0 + 1100 + 2000);
  BOOST_TEST(breaker_admit(b, 11, t0 + 3100));
  breaker_record(b, 11, failure_kind::retry, t0 + 3100, 5, probe_policy, 1.0);
  BOOST_TEST(b.next_probe_at == t0 + 3100 + 4000);
  for (uint64_t id = 20; id < 30; ++id) {
    BOOST_TEST(breaker_admit(b, id, b.next_probe_at));
    breaker_record(b, id, failure_kind::retry, b.next_probe_at, 5, probe_policy, 1.0);
  }
  BOOST_TEST(b.next_probe_at - b.opened_at > 0);
  const int64_t step = b.next_probe_at;
  BOOST_REQUIRE(breaker_admit(b, 40, step));
  breaker_record(b, 40, failure_kind::retry, step, 5, probe_policy, 1.0);
  BOOST_TEST(b.next_probe_at == step + 8000);  // capped at retry_max
  BOOST_TEST(b.opens == 1u);                   // still the same outage
}

BOOST_AUTO_TEST_CASE(the_first_success_closes_it_and_says_so) {
  breaker b;
  fail_n(b, 5, t0);
  BOOST_REQUIRE(breaker_admit(b, 10, t0 + 1000));
  BOOST_TEST(breaker_record(b, 10, failure_kind::none, t0 + 1200, 5, probe_policy, 1.0));
  BOOST_TEST(to_string(b.state) == "closed");
  BOOST_TEST(b.failures == 0);
  BOOST_TEST(b.opened_at == 0);
  BOOST_TEST(breaker_admit(b, 11, t0 + 1200));
  BOOST_TEST(breaker_admit(b, 12, t0 + 1200));
  // Closing a closed breaker is no news.
  BOOST_TEST(!breaker_record(b, 11, failure_kind::none, t0 + 1300, 5, probe_policy, 1.0));
}

BOOST_AUTO_TEST_CASE(late_failures_of_calls_sent_before_it_opened_do_not_move_the_probe) {
  breaker b;
  fail_n(b, 5, t0);
  const auto probe_at = b.next_probe_at;
  breaker_record(b, 3, failure_kind::retry, t0 + 500, 5, probe_policy, 1.0);
  BOOST_TEST(b.next_probe_at == probe_at);
  BOOST_REQUIRE(breaker_admit(b, 10, probe_at));
  // An old call's failure while the probe is out is not the probe's answer.
  breaker_record(b, 4, failure_kind::retry, probe_at + 10, 5, probe_policy, 1.0);
  BOOST_TEST(to_string(b.state) == "half_open");
}

BOOST_AUTO_TEST_CASE(open_after_zero_turns_it_off) {
  breaker b;
  fail_n(b, 100, t0, 0);
  BOOST_TEST(to_string(b.state) == "closed");
}

BOOST_AUTO_TEST_SUITE_END()
