#include "core/duration.hpp"

#include <limits>

namespace vouch::core {

namespace {

// Splits "123abc" into 123 and "abc"; false if there are no digits or the
// number overflows uint64.
bool leading_number(std::string_view s, uint64_t& value, std::string_view& rest) {
  std::size_t i = 0;
  uint64_t v = 0;
  constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  value = v;
  rest = s.substr(i);
  return true;
}

bool multiply(uint64_t a, uint64_t b, uint64_t limit, uint64_t& out) {
  if (a != 0 && b > limit / a) return false;
  out = a * b;
  return true;
}

}  // namespace

bool parse_duration(std::string_view s, std::chrono::milliseconds& out) {
  uint64_t n = 0;
  std::string_view unit;
  if (!leading_number(s, n, unit)) return false;
  uint64_t scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 60 * 60 * 1000;
  } else if (unit == "d") {
    scale = 24 * 60 * 60 * 1000;
  } else {
    return false;
  }
  uint64_t ms = 0;
  constexpr auto limit =
      static_cast<uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (!multiply(n, scale, limit, ms)) return false;
  out = std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(ms)};
  return true;
}

std::string format_duration(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms == 0) return "0s";
  struct unit {
    int64_t scale;
    const char* suffix;
  };
  static constexpr unit units[] = {
      {24LL * 60 * 60 * 1000, "d"}, {60LL * 60 * 1000, "h"}, {60LL * 1000, "m"}, {1000, "s"}};
  for (const auto& u : units) {
    if (ms % u.scale == 0) return std::to_string(ms / u.scale) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

bool parse_size(std::string_view s, uint64_t& out) {
  uint64_t n = 0;
  std::string_view unit;
  if (!leading_number(s, n, unit)) return false;
  uint64_t scale = 0;
  if (unit.empty()) {
    scale = 1;
  } else if (unit == "KiB") {
    scale = uint64_t{1} << 10;
  } else if (unit == "MiB") {
    scale = uint64_t{1} << 20;
  } else if (unit == "GiB") {
    scale = uint64_t{1} << 30;
  } else if (unit == "TiB") {
    scale = uint64_t{1} << 40;
  } else {
    return false;
  }
  return multiply(n, scale, std::numeric_limits<uint64_t>::max(), out);
}

std::string format_size(uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr const char* units[] = {"TiB", "GiB", "MiB", "KiB"};
  for (int i = 0; i < 4; ++i) {
    const uint64_t scale = uint64_t{1} << (10 * (4 - i));
    if (bytes % scale == 0) return std::to_string(bytes / scale) + units[i];
  }
  return std::to_string(bytes);
}

bool parse_host_port(std::string_view s, std::string& host, uint16_t& port) {
  std::string_view h;
  std::string_view p;
  if (!s.empty() && s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return false;
    }
    h = s.substr(1, close - 1);
    p = s.substr(close + 2);
    // Inside brackets only an IPv6 literal makes sense.
    if (h.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return false;
  } else {
    const std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    h = s.substr(0, colon);
    p = s.substr(colon + 1);
    // An unbracketed host with a colon is an IPv6 literal missing its brackets;
    // "::1:8080" is ambiguous, so refuse it.
    if (h.find(':') != std::string_view::npos) return false;
    if (h.find_first_of(" \t/[]@") != std::string_view::npos) return false;
  }
  if (h.empty() || p.empty() || p.size() > 5) return false;
  uint32_t v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  host.assign(h);
  port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace vouch::core
