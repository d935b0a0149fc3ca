// The build's version (CMake project(VERSION)) and git revision (`git describe --dirty` of
// the checkout it was built from, "unknown" outside one), for --version and the
// vouch_build_info metric.
#pragma once

#include <string>

namespace vouch {

const char* version();
const char* revision();

/// "NAME 0.9.0 (git 1a2b3c4d5e6f)".
inline std::string version_line(const std::string& name) {
  return name + " " + version() + " (git " + revision() + ")";
}

}  // namespace vouch
