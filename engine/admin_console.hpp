// The web console: one self-contained HTML page (inline CSS and JS, nothing fetched from
// elsewhere, so it works offline) served at GET /admin/ on the admin listener. It holds no
// data and needs no token to load; it asks for the admin token, keeps it in sessionStorage
// (gone when the tab closes) and calls the admin API with it.
//
// Views are hash-routed, so every page has a URL to share or reload:
//   #/orgs                                   orgs with their connection status
//   #/orgs/ORG                               connection, webhook URLs (copy buttons),
//                                            templates, a dry-run template match, exports
//   #/orgs/ORG/candidates?state=S&q=TEXT     candidate list: state filter and search
//   #/orgs/ORG/candidates/OPP                state, why and what happens next, timeline,
//                                            timers, commands (Retry on dead ones),
//                                            Resend / Retry, the actor's figures
//   #/outbox?status=dead|pending             dead letters (Retry) and pending commands
//   #/exports/ID                             an export's progress (Cancel while running)
//   #/system                                 engine figures, refreshed every 2 s
// Usable from 390 px wide up: tables scroll inside their own box, the page never scrolls
// sideways.
//
// Security: every text from the API goes in through textContent (never innerHTML); the CSP
// allows exactly the page's own script and style by their SHA-256 hashes (no
// 'unsafe-inline', no 'unsafe-eval'), fetches only to the same origin, and no framing.
#pragma once

#include <string_view>

namespace vouch::engine {

/// The page, as served (UTF-8 HTML).
std::string_view admin_console_html();

/// The Content-Security-Policy header value for the page.
std::string_view admin_console_csp();

}  // namespace vouch::engine
