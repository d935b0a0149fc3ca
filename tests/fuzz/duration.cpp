// The config value parsers of core/duration.hpp on arbitrary text: durations, sizes and
// listen addresses.
// - What parses prints back (format_*) to text that parses to the same value, and printing
//   that again gives the same text.
// - Any non-negative duration and any size prints to text that parses back to it (the first
//   8 input bytes as the number).
#include <chrono>
#include <cstring>
#include <string>

#include "core/duration.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;
using std::chrono::milliseconds;

std::string host_port(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = as_text(data, size);

  milliseconds d{};
  if (parse_duration(text, d)) {
    FUZZ_CHECK(d.count() >= 0);
    const std::string printed = format_duration(d);
    milliseconds back{};
    FUZZ_CHECK(parse_duration(printed, back) && back == d);
    FUZZ_CHECK(format_duration(back) == printed);
  }

  uint64_t n = 0;
  if (parse_size(text, n)) {
    const std::string printed = format_size(n);
    uint64_t back = 0;
    FUZZ_CHECK(parse_size(printed, back) && back == n);
    FUZZ_CHECK(format_size(back) == printed);
  }

  std::string host;
  uint16_t port = 0;
  if (parse_host_port(text, host, port)) {
    FUZZ_CHECK(!host.empty());
    const std::string printed = host_port(host, port);
    std::string host2;
    uint16_t port2 = 0;
    FUZZ_CHECK(parse_host_port(printed, host2, port2) && host2 == host && port2 == port);
  }

  if (size >= 8) {
    uint64_t raw = 0;
    std::memcpy(&raw, data, 8);
    const auto ms = static_cast<int64_t>(raw & ~(uint64_t{1} << 63));
    milliseconds back{};
    FUZZ_CHECK(parse_duration(format_duration(milliseconds{ms}), back) && back.count() == ms);
    uint64_t size_back = 0;
    FUZZ_CHECK(parse_size(format_size(raw), size_back) && size_back == raw);
  }
  return 0;
}
