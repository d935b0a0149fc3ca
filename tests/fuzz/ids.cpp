// Identifier checks (core/ids.hpp) and the names the admin API parses (core/records.hpp).
// - external_id_problem: fine exactly for 1-128 bytes without a control character, and
//   otherwise a reason; valid_org_id exactly for 1-64 of [a-z0-9_-].
// - to_lower_ascii changes only A-Z, and twice is once.
// - parse_state, parse_command_kind, parse_timer_kind accept exactly the names to_string
//   prints.
#include <string>

#include "core/ids.hpp"
#include "core/records.hpp"
#include "tests/fuzz/check.hpp"

namespace {

using namespace vouch::core;

template <class Enum, class Parse>
void check_name(std::string_view in, Parse parse) {
  Enum e{};
  if (parse(in, e)) FUZZ_CHECK(std::string_view(to_string(e)) == in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = as_text(data, size);

  bool clean = !in.empty() && in.size() <= max_external_id;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) clean = false;
  }
  const char* problem = external_id_problem(in);
  FUZZ_CHECK((problem == nullptr) == clean);
  FUZZ_CHECK(problem == nullptr || *problem != '\0');
  FUZZ_CHECK(valid_external_id(in) == clean);

  bool org_ok = !in.empty() && in.size() <= 64;
  for (char c : in)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) org_ok = false;
  FUZZ_CHECK(valid_org_id(in) == org_ok);

  const std::string lowered = to_lower_ascii(in);
  FUZZ_CHECK(lowered.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    FUZZ_CHECK(lowered[i] == (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c));
  }
  FUZZ_CHECK(to_lower_ascii(lowered) == lowered);

  check_name<cand_state>(in, [](std::string_view s, cand_state& e) { return parse_state(s, e); });
  check_name<command_kind>(
      in, [](std::string_view s, command_kind& e) { return parse_command_kind(s, e); });
  check_name<timer_kind>(in,
                         [](std::string_view s, timer_kind& e) { return parse_timer_kind(s, e); });
  return 0;
}
