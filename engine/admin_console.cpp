#include "engine/admin_console.hpp"

#include <string>

// The page, its style and its script live in engine/console/ as real files; the build
// embeds them with their CSP hashes (cmake/embed_console.cmake).
#include "console_assets.hpp"

namespace vouch::engine {

std::string_view admin_console_html() {
  return console_assets::page;
}

std::string_view admin_console_csp() {
  static const std::string csp = "default-src 'none'; script-src " +
                                 std::string(console_assets::script_hash) + "; style-src " +
                                 std::string(console_assets::style_hash) +
                                 "; img-src data:; connect-src 'self'; base-uri 'none'; "
                                 "form-action 'none'; frame-ancestors 'none'";
  return csp;
}

}  // namespace vouch::engine
