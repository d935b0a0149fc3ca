// Log lines as JSON: the optional `[log] format = "json"` output. vouchd writes every line
// as logfmt (`msg=retry command=12 error="timed out"`); this turns one such line into one
// JSON object, so the two formats carry exactly the same fields and no log call site
// needs to know which one is in use.
//
// Pure: no spdlog here, so the conversion is unit-tested on plain strings.
#pragma once

#include <string>
#include <string_view>

namespace vouch::core {

/// `{"ts":ts,"level":level,<key>:<value>...}` for a logfmt line. Values stay strings (a
/// key's type never depends on its value). Quoted values are unescaped as fmt's `{:?}`
/// writes them (\n \r \t \\ \" \' \xHH \x{..} \u{..}); a word without `=` is kept in
/// "text"; a key seen twice keeps its first value and the later one goes to "text" too,
/// so nothing on the line is lost and the object never has duplicate keys.
std::string logfmt_to_json(std::string_view ts, std::string_view level, std::string_view line);

/// `text` as a JSON string literal, quotes included; control characters and invalid
/// UTF-8 bytes are escaped as \u00XX so the result is always valid JSON.
std::string json_quote(std::string_view text);

}  // namespace vouch::core
