// The log line format: `ts=2026-11-30T15:04:05.123Z level=warn msg=... key=value ...`, in
// UTC like the API and vouchctl, with the level names the docs use (trace, debug, info,
// warn, error, critical) rather than spdlog's own ("warning", "err"), so every line is
// key=value and greps the same way. With `[log] format = "json"` the same line becomes one
// JSON object (core/logfmt.hpp), so the call sites never know which format is in use.
// Costs the spdlog include only where installed.
#pragma once

namespace vouch::engine {

enum class log_format { text, json };

/// Installs the format on spdlog's default logger.
void use_vouch_log_format(log_format format = log_format::text);

}  // namespace vouch::engine
