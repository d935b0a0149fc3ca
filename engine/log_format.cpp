#include "engine/log_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "core/logfmt.hpp"

namespace vouch::engine {

namespace {

const char* level_name(spdlog::level::level_enum level) {
  const char* name = "info";
  switch (level) {
    case spdlog::level::trace:
      name = "trace";
      break;
    case spdlog::level::debug:
      name = "debug";
      break;
    case spdlog::level::info:
      name = "info";
      break;
    case spdlog::level::warn:
      name = "warn";
      break;
    case spdlog::level::err:
      name = "error";
      break;
    case spdlog::level::critical:
      name = "critical";
      break;
    default:
      break;
  }
  return name;
}

class level_flag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* name = level_name(msg.level);
    dest.append(name, name + std::char_traits<char>::length(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<level_flag>();
  }
};

/// One JSON object per line: the text line's fields, parsed back out of its payload.
class json_formatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since = msg.time.time_since_epoch();
    const std::time_t secs = duration_cast<seconds>(since).count();
    const auto ms = duration_cast<milliseconds>(since).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[40];
    const auto n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(ms));
    const auto line = core::logfmt_to_json(
        ts, level_name(msg.level), std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

}  // namespace

void use_vouch_log_format(log_format format) {
  if (format == log_format::json) {
    spdlog::set_formatter(std::make_unique<json_formatter>());
    return;
  }
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<level_flag>('*').set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%* %v");
  spdlog::set_formatter(std::move(f));
}

}  // namespace vouch::engine
