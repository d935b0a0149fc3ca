#include "core/duration.hpp"

#include <boost/test/unit_test.hpp>

using namespace vouch::core;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(duration)

BOOST_AUTO_TEST_CASE(parse_duration_accepts_every_unit) {
  std::chrono::milliseconds d{};
  BOOST_TEST(parse_duration("250ms", d));
  BOOST_TEST(d.count() == 250);
  BOOST_TEST(parse_duration("30s", d));
  BOOST_TEST(d.count() == 30000);
  BOOST_TEST(parse_duration("5m", d));
  BOOST_TEST(d.count() == 300000);
  BOOST_TEST(parse_duration("2h", d));
  BOOST_TEST(d.count() == 7200000);
  BOOST_TEST(parse_duration("14d", d));
  BOOST_TEST(d.count() == 14LL * 86400000);
  BOOST_TEST(parse_duration("0s", d));
  BOOST_TEST(d.count() == 0);
}

BOOST_AUTO_TEST_CASE(parse_duration_rejects_missing_units_words_signs_and_overflow) {
  std::chrono::milliseconds d{};
  for (const char* bad : {"", "10", "fortnight", "-5s", "+5s", "5 s", " 5s", "5s ", "1.5s", "5sec",
                          "5S", "ms", "99999999999999999999d", "999999999999999d"}) {
    BOOST_TEST_INFO("input: \"" << bad << "\"");
    BOOST_TEST(!parse_duration(bad, d));
  }
}

BOOST_AUTO_TEST_CASE(format_duration_uses_the_largest_exact_unit) {
  BOOST_TEST(format_duration(1500ms) == "1500ms");
  BOOST_TEST(format_duration(30s) == "30s");
  BOOST_TEST(format_duration(90s) == "90s");
  BOOST_TEST(format_duration(5min) == "5m");
  BOOST_TEST(format_duration(2h) == "2h");
  BOOST_TEST(format_duration(std::chrono::hours(24 * 14)) == "14d");
  BOOST_TEST(format_duration(0ms) == "0s");
}

BOOST_AUTO_TEST_CASE(format_then_parse_gives_back_the_same_duration) {
  for (auto ms : {1ms, 999ms, 1000ms, 61000ms, 3600000ms, 86400000ms * 3}) {
    std::chrono::milliseconds back{};
    BOOST_TEST(parse_duration(format_duration(ms), back));
    BOOST_TEST(back.count() == ms.count());
  }
}

BOOST_AUTO_TEST_CASE(parse_size_accepts_binary_units_and_plain_bytes) {
  uint64_t n = 0;
  BOOST_TEST(parse_size("256MiB", n));
  BOOST_TEST(n == 256ull << 20);
  BOOST_TEST(parse_size("4GiB", n));
  BOOST_TEST(n == 4ull << 30);
  BOOST_TEST(parse_size("512KiB", n));
  BOOST_TEST(n == 512ull << 10);
  BOOST_TEST(parse_size("1TiB", n));
  BOOST_TEST(n == 1ull << 40);
  BOOST_TEST(parse_size("1048576", n));
  BOOST_TEST(n == 1048576u);
}

BOOST_AUTO_TEST_CASE(parse_size_rejects_si_units_spaces_and_overflow) {
  uint64_t n = 0;
  for (const char* bad :
       {"", "4GB", "4 GiB", "GiB", "-1", "4gib", "99999999999TiB", "18446744073709551616"}) {
    BOOST_TEST_INFO("input: \"" << bad << "\"");
    BOOST_TEST(!parse_size(bad, n));
  }
}

BOOST_AUTO_TEST_CASE(format_size_uses_the_largest_exact_binary_unit) {
  BOOST_TEST(format_size(4ull << 30) == "4GiB");
  BOOST_TEST(format_size(1536ull << 10) == "1536KiB");
  BOOST_TEST(format_size(1000) == "1000");
}

BOOST_AUTO_TEST_CASE(parse_host_port_accepts_ipv4_names_and_bracketed_ipv6) {
  std::string host;
  uint16_t port = 0;
  BOOST_TEST(parse_host_port("127.0.0.1:8080", host, port));
  BOOST_TEST(host == "127.0.0.1");
  BOOST_TEST(port == 8080);
  BOOST_TEST(parse_host_port("0.0.0.0:80", host, port));
  BOOST_TEST(port == 80);
  BOOST_TEST(parse_host_port("localhost:8080", host, port));
  BOOST_TEST(host == "localhost");
  BOOST_TEST(parse_host_port("[::1]:8080", host, port));
  BOOST_TEST(host == "::1");
  BOOST_TEST(port == 8080);
  BOOST_TEST(parse_host_port("127.0.0.1:0", host, port));
  BOOST_TEST(port == 0);
  BOOST_TEST(parse_host_port("127.0.0.1:65535", host, port));
  BOOST_TEST(port == 65535);
}

BOOST_AUTO_TEST_CASE(parse_host_port_rejects_malformed_addresses) {
  std::string host;
  uint16_t port = 0;
  for (const char* bad :
       {"not-an-address", "", ":8080", "host:", "host:65536", "host:-1", "host:80a", "::1:8080",
        "[::1]8080", "[::1]", "[]:80", "a b:80", "host:123456"}) {
    BOOST_TEST_INFO("input: \"" << bad << "\"");
    BOOST_TEST(!parse_host_port(bad, host, port));
  }
}

BOOST_AUTO_TEST_SUITE_END()
