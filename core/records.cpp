#include "core/records.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace vouch::core {
namespace {

constexpr std::array<const char*, 11> state_names = {"idle",
                                                     "resolving",
                                                     "requesting",
                                                     "awaiting_references",
                                                     "report_ready",
                                                     "awaiting_hire_decision",
                                                     "awaiting_owner_response",
                                                     "hired",
                                                     "not_hired",
                                                     "expired",
                                                     "needs_attention"};

constexpr std::array<const char*, 12> command_names = {
    "lever.resolve",           "lever.note",           "lever.add_links",
    "platform.create_request", "platform.remind",      "platform.expire",
    "platform.hiring_status",  "lever.followup_check", "lever.archive_hired",
    "lever.outcome_note",      "mail.followup",        "prospect.export"};
static_assert(command_names.back() != nullptr, "every command_kind needs a name");

constexpr std::array<const char*, 3> timer_names = {"reminder", "expiry", "followup"};

template <class Enum, std::size_t N>
bool parse_name(const std::array<const char*, N>& names, std::string_view s, Enum& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (s == names[i]) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

const char* to_string(cand_state s) {
  return state_names.at(static_cast<std::size_t>(s));
}
bool parse_state(std::string_view s, cand_state& out) {
  return parse_name(state_names, s, out);
}

const char* to_string(command_kind k) {
  return command_names.at(static_cast<std::size_t>(k));
}
bool parse_command_kind(std::string_view s, command_kind& out) {
  return parse_name(command_names, s, out);
}

const char* to_string(command_target t) {
  switch (t) {
    case command_target::lever:
      return "lever";
    case command_target::platform:
      return "platform";
    case command_target::mail:
      return "mail";
  }
  return "lever";
}

command_target target_of(command_kind k) {
  // No default: a new kind must be placed here or the compiler says so (-Wswitch).
  switch (k) {
    case command_kind::platform_create_request:
    case command_kind::platform_remind:
    case command_kind::platform_expire:
    case command_kind::platform_hiring_status:
      return command_target::platform;
    case command_kind::mail_followup:
      return command_target::mail;
    case command_kind::lever_resolve:
    case command_kind::lever_note:
    case command_kind::lever_add_links:
    case command_kind::lever_followup_check:
    case command_kind::lever_archive_hired:
    case command_kind::lever_outcome_note:
    case command_kind::prospect_export:
      return command_target::lever;
  }
  return command_target::lever;
}

void remember_attempt(command& c, command_attempt a) {
  c.recent_attempts.push_back(std::move(a));
  if (c.recent_attempts.size() > max_recent_attempts)
    c.recent_attempts.erase(
        c.recent_attempts.begin(),
        c.recent_attempts.end() - static_cast<std::ptrdiff_t>(max_recent_attempts));
}

const char* to_string(command_status s) {
  return s == command_status::dead ? "dead" : "pending";
}

const char* to_string(timer_kind k) {
  return timer_names.at(static_cast<std::size_t>(k));
}
bool parse_timer_kind(std::string_view s, timer_kind& out) {
  return parse_name(timer_names, s, out);
}

const char* to_string(prospect_status s) {
  static constexpr std::array<const char*, 6> names = {"stored", "queued", "exported",
                                                       "linked", "failed", "not_exportable"};
  return names.at(static_cast<std::size_t>(s));
}

const char* to_string(export_state s) {
  static constexpr std::array<const char*, 4> names = {"running", "done", "failed", "cancelled"};
  return names.at(static_cast<std::size_t>(s));
}

}  // namespace vouch::core
