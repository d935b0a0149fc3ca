// Output helpers shared by the command files.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/vouchctl/ctl.hpp"

namespace vouch::ctl {

/// Pretty-prints JSON (2-space indent) on stdout.
void print_json(const json& j);
/// "key:  value" lines with the values aligned.
void print_fields(const std::vector<std::pair<std::string, std::string>>& rows,
                  std::size_t indent = 0);
/// The "items" array of a list answer (an empty array if there is none).
const json& items_of(const json& list);

}  // namespace vouch::ctl
