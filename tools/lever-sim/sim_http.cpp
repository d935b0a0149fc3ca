#include "tools/lever-sim/sim_http.hpp"

#include <chrono>

namespace vouch::sim {

api_result make_result(unsigned status, json body) {
  api_result r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

net::http_response to_http(const api_result& r) {
  net::http_response res;
  res.status = r.status;
  res.content_type = r.content_type;
  res.headers = r.headers;
  if (!r.raw_body.empty()) {
    res.body = r.raw_body;
  } else if (!r.body.is_null()) {
    res.body = r.body.dump();
  }
  return res;
}

query_map parse_query_map(std::string_view raw) {
  query_map q;
  for (auto& [k, v] : net::parse_query(raw)) q[k].push_back(v);
  return q;
}

json query_to_json(const query_map& q) {
  json out = json::object();
  for (const auto& [k, vs] : q) out[k] = vs;
  return out;
}

std::string query_first(const query_map& q, const std::string& key, const std::string& fallback) {
  auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return fallback;
  return it->second.front();
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(net::url_decode(path.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

json parse_json_body(const std::string& body) {
  if (body.empty()) return nullptr;
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(nullptr) : j;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t now_s() {
  return now_ms() / 1000;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace vouch::sim
