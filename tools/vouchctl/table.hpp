// Human output: a tiny aligned-table printer and value formatting (times as ISO-8601 UTC).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vouch::ctl {

/// Columns separated by two spaces, padded to the widest cell (counted in UTF-8 code
/// points); the last column is not padded. Headers are printed in upper case as given.
class table {
 public:
  explicit table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  /// `indent` spaces before every line; `with_header` false prints rows only.
  void print(std::ostream& out, std::size_t indent = 0, bool with_header = true) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// Display width of a UTF-8 string (code points).
std::size_t text_width(const std::string& s);

/// ms since the Unix epoch as "2025-11-24T16:00:00Z" (".123" added when ms are not zero);
/// "-" for 0.
std::string iso_time(int64_t ms);
/// The wall clock in ms since the epoch (the unit of every time the daemon answers).
int64_t now_ms();
/// A JSON time field (integer ms, or null): iso_time, or "-".
std::string time_of(const nlohmann::json& v);
/// A JSON value as a cell: strings as is, null and "" as "-", booleans as yes/no, arrays joined
/// with ", ", other values as compact JSON. Control characters are replaced by spaces.
std::string text(const nlohmann::json& v);
/// `j[key]` as text; "-" when missing.
std::string field(const nlohmann::json& j, const char* key);
/// 1536 -> "1.5 KiB".
std::string human_bytes(double bytes);
/// Seconds as "1h02m03s" / "2m03s" / "7s".
std::string human_duration(int64_t seconds);

}  // namespace vouch::ctl
