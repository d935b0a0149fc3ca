#include "core/bytes.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>

using namespace vouch::core;

BOOST_AUTO_TEST_SUITE(bytes)

BOOST_AUTO_TEST_CASE(every_value_written_reads_back_in_order) {
  byte_writer w;
  w.u8(7);
  w.u32(0xDEADBEEF);
  w.u64(std::numeric_limits<uint64_t>::max() - 1);
  w.i64(-42);
  w.boolean(true);
  w.str(std::string("bin\0ary", 7));
  w.strs({"a", "", "ccc"});
  const std::string data = w.take();
  BOOST_TEST(w.data().empty());

  byte_reader r(data);
  uint8_t a = 0;
  uint32_t b = 0;
  uint64_t c = 0;
  int64_t d = 0;
  bool e = false;
  std::string f;
  std::vector<std::string> g;
  BOOST_TEST(
      (r.u8(a) && r.u32(b) && r.u64(c) && r.i64(d) && r.boolean(e) && r.str(f) && r.strs(g)));
  BOOST_TEST(r.at_end());
  BOOST_TEST(a == 7);
  BOOST_TEST(b == 0xDEADBEEFu);
  BOOST_TEST(c == std::numeric_limits<uint64_t>::max() - 1);
  BOOST_TEST(d == -42);
  BOOST_TEST(e);
  BOOST_TEST(f == std::string("bin\0ary", 7));
  BOOST_TEST(g == (std::vector<std::string>{"a", "", "ccc"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_truncated_record_fails_and_the_reader_stays_failed) {
  byte_writer w;
  w.u32(1);
  w.str("hello");
  const std::string full = w.data();
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    byte_reader r(std::string_view(full).substr(0, cut));
    uint32_t n = 0;
    std::string s;
    BOOST_TEST(!(r.u32(n) && r.str(s)));
    BOOST_TEST(!r.at_end());
  }
  byte_reader r(std::string_view(full).substr(0, 2));
  uint32_t n = 0;
  uint8_t byte = 0;
  BOOST_TEST(!r.u32(n));
  BOOST_TEST(!r.u8(byte));  // two bytes remain, but the reader is failed
  BOOST_TEST(r.failed());
}

BOOST_AUTO_TEST_CASE(a_corrupt_string_count_fails_instead_of_allocating) {
  byte_writer w;
  w.u32(0xFFFFFFFF);
  byte_reader r(w.data());
  std::vector<std::string> v;
  BOOST_TEST(!r.strs(v));
}

BOOST_AUTO_TEST_CASE(a_boolean_byte_other_than_0_or_1_is_corrupt) {
  byte_reader r(std::string_view("\x02", 1));
  bool b = false;
  BOOST_TEST(!r.boolean(b));
}

BOOST_AUTO_TEST_CASE(trailing_bytes_mean_not_at_end) {
  byte_reader r(std::string_view("\x01\x02", 2));
  uint8_t v = 0;
  BOOST_TEST(r.u8(v));
  BOOST_TEST(!r.at_end());
}

BOOST_AUTO_TEST_CASE(be64_keys_sort_bytewise_like_the_numbers) {
  BOOST_TEST(be64(1) < be64(2));
  BOOST_TEST(be64(255) < be64(256));
  BOOST_TEST(be64(0x0100000000000000ull) > be64(0x00FFFFFFFFFFFFFFull));
  BOOST_TEST(be64(0x0102030405060708ull) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  BOOST_TEST(from_be64(be64(123456789012345ull)) == 123456789012345ull);
  BOOST_TEST(from_be64(be64(7) + "suffix") == 7u);
}

BOOST_AUTO_TEST_SUITE_END()
