#include "engine/log_format.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace vouch::engine {

namespace {

class level_flag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* name = "info";
    switch (msg.level) {
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
    dest.append(name, name + std::char_traits<char>::length(name));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<level_flag>();
  }
};

}  // namespace

void use_vouch_log_format() {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<level_flag>('*').set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%* %v");
  spdlog::set_formatter(std::move(f));
}

}  // namespace vouch::engine
