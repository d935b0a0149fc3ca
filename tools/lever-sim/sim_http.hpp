// Small helpers shared by lever-sim and platform-sim: query maps, JSON answers and the
// wall clock. Nothing here knows about Lever or the platform.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/http_server.hpp"

namespace vouch::sim {

using json = nlohmann::json;

/// Decoded query parameters; repeated keys keep every value in order (Lever ORs them).
using query_map = std::map<std::string, std::vector<std::string>>;

/// What a route computed; turned into an http_response by to_http().
struct api_result {
  unsigned status = 200;
  json body;  ///< null: empty body
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string raw_body;  ///< used instead of `body` when non-empty (HTML pages)
};

api_result make_result(unsigned status, json body);
net::http_response to_http(const api_result& r);

query_map parse_query_map(std::string_view raw);
/// {"k": ["v", ...]}: every value of each query key.
json query_to_json(const query_map& q);
/// First value of `key`, or `fallback` when absent.
std::string query_first(const query_map& q, const std::string& key,
                        const std::string& fallback = "");

/// Percent-decoded, non-empty path segments.
std::vector<std::string> split_path(std::string_view path);

/// The body as JSON, or null when empty or not JSON.
json parse_json_body(const std::string& body);

/// Milliseconds since the Unix epoch.
int64_t now_ms();
/// Seconds since the Unix epoch.
int64_t now_s();

bool starts_with(std::string_view s, std::string_view prefix);

}  // namespace vouch::sim
