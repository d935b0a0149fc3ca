// The log line format: `ts=2026-11-30T15:04:05.123Z level=warn msg=... key=value ...`, in
// UTC like the API and vouchctl, with the level names the docs use (trace, debug, info,
// warn, error, critical) rather than spdlog's own ("warning", "err"), so every line is
// key=value and greps the same way. Costs the spdlog include only where installed.
#pragma once

namespace vouch::engine {

/// Installs the format on spdlog's default logger.
void use_vouch_log_format();

}  // namespace vouch::engine
