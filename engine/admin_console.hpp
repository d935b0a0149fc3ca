// The web console: one self-contained HTML page (inline CSS and JS, nothing fetched from
// elsewhere) served at GET /admin/ on the admin listener. It holds no data and needs no
// token to load; it asks for the admin token, keeps it in sessionStorage (gone when the tab
// closes) and calls the admin API with it. It lists orgs, candidates by state, a
// candidate's timeline with resend/retry, the outbox with a retry button for dead commands,
// and the system figures. Usable on a 390 px wide phone.
#pragma once

#include <string_view>

namespace vouch::engine {

/// The page, as served (UTF-8 HTML).
std::string_view admin_console_html();

}  // namespace vouch::engine
