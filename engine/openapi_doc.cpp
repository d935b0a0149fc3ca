#include "engine/openapi_doc.hpp"

// Generated from docs/openapi.json by cmake/embed_file.cmake. Only this small file
// includes it, so editing the document recompiles nothing else.
#include "openapi_assets.hpp"

namespace vouch::engine {

std::string_view openapi_document() {
  return openapi_assets::document;
}

}  // namespace vouch::engine
