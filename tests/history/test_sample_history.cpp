// The console's last hour (engine/sample_history): interval deltas, percentiles from bucket
// deltas, the ring's wrap-around after 360 samples, the empty history, the JSON shape; and
// the read-only counters the sampler reads (metrics series, Lever calls per key).
#define BOOST_TEST_MODULE vouch sample history
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "actors/metrics.hpp"
#include "actors/org_health.hpp"
#include "actors/rate_limiter.hpp"
#include "engine/sample_history.hpp"

using namespace vouch::engine;
using nlohmann::json;

namespace {

const std::vector<double> bounds = {0.001, 0.005, 0.01, 0.05, 0.1, 1.0};

/// A reading at `t` seconds after start (wall clock 1'700'000'000'000 + t s).
history_reading reading(int t) {
  history_reading r;
  r.at_ms = 1'700'000'000'000 + int64_t{t} * 1000;
  r.steady_ms = int64_t{t} * 1000;
  r.ack_bounds = bounds;
  r.ack_counts.assign(bounds.size(), 0);
  r.lever_rate_per_s = 10;
  return r;
}

/// Adds `n` observations of `seconds` to the reading's cumulative histogram.
void observe(history_reading& r, double seconds, uint64_t n) {
  for (std::size_t i = 0; i < r.ack_bounds.size(); ++i)
    if (seconds <= r.ack_bounds[i]) r.ack_counts[i] += n;
  r.ack_total += n;
}

bool near(double a, double b) {
  return std::fabs(a - b) < 1e-9;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(arithmetic)

BOOST_AUTO_TEST_CASE(webhook_outcomes_split_into_accepted_and_refused) {
  for (const char* ok : {"accepted", "duplicate", "ignored", "ping"})
    BOOST_TEST(webhook_outcome_accepted(ok), ok);
  for (const char* no : {"bad_signature", "unknown_org", "bad_request", "unavailable", ""})
    BOOST_TEST(!webhook_outcome_accepted(no), no);
  const std::map<std::string, uint64_t> series = {
      {R"(source="lever_stage_change",outcome="accepted")", 5},
      {R"(source="lever_stage_change",outcome="duplicate")", 2},
      {R"(source="lever_hired",outcome="ping")", 1},
      {R"(source="platform",outcome="ignored")", 3},
      {R"(source="lever_stage_change",outcome="bad_signature")", 4},
      {R"(source="platform",outcome="unavailable")", 6},
  };
  const auto [accepted, refused] = split_webhooks(series);
  BOOST_TEST(accepted == 11u);
  BOOST_TEST(refused == 10u);
  BOOST_TEST(split_webhooks({}).first == 0u);
}

BOOST_AUTO_TEST_CASE(label_values_are_read_and_unescaped) {
  BOOST_TEST(label_value(R"(source="a",outcome="b")", "outcome") == "b");
  BOOST_TEST(label_value(R"(source="a",outcome="b")", "source") == "a");
  BOOST_TEST(label_value(R"(target="lever:ab12")", "target") == "lever:ab12");
  BOOST_TEST(label_value(R"(x="a\"b,c",y="d")", "y") == "d");
  BOOST_TEST(label_value(R"(x="a\"b\\c")", "x") == "a\"b\\c");
  BOOST_TEST(label_value(R"(x="1")", "missing") == "");
  BOOST_TEST(label_value("", "x") == "");
  BOOST_TEST(label_value("garbage", "x") == "");
}

BOOST_AUTO_TEST_CASE(quantiles_interpolate_inside_the_bucket) {
  // 10 observations: 4 up to 1 ms, 4 more up to 5 ms, 2 more up to 10 ms.
  const std::vector<uint64_t> cum = {4, 8, 10, 10, 10, 10};
  // p50: rank 5 falls in (1 ms, 5 ms], 1 of its 4 observations in: 1 + 4 * 1/4 = 2 ms.
  BOOST_TEST(near(*bucket_quantile(0.5, bounds, cum, 10), 0.002));
  // p99: rank 9.9 in (5 ms, 10 ms], 1.9 of 2: 5 + 5 * 0.95 = 9.75 ms.
  BOOST_TEST(near(*bucket_quantile(0.99, bounds, cum, 10), 0.00975));
  // p20: rank 2 in the first bucket, which starts at 0.
  BOOST_TEST(near(*bucket_quantile(0.2, bounds, cum, 10), 0.0005));
  // All in the +Inf bucket: the highest finite bound, as histogram_quantile answers.
  BOOST_TEST(near(*bucket_quantile(0.5, bounds, {0, 0, 0, 0, 0, 0}, 3), 1.0));
  // Empty, or the bounds and counts disagree: no quantile.
  BOOST_TEST(!bucket_quantile(0.5, bounds, {0, 0, 0, 0, 0, 0}, 0).has_value());
  BOOST_TEST(!bucket_quantile(0.5, {}, {}, 4).has_value());
  BOOST_TEST(!bucket_quantile(0.5, bounds, {1, 2}, 2).has_value());
}

BOOST_AUTO_TEST_CASE(a_sample_holds_the_interval_not_the_totals) {
  auto a = reading(0);
  a.webhooks_accepted = 100;
  a.webhooks_refused = 7;
  a.lever_calls = {{"lever:aaa", 50}, {"lever:bbb", 20}};
  observe(a, 0.5, 1000);  // an hour of slow acks before the interval
  auto b = reading(10);
  b.webhooks_accepted = 112;
  b.webhooks_refused = 9;
  b.lever_calls = {{"lever:aaa", 50}, {"lever:bbb", 26}, {"lever:ccc", 3}};
  b.ack_counts = a.ack_counts;
  b.ack_total = a.ack_total;
  observe(b, 0.004, 12);  // the interval's acks are all fast
  b.outbox_pending = 4;
  b.outbox_dead = 2;
  b.breakers = {{"platform", 0}, {"lever:bbb", 1}, {"mail", 2}};

  const auto s = make_sample(a, b);
  BOOST_TEST(s.at_ms == b.at_ms);
  BOOST_TEST(near(s.span_s, 10.0));
  BOOST_TEST(s.webhooks_accepted == 12u);
  BOOST_TEST(s.webhooks_refused == 2u);
  BOOST_TEST(s.ack_count == 12u);
  // From the bucket deltas only: all 12 in (1 ms, 5 ms], not the 1000 slow ones before.
  BOOST_REQUIRE(s.ack_p50.has_value());
  BOOST_TEST(near(*s.ack_p50, 0.001 + 0.004 * 0.5));
  BOOST_TEST(near(*s.ack_p99, 0.001 + 0.004 * 0.99));
  BOOST_TEST(s.outbox_pending == 4u);
  BOOST_TEST(s.outbox_dead == 2u);
  BOOST_TEST(near(s.lever_budget, 100.0));  // 10 per second for 10 s
  // Keys that called, busiest first; lever:aaa made no call in the interval.
  using call = std::pair<std::string, uint64_t>;
  BOOST_TEST((s.lever_calls == std::vector<call>{{"lever:bbb", 6}, {"lever:ccc", 3}}));
  BOOST_TEST(s.lever_other_calls == 0u);
  // Breakers not closed first.
  BOOST_REQUIRE(s.breakers.size() == 3u);
  BOOST_TEST(s.breakers[0].first == "lever:bbb");
  BOOST_TEST(s.breakers[1].first == "mail");
  BOOST_TEST(s.breakers[2].first == "platform");

  // A quiet interval: zeros, no percentiles.
  auto c = b;
  c.at_ms += 10'000;
  c.steady_ms += 10'000;
  const auto quiet = make_sample(b, c);
  BOOST_TEST(quiet.webhooks_accepted == 0u);
  BOOST_TEST(quiet.ack_count == 0u);
  BOOST_TEST(!quiet.ack_p50.has_value());
  BOOST_TEST(!quiet.ack_p99.has_value());
  BOOST_TEST(quiet.lever_calls.empty());
}

BOOST_AUTO_TEST_CASE(the_first_observation_and_a_restart_count_from_zero) {
  // Before the first webhook the histogram does not exist: no bounds.
  auto a = reading(0);
  a.ack_bounds.clear();
  a.ack_counts.clear();
  auto b = reading(10);
  observe(b, 0.02, 3);
  auto s = make_sample(a, b);
  BOOST_TEST(s.ack_count == 3u);
  BOOST_TEST(near(*s.ack_p50, 0.01 + 0.04 * 0.5));
  // Counters that went down (they started again) count from 0, never wrap around.
  auto c = reading(20);
  c.webhooks_accepted = 2;
  c.lever_calls = {{"lever:aaa", 1}};
  b.webhooks_accepted = 50;
  b.lever_calls = {{"lever:aaa", 9}};
  observe(c, 0.002, 1);
  s = make_sample(b, c);
  BOOST_TEST(s.webhooks_accepted == 2u);
  BOOST_TEST(s.ack_count == 1u);
  BOOST_TEST(near(*s.ack_p50, 0.001 + 0.004 * 0.5));
  BOOST_REQUIRE(s.lever_calls.size() == 1u);
  BOOST_TEST(s.lever_calls[0].second == 1u);
}

BOOST_AUTO_TEST_CASE(many_keys_are_capped_and_the_rest_summed) {
  auto a = reading(0), b = reading(10);
  for (std::size_t i = 0; i < history_max_series + 4; ++i) {
    const std::string key = "lever:k" + std::to_string(100 + i);
    b.lever_calls[key] = i + 1;  // the last keys are the busiest
    b.breakers[key] = i == 0 ? 1 : 0;
  }
  const auto s = make_sample(a, b);
  BOOST_TEST(s.lever_calls.size() == history_max_series);
  BOOST_TEST(s.lever_calls.front().second == history_max_series + 4);
  BOOST_TEST(s.lever_other_calls == 1u + 2u + 3u + 4u);  // the four quietest
  BOOST_TEST(s.breakers.size() == history_max_series);
  BOOST_TEST(s.breakers.front().first == "lever:k100");  // the open one is kept, first
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ring)

BOOST_AUTO_TEST_CASE(an_empty_history_has_no_samples) {
  sample_history h;
  BOOST_TEST(h.samples().empty());
  BOOST_TEST(h.to_json().dump() == R"({"interval_s":10,"samples":[]})");
  // The first reading is only the baseline.
  h.record(reading(0));
  BOOST_TEST(h.samples().empty());
  h.record(reading(10));
  BOOST_TEST(h.samples().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_ring_keeps_the_last_hour_after_wrapping) {
  sample_history h;
  BOOST_TEST(sample_history::hour == 360u);
  // 400 intervals, each with as many accepted webhooks as its number.
  uint64_t total = 0;
  for (int i = 0; i <= 400; ++i) {
    auto r = reading(i * 10);
    total += static_cast<uint64_t>(i);
    r.webhooks_accepted = total;
    h.record(std::move(r));
    const auto n = h.samples().size();
    BOOST_TEST_REQUIRE(n == static_cast<std::size_t>(std::min(i, 360)));
  }
  const auto samples = h.samples();
  BOOST_REQUIRE(samples.size() == 360u);
  // The oldest 40 were dropped; what is left is in order, oldest first.
  BOOST_TEST(samples.front().webhooks_accepted == 41u);
  BOOST_TEST(samples.back().webhooks_accepted == 400u);
  for (std::size_t i = 1; i < samples.size(); ++i) {
    BOOST_TEST_REQUIRE(samples[i].at_ms == samples[i - 1].at_ms + 10'000);
    BOOST_TEST_REQUIRE(samples[i].webhooks_accepted == samples[i - 1].webhooks_accepted + 1);
  }
  BOOST_TEST(h.to_json()["samples"].size() == 360u);
}

BOOST_AUTO_TEST_CASE(a_small_ring_wraps_exactly) {
  sample_ring r(3);
  BOOST_TEST(r.capacity() == 3u);
  for (int i = 1; i <= 7; ++i) {
    history_sample s;
    s.at_ms = i;
    r.push(s);
  }
  const auto all = r.samples();
  BOOST_REQUIRE(all.size() == 3u);
  BOOST_TEST(all[0].at_ms == 5);
  BOOST_TEST(all[1].at_ms == 6);
  BOOST_TEST(all[2].at_ms == 7);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shape)

BOOST_AUTO_TEST_CASE(the_json_is_what_the_console_and_openapi_json_expect) {
  auto a = reading(0), b = reading(10);
  b.webhooks_accepted = 3;
  b.webhooks_refused = 1;
  observe(b, 0.004, 3);
  b.outbox_pending = 2;
  b.outbox_dead = 1;
  b.lever_calls = {{"lever:ab12", 5}};
  b.breakers = {{"platform", 0}, {"lever:ab12", 2}};
  sample_history h;
  h.record(a);
  h.record(b);
  const json j = h.to_json();
  BOOST_TEST(j["interval_s"] == 10);
  BOOST_REQUIRE(j["samples"].size() == 1u);
  const json& s = j["samples"][0];
  BOOST_TEST(s["at"] == b.at_ms);
  BOOST_TEST(s["span_s"] == 10.0);
  BOOST_TEST(s["webhooks"] == json({{"accepted", 3}, {"refused", 1}}));
  BOOST_TEST(s["ack_seconds"]["count"] == 3);
  BOOST_TEST(s["ack_seconds"]["p50"] == 0.003);  // rounded to the microsecond
  BOOST_TEST(s["ack_seconds"]["p99"] == 0.00496);
  BOOST_TEST(s["outbox"] == json({{"pending", 2}, {"dead", 1}}));
  BOOST_TEST(s["lever"] ==
             json({{"budget", 100.0}, {"calls", {{"lever:ab12", 5}}}, {"other_calls", 0}}));
  BOOST_TEST(s["breakers"] == json({{"platform", "closed"}, {"lever:ab12", "half_open"}}));
  // No percentile when nothing was answered: null, not 0.
  auto c = b;
  c.steady_ms += 10'000;
  const json quiet = sample_json(make_sample(b, c));
  BOOST_TEST(quiet["ack_seconds"]["p50"].is_null());
  BOOST_TEST(quiet["ack_seconds"]["p99"].is_null());
  BOOST_TEST(quiet["lever"]["calls"].is_object());
  BOOST_TEST(quiet["lever"]["calls"].empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sources)

BOOST_AUTO_TEST_CASE(metrics_give_a_familys_series) {
  vouch::actors::metrics m;
  BOOST_TEST(m.counter_series("vouch_webhooks_total").empty());
  BOOST_TEST(m.gauge_series("vouch_breaker_state").empty());
  m.inc("vouch_webhooks_total", R"(source="platform",outcome="accepted")", 2);
  m.inc("vouch_webhooks_total", R"(source="platform",outcome="unavailable")");
  m.set("vouch_breaker_state", R"(target="platform")", 1);
  m.set("vouch_commands_pending", "", 4);
  const auto c = m.counter_series("vouch_webhooks_total");
  BOOST_TEST(c.size() == 2u);
  BOOST_TEST(c.at(R"(source="platform",outcome="accepted")") == 2u);
  BOOST_TEST(m.gauge_series("vouch_breaker_state").at(R"(target="platform")") == 1.0);
  BOOST_TEST(m.gauge_series("vouch_commands_pending").at("") == 4.0);
  // The existing accessors are unchanged.
  BOOST_TEST(m.counter("vouch_webhooks_total", R"(source="platform",outcome="accepted")") == 2u);
}

BOOST_AUTO_TEST_CASE(the_rate_limiter_counts_calls_per_key_by_its_public_name) {
  vouch::actors::rate_limiter limiter(10, 20);  // a burst of 19: no waiting here
  BOOST_TEST(limiter.calls().empty());
  for (int i = 0; i < 3; ++i) limiter.acquire("secret-key-a");
  limiter.acquire("secret-key-b");
  const auto calls = limiter.calls();
  BOOST_TEST(calls.size() == 2u);
  BOOST_TEST(calls.at(vouch::actors::lever_target_name("secret-key-a")) == 3u);
  BOOST_TEST(calls.at(vouch::actors::lever_target_name("secret-key-b")) == 1u);
  for (const auto& [name, n] : calls) BOOST_TEST(name.find("secret") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
