#include "tools/lever-sim/sim_recorder.hpp"

namespace vouch::sim {

namespace {

api_result bad(const std::string& msg) {
  return make_result(400, {{"error", {{"code", "bad_request"}, {"message", msg}}}});
}

// Compiles a user-supplied regex; false (with `err`) instead of throwing at the caller.
bool compile(const std::string& text, std::regex& out, std::string& err) {
  try {
    out = std::regex(text, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error& e) {
    err = "bad path regex '" + text + "': " + e.what();
    return false;
  }
}

std::string method_of(const json& spec) {
  auto it = spec.find("method");
  if (it == spec.end() || it->is_null()) return "*";
  return it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

uint64_t recorder::begin(json call) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seq = next_seq_++;
  calls_.emplace_back(seq, std::move(call));
  return seq;
}

void recorder::finish(uint64_t seq, const json& patch) {
  std::lock_guard<std::mutex> lock(mu_);
  // Recent calls finish first, so search from the back.
  for (auto it = calls_.rbegin(); it != calls_.rend(); ++it) {
    if (it->first == seq) {
      it->second.update(patch);
      return;
    }
    if (it->first < seq) return;
  }
}

bool recorder::method_fits(const std::string& want, const std::string& method) {
  return want.empty() || want == "*" || want == method;
}

std::optional<fault_hit> recorder::pick_fault(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : faults_) {
    if (!method_fits(f.method, method) || !std::regex_match(path, f.pattern)) continue;
    if (f.remaining) {
      if (*f.remaining <= 0) continue;
      --*f.remaining;
    }
    return fault_hit{f.status, f.retry_after, f.body};
  }
  return std::nullopt;
}

delay_hit recorder::pick_delay(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& d : delays_) {
    if (method_fits(d.method, method) && std::regex_match(path, d.pattern)) {
      return delay_hit{d.seconds, d.after};
    }
  }
  return {};
}

std::optional<api_result> recorder::handle_control(const std::string& method,
                                                   const std::vector<std::string>& segs,
                                                   const query_map& query, const json& body) {
  if (segs.size() != 1) return std::nullopt;
  const std::string& what = segs[0];
  if (what == "calls") {
    if (method == "GET") return make_result(200, {{"calls", list_calls(query)}});
    if (method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.clear();
      return make_result(200, {{"cleared", true}});
    }
  } else if (what == "faults") {
    if (method == "POST") return add_fault(body);
    if (method == "GET") return make_result(200, {{"faults", list_faults()}});
    if (method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu_);
      faults_.clear();
      return make_result(200, {{"cleared", true}});
    }
  } else if (what == "delays") {
    if (method == "POST") return add_delay(body);
    if (method == "GET") return make_result(200, {{"delays", list_delays()}});
    if (method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu_);
      delays_.clear();
      return make_result(200, {{"cleared", true}});
    }
  } else {
    return std::nullopt;
  }
  return make_result(405, {{"error", {{"code", "method"}, {"message", method + " not allowed"}}}});
}

api_result recorder::add_fault(const json& spec) {
  if (!spec.is_object()) return bad("body must be a JSON object");
  fault f;
  f.method = method_of(spec);
  if (f.method.empty()) return bad("method must be a string or null");
  if (!spec.contains("path") || !spec["path"].is_string()) return bad("path (regex) is required");
  f.pattern_text = spec["path"].get<std::string>();
  std::string err;
  if (!compile(f.pattern_text, f.pattern, err)) return bad(err);
  if (!spec.contains("status") || !spec["status"].is_number_integer()) {
    return bad("status is required");
  }
  f.status = spec["status"].get<unsigned>();
  if (f.status < 100 || f.status > 599) return bad("status must be 100..599");
  // count defaults to 1, null means forever.
  if (!spec.contains("count")) {
    f.remaining = 1;
  } else if (spec["count"].is_number_integer()) {
    f.remaining = spec["count"].get<int64_t>();
  } else if (!spec["count"].is_null()) {
    return bad("count must be an integer or null");
  }
  // 429 and 503 carry Retry-After: 1 unless told otherwise; null/false = none.
  if (!spec.contains("retry_after")) {
    if (f.status == 429 || f.status == 503) f.retry_after = 1;
  } else if (spec["retry_after"].is_number_integer()) {
    f.retry_after = spec["retry_after"].get<int>();
  } else if (!spec["retry_after"].is_null() && !spec["retry_after"].is_boolean()) {
    return bad("retry_after must be an integer, null or false");
  }
  if (spec.contains("body")) f.body = spec["body"];
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(f));
  return make_result(201, {{"faults", faults_.size()}});
}

api_result recorder::add_delay(const json& spec) {
  if (!spec.is_object()) return bad("body must be a JSON object");
  delay d;
  d.method = method_of(spec);
  if (d.method.empty()) return bad("method must be a string or null");
  if (!spec.contains("path") || !spec["path"].is_string()) return bad("path (regex) is required");
  d.pattern_text = spec["path"].get<std::string>();
  std::string err;
  if (!compile(d.pattern_text, d.pattern, err)) return bad(err);
  if (!spec.contains("seconds") || !spec["seconds"].is_number() ||
      spec["seconds"].get<double>() < 0) {
    return bad("seconds must be a non-negative number");
  }
  d.seconds = spec["seconds"].get<double>();
  d.after = spec.value("after", false);
  std::lock_guard<std::mutex> lock(mu_);
  delays_.push_back(std::move(d));
  return make_result(201, {{"delays", delays_.size()}});
}

json recorder::list_calls(const query_map& query) const {
  std::string method = query_first(query, "method");
  std::string path = query_first(query, "path");
  std::regex rx;
  std::string err;
  bool use_rx = !path.empty() && compile(path, rx, err);
  json out = json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [seq, call] : calls_) {
    if (!method.empty() && call.value("method", "") != method) continue;
    if (use_rx && !std::regex_match(call.value("path", ""), rx)) continue;
    out.push_back(call);
  }
  return out;
}

json recorder::list_faults() const {
  json out = json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : faults_) {
    out.push_back({{"method", f.method},
                   {"path", f.pattern_text},
                   {"status", f.status},
                   {"remaining", f.remaining ? json(*f.remaining) : json(nullptr)},
                   {"retry_after", f.retry_after ? json(*f.retry_after) : json(nullptr)}});
  }
  return out;
}

json recorder::list_delays() const {
  json out = json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& d : delays_) {
    out.push_back({{"method", d.method},
                   {"path", d.pattern_text},
                   {"seconds", d.seconds},
                   {"after", d.after}});
  }
  return out;
}

}  // namespace vouch::sim
