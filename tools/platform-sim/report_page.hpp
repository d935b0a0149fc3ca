// The page behind a report link (GET /reports/:rid), so links vouchd writes into Lever
// notes open something readable in the demo.
#pragma once

#include <string>

#include "tools/platform-sim/platform_routes.hpp"

namespace vouch::platform_sim {

/// A small HTML page about `r`; `r` null: a "not found" page.
std::string report_page_html(const std::string& request_id, const reference_request* r);

}  // namespace vouch::platform_sim
