#include "core/ids.hpp"

namespace vouch::core {

bool valid_org_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const char* external_id_problem(std::string_view id) {
  if (id.empty()) return "expected a non-empty id";
  if (id.size() > max_external_id) return "expected an id of at most 128 characters";
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return "expected an id without control characters";
  }
  return nullptr;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace vouch::core
