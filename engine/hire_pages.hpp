// The small HTML pages behind the owner's hire-confirmation links
// (docs/reference.md#hire-confirmation-links). Opening a link (GET) only shows a page with
// a confirm button, because mail scanners open every link; the button's POST records the
// answer.
#pragma once

#include <string>

#include "core/records.hpp"

namespace vouch::engine {

/// GET while an answer is pending: names candidate and posting, with a confirm form.
std::string confirm_page(const core::candidate_record& c, const std::string& answer);
/// After a recorded answer, or when none is pending: shows where the candidate stands.
std::string state_page(const core::candidate_record& c, const std::string& note);
/// 400 / 410 / 404 pages.
std::string problem_page(const std::string& title, const std::string& text);

}  // namespace vouch::engine
