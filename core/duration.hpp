// Parsers for the human-written values of the config file (docs/configuration.md#value-formats):
// durations, sizes and listen addresses. Strict on purpose: a typo should be a
// startup error, not a surprising default.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace vouch::core {

/// "<digits><unit>" with unit one of ms, s, m, h, d (no spaces, no sign, no
/// fractions). Rejects "", "10" (a unit is required), unknown units and values
/// that overflow milliseconds in int64.
bool parse_duration(std::string_view s, std::chrono::milliseconds& out);

/// Inverse of parse_duration: the largest unit that divides the value exactly
/// ("14d", "30s", "1500ms"). Zero is "0s"; negative values keep their sign.
std::string format_duration(std::chrono::milliseconds d);

/// "<digits>" (bytes) or "<digits><unit>" with unit KiB, MiB, GiB or TiB
/// (powers of 1024). Rejects overflow of uint64, SI units ("4GB") and spaces.
bool parse_size(std::string_view s, uint64_t& out);

/// Inverse of parse_size: the largest binary unit that divides the value
/// exactly ("4GiB", "1536KiB"); plain bytes otherwise ("1000").
std::string format_size(uint64_t bytes);

/// "host:port" or "[ipv6]:port". The host must be non-empty; it is not
/// resolved here. The port is 0..65535 in decimal digits (0 = any free port,
/// useful in tests). On false, host and port are unspecified.
bool parse_host_port(std::string_view s, std::string& host, uint16_t& port);

}  // namespace vouch::core
