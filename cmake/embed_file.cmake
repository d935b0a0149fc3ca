# Embeds one text file into a C++ header at build time, as a std::string_view over a raw
# string literal, so the binary serves the file exactly as it is in the repository (the
# OpenAPI document, docs/openapi.json) without reading anything at run time.
# Usage: cmake -DSRC=<file> -DOUT=<header> -DNAMESPACE=<ns> -DNAME=<variable> -P embed_file.cmake

foreach(arg SRC OUT NAMESPACE NAME)
  if(NOT DEFINED ${arg} OR "${${arg}}" STREQUAL "")
    message(FATAL_ERROR "embed_file.cmake: -D${arg}= is required")
  endif()
endforeach()

file(READ "${SRC}" text)
# A raw string ends at the first )delimiter"; a file holding that sequence would cut the
# literal short and the header would not compile (or, worse, compile to something else).
string(FIND "${text}" ")vouch_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SRC} contains the raw-string delimiter )vouch_embed\"")
endif()

get_filename_component(src_name "${SRC}" NAME)
set(header "// Generated at build time by cmake/embed_file.cmake from ${src_name}.\n")
string(APPEND header "// Edit that file, not this one.\n#pragma once\n\n#include <string_view>\n\n")
string(APPEND header "namespace ${NAMESPACE} {\n\n")
string(APPEND header "inline constexpr std::string_view ${NAME} = R\"vouch_embed(${text})vouch_embed\";\n\n")
string(APPEND header "}  // namespace ${NAMESPACE}\n")
# Rewrite only when the text changes, so an unrelated rebuild recompiles nothing.
include("${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake")
write_if_changed("${OUT}" "${header}")
