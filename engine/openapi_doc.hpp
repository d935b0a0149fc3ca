// The OpenAPI 3.1 description of vouchd's HTTP surface (the admin API, the console, the
// metrics and the public listener's endpoints), served at GET /admin/v1/openapi.json on the
// admin listener. The text is docs/openapi.json, embedded at build time
// (cmake/embed_file.cmake), so the daemon always serves the document of the source it was
// built from; tests/e2e/test_openapi.cpp checks the two against each other.
#pragma once

#include <string_view>

namespace vouch::engine {

/// docs/openapi.json, byte for byte.
std::string_view openapi_document();

}  // namespace vouch::engine
